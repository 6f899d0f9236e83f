"""A whole run: steps until an answer or a limit, each step recorded as soon as it ends.

The trajectory is never lost. The run's `Recorder` stores every finished step before the next
begins; a step cut short (wall-time limit, a backend error, cancellation) is recorded with what
it has; and the outcome is written once, in a `finally`, so even a cancelled run says how it
ended.

Error policy: a model or backend failure (`BackendError`) and a failure to run the tools
(`ToolExecutionError`) end the run with outcome "error" and a message. Anything else is a bug
(in a Format, a tool wrapper, lamagent itself): it propagates with its traceback, after the
outcome ("error") is written. Cancellation propagates too, recorded as "incomplete".
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

import anyio

from lamagent._loop.approval import pending_summary
from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent._loop.step import Emit, run_step
from lamagent.errors import BackendError, ToolExecutionError, TrajectoryError
from lamagent.events import StepFinished
from lamagent.messages import Usage
from lamagent.trajectory import Outcome, Recorder

#: Failures that end a run with outcome "error" instead of propagating.
RUN_FAILURES: tuple[type[Exception], ...] = (BackendError, ToolExecutionError)


@dataclass(frozen=True)
class RunEnd:
    """Why a run stopped, with the answer (outcome "answer") or the reason (any other)."""

    outcome: Outcome
    answer: str | None = None
    error: str | None = None
    #: The typed answer (`Agent(output_type=...)`), when the outcome is "answer".
    output: Any = None


def start_recording(ctx: LoopContext, state: RunState) -> Recorder:
    """Give the run its `Recorder` and register the trajectory with the store (once)."""
    if state.recorder is None:
        state.recorder = Recorder(state.trajectory, ctx.store)
    if not state.recorder.started:
        state.recorder.start()
    return state.recorder


async def drive(ctx: LoopContext, state: RunState, emit: Emit) -> RunEnd:
    """Run steps from `state` until an answer or a limit, then write the outcome."""
    recorder = start_recording(ctx, state)
    state.usage = Usage()
    state.generate_s = state.execute_s = 0.0
    state.steps_this_run = 0
    state.called_tool = False
    state.consecutive_failures = 0
    started = time.perf_counter()
    end = RunEnd("incomplete", error="the run stopped before it finished")
    try:
        with anyio.move_on_after(ctx.limits.max_wall_time) as scope:
            end = await _steps(ctx, state, emit, recorder)
        if scope.cancelled_caught:
            end = RunEnd(
                "timeout",
                error=f"the run took longer than max_wall_time={ctx.limits.max_wall_time} s",
            )
    except RUN_FAILURES as exc:
        end = RunEnd("error", error=f"{type(exc).__name__}: {exc}")
    except TrajectoryError as exc:  # the store failed: never silent
        end = RunEnd("error", error=f"the trajectory could not be recorded: {exc}")
        raise
    except Exception as exc:
        end = RunEnd("error", error=f"{type(exc).__name__}: {exc} (a bug: see the traceback)")
        raise
    except BaseException:
        end = RunEnd("incomplete", error="the run was cancelled before it finished")
        raise
    finally:
        _close(recorder, state, started, end, sys.exc_info()[1])
    return end


async def _steps(ctx: LoopContext, state: RunState, emit: Emit, recorder: Recorder) -> RunEnd:
    limits = ctx.limits
    limiter = anyio.CapacityLimiter(ctx.max_concurrency)
    while True:
        if state.steps_this_run >= limits.max_steps:
            return RunEnd("max_steps", error=f"no answer after max_steps={limits.max_steps} steps")
        if await ctx.toolbox.refresh():  # a toolset (an MCP server) announced new tools
            ctx.sync_tools()
        result = await run_step(ctx, state, emit, limiter)
        state.steps_this_run += 1
        state.current = None
        recorder.add_step(result.step)
        if emit is not None:
            await emit(StepFinished(result.step))
        if result.answer is not None:
            return RunEnd("answer", answer=result.answer, output=result.output)
        if result.paused:
            return RunEnd("needs_approval", error=pending_summary(result.step))
        if result.repeats >= ctx.repeats.stop_after:
            return RunEnd(
                "loop",
                error=(
                    f"the model made the same calls with the same arguments {result.repeats} "
                    f"turns in a row (stop_after={ctx.repeats.stop_after})"
                ),
            )
        if result.failed:
            state.consecutive_failures += 1
            if state.consecutive_failures >= limits.max_retries:
                return RunEnd(
                    "max_retries",
                    error=(
                        f"the model's output failed {state.consecutive_failures} turns in a "
                        f"row (max_retries={limits.max_retries}); last: {result.failure}"
                    ),
                )
        else:
            state.consecutive_failures = 0
        budget = limits.max_total_tokens
        if budget is not None and state.usage.total_tokens >= budget:
            return RunEnd(
                "max_tokens",
                error=f"the run used {state.usage.total_tokens} tokens (max_total_tokens={budget})",
            )


def _close(
    recorder: Recorder,
    state: RunState,
    started: float,
    end: RunEnd,
    propagating: BaseException | None,
) -> None:
    """Record the step in progress, then the outcome (each once).

    When an exception is already on its way out, a store failure here is attached to it as a
    note instead of replacing it.
    """
    step, state.current = state.current, None
    try:
        try:
            if step is not None:
                recorder.add_partial_step(step, time.perf_counter() - started)
        finally:
            recorder.finish(end.outcome, answer=end.answer, error=end.error)
    except TrajectoryError as exc:
        if propagating is None:
            raise
        propagating.add_note(f"the trajectory could not be recorded: {exc}")
