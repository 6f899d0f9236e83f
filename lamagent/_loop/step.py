"""One step of the loop: render, generate (streaming), parse, verify, execute, observe.

Whatever the model writes becomes data: an answer, calls with their results, verification
errors, or a parse error, each appended to the conversation as something the model will read
on its next turn, and each filled into the step's trajectory record.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

from lamagent._loop.approval import complete_call, mark_awaiting, needs_pause
from lamagent._loop.context import LoopContext
from lamagent._loop.fitting import turn_within_window
from lamagent._loop.history import step_messages
from lamagent._loop.output import (
    is_output_turn,
    json_answer,
    output_request,
    settle_output,
    text_answer,
)
from lamagent._loop.repeats import nudge, repeats
from lamagent._loop.state import RunState
from lamagent.context import run_context
from lamagent.errors import ToolExecutionError
from lamagent.events import Event, TextDelta, ToolCallEvent, ToolResultEvent
from lamagent.messages import AssistantTurn, ToolCall
from lamagent.records import CallError, CallRecord
from lamagent.tools import Tool
from lamagent.tools.compose import step_tools
from lamagent.tools.execute import call_key, copy_arguments, execute_calls
from lamagent.tools.verify import unknown_tool_error
from lamagent.trajectory import Step
from lamagent.turns import ModelTurn

#: Receives the run's events (None when nobody listens, which skips building them).
Emit = Callable[[Event], Awaitable[None]] | None


@dataclass
class StepResult:
    """How a step ended: with an answer, or with observations for the next turn."""

    step: Step
    answer: str | None = None
    #: The typed answer, when the agent has an `output_type` and `answer` is set.
    output: Any = None
    #: True when the output could not be parsed or a call failed verification.
    failed: bool = False
    failure: str = ""
    #: True when the step's calls wait for a person's approval (the run pauses).
    paused: bool = False
    #: How many turns in a row (ending with this one) made exactly the same calls.
    repeats: int = 0


async def run_step(
    ctx: LoopContext, state: RunState, emit: Emit, limiter: anyio.CapacityLimiter
) -> StepResult:
    """Run one model turn and its tools; the step is left in `state.current` as it fills."""
    start = time.perf_counter()
    step = Step(step_id=state.next_step_id)
    state.current = step
    output_turn = is_output_turn(ctx, state)
    offered = await _offered_tools(ctx, state, step)
    model_turn = await _model_turn(ctx, state, step, emit, output_turn, offered)
    turn, generation = model_turn.turn, model_turn.generation
    rendered = start + model_turn.render_seconds
    generated = time.perf_counter()
    step.raw_output = generation.text
    step.usage = generation.usage
    step.copy_bias = generation.copy_bias
    step.cut_loop = generation.cut_loop
    if model_turn.mentioned:
        step.mentioned = {tool: list(names) for tool, names in model_turn.mentioned.items()}
    if model_turn.renamed:
        step.renamed = list(model_turn.renamed)
    if model_turn.listed:
        step.listed = model_turn.listed
    if model_turn.unasked:
        step.unasked = [call.to_xlam() for call in model_turn.unasked]
    if model_turn.reshaped:
        step.reshaped = list(model_turn.reshaped)
    step.thought = turn.thought
    state.usage = state.usage + generation.usage
    state.generate_s += generated - rendered

    typed_answer = output_turn and ctx.output is not None  # the output module adds its messages
    # a typed answer written as JSON straight away reads as malformed calls: take it as is
    early = (
        json_answer(ctx.output, state, step, generation.text)
        if turn.error is not None and not typed_answer
        else None
    )
    if typed_answer:
        assert ctx.output is not None
        typed = settle_output(ctx.output, state, step, generation.text)
        result = StepResult(step, typed.answer, typed.value, bool(typed.failure), typed.failure)
    elif early is not None:
        typed_answer = True
        result = StepResult(step, early.answer, early.value)
    elif turn.error is not None:
        result = _parse_failure(ctx, state, step, turn)
    elif turn.calls:
        result = await _calls(ctx, state, step, turn, emit, limiter, offered)
        state.called_tool = True
    else:
        answer = turn.answer if turn.answer is not None else generation.text.strip()
        if ctx.output is not None:
            typed_answer = True
            typed = text_answer(ctx.output, state, step, answer)
            result = StepResult(step, typed.answer, typed.value)
        else:
            step.answer = answer
            result = StepResult(step, answer=answer)
    if not result.paused and not typed_answer:
        result.repeats = repeats([*state.trajectory.steps, step], ctx.toolbox)
        if result.repeats >= ctx.repeats.nudge_after:
            step.nudge = nudge(step, result.repeats)
        # the conversation grows from the record, as a conversation continued later is rebuilt
        state.messages.extend(step_messages(step))

    done = time.perf_counter()
    executed = done - generated
    state.execute_s += executed
    step.timings = {
        "render": rendered - start,
        "generate": generated - rendered,
        "execute": executed,
        "total": done - start,
    }
    decision = getattr(model_turn, "gate", None)  # a call gate's draft and verdict
    if decision is not None:
        step.gate = decision.to_record()
        step.timings["draft"] = decision.draft_seconds
    return result


async def _offered_tools(ctx: LoopContext, state: RunState, step: Step) -> list[Tool] | None:
    """The tools this step may use when a prepared toolset decides (None: all of them)."""
    if not ctx.toolbox.toolsets:
        return None
    context, _ = run_context(
        state.deps, state.trajectory.unique_trajectory_id, step.step_id, state.usage, ctx.store
    )
    return await step_tools(ctx.tools, ctx.toolbox.toolsets, context)


async def _model_turn(
    ctx: LoopContext,
    state: RunState,
    step: Step,
    emit: Emit,
    output_turn: bool = False,
    offered: list[Tool] | None = None,
) -> ModelTurn:
    """Ask the turn source for the model's turn, streaming its text to `emit`."""

    def on_raw(piece: str) -> None:
        step.raw_output += piece  # kept current, so a run stopped mid-generation records it

    async def on_text(text: str) -> None:
        if emit is not None:
            await emit(TextDelta(text, step.step_id))

    request = ctx.request(state.messages, state.called_tool)
    if offered is not None:
        request = dataclasses.replace(request, tools=offered)
    if output_turn:
        request = output_request(ctx, request)
    listen = on_text if emit is not None else None
    return await turn_within_window(ctx, state, step, request, listen, on_raw)


def _parse_failure(
    ctx: LoopContext, state: RunState, step: Step, turn: AssistantTurn
) -> StepResult:
    """Unreadable output: the feedback the model reads is the step's observation."""
    assert turn.error is not None
    step.parse_error = turn.error.message
    feedback = ctx.parse_feedback(turn.error.message)
    step.observation = feedback
    return StepResult(step, failed=True, failure=f"unreadable output: {turn.error.message}")


async def _calls(
    ctx: LoopContext,
    state: RunState,
    step: Step,
    turn: AssistantTurn,
    emit: Emit,
    limiter: anyio.CapacityLimiter,
    offered: list[Tool] | None = None,
) -> StepResult:
    """Verify every call, run the valid ones, and observe all of them in call order.

    Each call gets one `CallRecord` in `step.calls`, appended as it is verified (so a step cut
    short keeps the calls it had) and completed with its result once the tools have run.
    """
    runnable: list[tuple[int, ToolCall, Tool]] = []
    for index, call in enumerate(turn.calls):
        record = CallRecord(
            index=index,
            call_id=call.id or f"call_{step.step_id}_{index}",
            call=copy_arguments(call.to_xlam()),
        )
        step.calls.append(record)
        checked = ctx.toolbox.verify(call)
        if offered is not None and not any(t.name == call.name for t in offered):
            checked = unknown_tool_error(call.name, [t.name for t in offered])  # not this step
        if isinstance(checked, CallError):
            record.error = checked
            record.result = {"error": checked.message}
        else:
            verified = checked.call
            if verified.id is None:  # the id a tool's RunContext names the call by
                verified = verified.model_copy(update={"id": record.call_id})
            # a copy: a tool that changes its arguments must not rewrite the record
            record.verified = copy_arguments(verified.to_xlam())
            record.repairs = list(checked.repairs)
            runnable.append((index, verified, ctx.toolbox[verified.name]))
        if emit is not None:
            await emit(ToolCallEvent(record.model_copy(), step.step_id))

    if needs_pause(ctx, runnable):  # deferred approval: nothing runs until a person decides
        mark_awaiting(step, runnable)
        return StepResult(step, paused=True)
    try:
        context, meter = run_context(
            state.deps, state.trajectory.unique_trajectory_id, step.step_id, state.usage, ctx.store
        )
        executions = await execute_calls(runnable, ctx.policy, limiter, context)
        state.usage = state.usage + meter.total  # agents called as tools report theirs
    except Exception as exc:
        raise ToolExecutionError(
            f"the tools of step {step.step_id} could not be run: {type(exc).__name__}: {exc}"
        ) from exc
    first_of: dict[str, int] = {}
    for index, call, _ in runnable:
        first_of.setdefault(call_key(call), index)
    for execution in executions:
        complete_call(step.calls[execution.index], execution, first_of)

    if emit is not None:
        for record in step.calls:
            await emit(ToolResultEvent(record.model_copy(), step.step_id))
    errors = step.call_errors
    if errors:
        summary = "; ".join(e.message for e in errors)
        return StepResult(step, failed=True, failure=f"invalid tool calls: {summary}")
    return StepResult(step)
