"""A whole run: steps until an answer or a limit, each step recorded as soon as it ends.

The trajectory is never lost. Every finished step goes to the store before the next begins; a
step cut short (wall-time limit, a backend error, cancellation) is recorded with what it has;
and the outcome is written in a `finally`, so even a cancelled run says how it ended.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent._loop.step import Emit, run_step
from lamagent.events import StepFinished
from lamagent.messages import Usage
from lamagent.trajectory import Outcome, Step


@dataclass(frozen=True)
class RunEnd:
    """Why a run stopped, with the answer (outcome "answer") or the reason (any other)."""

    outcome: Outcome
    answer: str | None = None
    error: str | None = None


def start_recording(ctx: LoopContext, state: RunState) -> None:
    """Register the run's trajectory with the store (once per trajectory)."""
    if ctx.store is not None:
        ctx.store.start(state.trajectory)


def record_step(ctx: LoopContext, state: RunState, step: Step) -> None:
    """Append a step to the trajectory and, durably, to the store."""
    state.current = None
    state.trajectory.steps.append(step)
    if ctx.store is not None:
        ctx.store.add_step(state.trajectory.unique_trajectory_id, step)


async def drive(ctx: LoopContext, state: RunState, emit: Emit) -> RunEnd:
    """Run steps from `state` until an answer or a limit, then write the outcome."""
    state.usage = Usage()
    state.generate_s = state.execute_s = 0.0
    state.steps_this_run = 0
    state.called_tool = False
    state.consecutive_failures = 0
    started = time.perf_counter()
    end = RunEnd("error", error="the run ended unexpectedly")
    try:
        with anyio.move_on_after(ctx.limits.max_wall_time) as scope:
            end = await _steps(ctx, state, emit)
        if scope.cancelled_caught:
            end = RunEnd(
                "timeout",
                error=f"the run took longer than max_wall_time={ctx.limits.max_wall_time} s",
            )
    except Exception as exc:
        end = RunEnd("error", error=f"{type(exc).__name__}: {exc}")
    except BaseException:
        end = RunEnd("incomplete", error="the run was cancelled before it finished")
        raise
    finally:
        _record_partial_step(ctx, state, started)
        _finish(ctx, state, end)
    return end


async def _steps(ctx: LoopContext, state: RunState, emit: Emit) -> RunEnd:
    limits = ctx.limits
    limiter = anyio.CapacityLimiter(ctx.max_concurrency)
    while True:
        if state.steps_this_run >= limits.max_steps:
            return RunEnd("max_steps", error=f"no answer after max_steps={limits.max_steps} steps")
        result = await run_step(ctx, state, emit, limiter)
        state.steps_this_run += 1
        record_step(ctx, state, result.step)
        if emit is not None:
            await emit(StepFinished(result.step))
        if result.answer is not None:
            return RunEnd("answer", answer=result.answer)
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


def _record_partial_step(ctx: LoopContext, state: RunState, started: float) -> None:
    step = state.current
    if step is None:
        return
    step.timings.setdefault("total", time.perf_counter() - started)
    record_step(ctx, state, step)


def _finish(ctx: LoopContext, state: RunState, end: RunEnd) -> None:
    traj = state.trajectory
    traj.outcome = end.outcome
    traj.answer = end.answer
    traj.error = end.error
    traj.usage = traj.step_usage
    traj.finished_at = time.time()
    if ctx.store is not None:
        ctx.store.finish(
            traj.unique_trajectory_id,
            outcome=end.outcome,
            answer=end.answer,
            error=end.error,
            usage=traj.usage,
        )
