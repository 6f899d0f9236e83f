"""One step of the loop: render, generate (streaming), parse, verify, execute, observe.

Whatever the model writes becomes data: an answer, calls with their results, verification
errors, or a parse error, each appended to the conversation as something the model will read
on its next turn, and each filled into the step's trajectory record.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent.errors import ToolExecutionError
from lamagent.events import Event, TextDelta, ToolCallEvent, ToolResultEvent
from lamagent.messages import AssistantTurn, Message, ToolCall
from lamagent.records import CallError, CallRecord, ToolError
from lamagent.tools import Tool
from lamagent.tools.execute import Execution, call_key, execute_calls
from lamagent.trajectory import Step
from lamagent.turns import ModelTurn

#: Receives the run's events (None when nobody listens, which skips building them).
Emit = Callable[[Event], Awaitable[None]] | None


@dataclass
class StepResult:
    """How a step ended: with an answer, or with observations for the next turn."""

    step: Step
    answer: str | None = None
    #: True when the output could not be parsed or a call failed verification.
    failed: bool = False
    failure: str = ""


async def run_step(
    ctx: LoopContext, state: RunState, emit: Emit, limiter: anyio.CapacityLimiter
) -> StepResult:
    """Run one model turn and its tools; the step is left in `state.current` as it fills."""
    start = time.perf_counter()
    step = Step(step_id=state.next_step_id)
    state.current = step
    model_turn = await _model_turn(ctx, state, step, emit)
    turn, generation = model_turn.turn, model_turn.generation
    rendered = start + model_turn.render_seconds
    generated = time.perf_counter()
    step.raw_output = generation.text
    step.usage = generation.usage
    step.thought = turn.thought
    state.usage = state.usage + generation.usage
    state.generate_s += generated - rendered

    if turn.error is not None:
        result = _parse_failure(ctx, state, step, turn)
    elif turn.calls:
        result = await _calls(ctx, state, step, turn, emit, limiter)
        state.called_tool = True
    else:
        answer = turn.answer if turn.answer is not None else generation.text.strip()
        step.answer = answer
        state.messages.append(Message.assistant(answer))
        result = StepResult(step, answer=answer)

    done = time.perf_counter()
    executed = done - generated
    state.execute_s += executed
    step.timings = {
        "render": rendered - start,
        "generate": generated - rendered,
        "execute": executed,
        "total": done - start,
    }
    return result


async def _model_turn(ctx: LoopContext, state: RunState, step: Step, emit: Emit) -> ModelTurn:
    """Ask the turn source for the model's turn, streaming its text to `emit`."""

    def on_raw(piece: str) -> None:
        step.raw_output += piece  # kept current, so a run stopped mid-generation records it

    async def on_text(text: str) -> None:
        if emit is not None:
            await emit(TextDelta(text, step.step_id))

    request = ctx.request(state.messages, state.called_tool)
    return await ctx.turns.next_turn(
        request, on_text=on_text if emit is not None else None, on_raw=on_raw
    )


def _parse_failure(
    ctx: LoopContext, state: RunState, step: Step, turn: AssistantTurn
) -> StepResult:
    """Unreadable output: the feedback the model reads is the step's observation."""
    assert turn.error is not None
    step.parse_error = turn.error.message
    feedback = ctx.parse_feedback(turn.error.message)
    step.observation = feedback
    state.messages.append(Message.assistant(turn.raw or step.raw_output))
    state.messages.append(Message.user(feedback))
    return StepResult(step, failed=True, failure=f"unreadable output: {turn.error.message}")


async def _calls(
    ctx: LoopContext,
    state: RunState,
    step: Step,
    turn: AssistantTurn,
    emit: Emit,
    limiter: anyio.CapacityLimiter,
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
            call=copy.deepcopy(call.to_xlam()),
        )
        step.calls.append(record)
        checked = ctx.toolbox.verify(call)
        if isinstance(checked, CallError):
            record.error = checked
            record.result = {"error": checked.message}
        else:
            verified = checked.call
            # a copy: a tool that changes its arguments must not rewrite the record
            record.verified = copy.deepcopy(verified.to_xlam())
            record.repairs = list(checked.repairs)
            runnable.append((index, verified, ctx.toolbox[verified.name]))
        if emit is not None:
            await emit(ToolCallEvent(record.model_copy(), step.step_id))

    try:
        executions = await execute_calls(runnable, ctx.policy, limiter)
    except Exception as exc:
        raise ToolExecutionError(
            f"the tools of step {step.step_id} could not be run: {type(exc).__name__}: {exc}"
        ) from exc
    first_of: dict[str, int] = {}
    for index, call, _ in runnable:
        first_of.setdefault(call_key(call), index)
    for execution in executions:
        _complete(step.calls[execution.index], execution, first_of)

    state.messages.append(turn.to_message())
    for call, record in zip(turn.calls, step.calls, strict=True):
        state.messages.append(Message.tool(record.result, tool_call_id=call.id, name=call.name))
    if emit is not None:
        for record in step.calls:
            await emit(ToolResultEvent(record.model_copy(), step.step_id))
    errors = step.call_errors
    if errors:
        summary = "; ".join(e.message for e in errors)
        return StepResult(step, failed=True, failure=f"invalid tool calls: {summary}")
    return StepResult(step)


def _complete(record: CallRecord, execution: Execution, first_of: dict[str, int]) -> None:
    """Fill a call's record from its execution; a duplicate points at the call it repeats."""
    record.result = execution.result
    if execution.error_kind == "duplicate":
        record.duplicate_of = first_of.get(call_key(execution.call))
        return
    record.seconds = execution.seconds
    if execution.error_kind is not None:
        record.error = ToolError(
            kind=execution.error_kind, tool=execution.call.name, message=execution.error or ""
        )
