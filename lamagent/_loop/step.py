"""One step of the loop: render, generate (streaming), parse, verify, execute, observe.

Whatever the model writes becomes data: an answer, calls with their results, verification
errors, or a parse error, each appended to the conversation as something the model will read
on its next turn, and each filled into the step's trajectory record.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent.backends.base import Generation
from lamagent.errors import BackendError
from lamagent.events import Event, TextDelta, ToolCallEvent, ToolResultEvent
from lamagent.formats.base import TextDelta as FormatTextDelta
from lamagent.messages import AssistantTurn, Message, ToolCall
from lamagent.tools import CallError, Tool
from lamagent.tools.execute import execute_calls
from lamagent.trajectory import Step, ToolErrorRecord

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
    if ctx.backend.takes_messages:
        rendered = time.perf_counter()
        turn, generation = await _chat(ctx, state, step)
    else:
        prompt = ctx.format.render(state.messages, ctx.tools)
        rendered = time.perf_counter()
        turn, generation = await _generate(ctx, state, step, prompt, emit)
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


async def _generate(
    ctx: LoopContext, state: RunState, step: Step, prompt: str, emit: Emit
) -> tuple[AssistantTurn, Generation]:
    """Stream one generation through the format's parser, emitting text as it comes."""
    parser = ctx.format.stream_parser()
    pieces: list[str] = []
    final: Generation | None = None
    params, _ = ctx.settings(state.called_tool)
    async for item in ctx.backend.astream(prompt, params):
        if isinstance(item, Generation):
            final = item
            continue
        pieces.append(item)
        step.raw_output += item  # kept current, so a run stopped mid-generation records it
        events = parser.feed(item)
        if emit is not None:
            for event in events:
                if isinstance(event, FormatTextDelta) and event.text:
                    await emit(TextDelta(event.text, step.step_id))
    flush = getattr(parser, "flush", None)  # text a parser held back until the end
    if emit is not None and callable(flush):
        for event in flush():
            if isinstance(event, FormatTextDelta) and event.text:
                await emit(TextDelta(event.text, step.step_id))
    if final is None:
        raise BackendError(f"{type(ctx.backend).__name__}.astream ended without a Generation")
    if "".join(pieces) == final.text:
        return parser.finish(), final
    return ctx.format.parse(final.text), final


async def _chat(ctx: LoopContext, state: RunState, step: Step) -> tuple[AssistantTurn, Generation]:
    """One turn through a backend that applies the model's own template (a server's chat API).

    The server's tool parser gives the calls; a reply without calls is still read by the
    Format's tolerant parser, so a server without a tool parser does not turn calls into prose.
    """
    params, tool_choice = ctx.settings(state.called_tool)
    message, generation = await ctx.backend.achat(
        state.messages, ctx.tool_specs, params, tool_choice=tool_choice
    )
    step.raw_output = generation.text
    if message.tool_calls:
        thought = message.content if isinstance(message.content, str) else ""
        return AssistantTurn(
            thought=thought, calls=message.tool_calls, raw=generation.text
        ), generation
    return ctx.format.parse(message.content or ""), generation


def _parse_failure(
    ctx: LoopContext, state: RunState, step: Step, turn: AssistantTurn
) -> StepResult:
    assert turn.error is not None
    step.parse_error = turn.error.message
    feedback = ctx.parse_feedback(turn.error.message)
    step.next_observation = feedback
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
    """Verify every call, run the valid ones, and observe all of them in call order."""
    observations: list[Any] = [None] * len(turn.calls)
    runnable: list[tuple[int, ToolCall, Tool]] = []
    errors: list[CallError] = []
    for index, call in enumerate(turn.calls):
        checked = ctx.toolbox.verify(call)
        if isinstance(checked, CallError):
            errors.append(checked)
            step.tool_calls.append(call.to_xlam())
            observations[index] = {"error": checked.message}
            if emit is not None:
                await emit(ToolCallEvent(call, index, step.step_id, error=checked))
            continue
        verified = checked.call
        step.repairs.extend(checked.repairs)
        step.tool_calls.append(verified.to_xlam())
        runnable.append((index, verified, ctx.toolbox[verified.name]))
        if emit is not None:
            await emit(ToolCallEvent(verified, index, step.step_id))
    step.call_errors = errors

    kinds: dict[int, str] = {i: "invalid" for i in range(len(turn.calls))}
    for execution in await execute_calls(runnable, ctx.policy, limiter):
        observations[execution.index] = execution.result
        kinds.pop(execution.index)
        if execution.error_kind is not None:
            kinds[execution.index] = execution.error_kind
            step.tool_errors.append(
                ToolErrorRecord(
                    index=execution.index,
                    tool=execution.call.name,
                    kind=execution.error_kind,
                    message=execution.error or "",
                )
            )
    step.next_observation = observations

    state.messages.append(turn.to_message())
    for call, observation in zip(turn.calls, observations, strict=True):
        state.messages.append(Message.tool(observation, tool_call_id=call.id, name=call.name))
    if emit is not None:
        for index, call in enumerate(turn.calls):
            await emit(
                ToolResultEvent(call, index, step.step_id, observations[index], kinds.get(index))
            )
    if errors:
        summary = "; ".join(e.message for e in errors)
        return StepResult(step, failed=True, failure=f"invalid tool calls: {summary}")
    return StepResult(step)
