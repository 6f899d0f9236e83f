"""Agents as tools: `agent.as_tool(name, description)` lets one agent call another.

The tool takes a `query` (what the calling model asks) and runs the agent on it. The inner run
is a run of its own, with its own trajectory, linked to the call that started it:

- its trajectory's `metadata["parent"]` is `{"trajectory_id", "step_id", "call_id", "tool"}` of
  the calling run, so a store (and the unified JSONL export) can tell which step and which call
  it served; it is recorded in the inner agent's store, or the caller's when it has none;
- its wall time fits in the call's: `max_wall_time` becomes at most what is left of the tool
  timeout (and of the caller's own wall-time limit), less a small margin, so the inner run ends
  with outcome "timeout" and a result instead of being cut off;
- its usage rolls up: the caller's `RunResult.usage` (and its `max_total_tokens` budget) counts
  the inner run's tokens; each trajectory keeps only its own model turns' usage;
- the caller's `deps` pass on to the inner run unless `forward_deps=False`.

The observation is the inner answer (the typed value when the inner agent has an
`output_type`); an inner run that ends without an answer is the call's error.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any

from lamagent.context import RunContext
from lamagent.errors import AgentToolError
from lamagent.settings import Limits
from lamagent.tools.tool import Tool

if TYPE_CHECKING:
    from lamagent._loop.context import LoopContext
    from lamagent._loop.state import RunState
    from lamagent.agent import Agent

__all__ = ["AgentToolError", "agent_tool"]

#: Seconds the inner run leaves to the caller at most (to return its result in time).
_MAX_MARGIN = 0.5
#: Share of the remaining time kept as margin when that is less.
_MARGIN_SHARE = 0.1


def agent_tool(
    agent: Agent,
    name: str,
    description: str,
    *,
    timeout: float | None = None,
    forward_deps: bool = True,
) -> Tool:
    """A Tool that runs `agent` on the caller's `query` (see the module docstring).

    `timeout` is the call's timeout (None: the caller's `ExecutionPolicy.timeout`).
    """

    async def ask(
        query: Annotated[str, "What to ask, in plain words, with everything needed."],
        ctx: RunContext[Any],
    ) -> Any:
        def link(loop: LoopContext, state: RunState) -> LoopContext:
            state.trajectory.metadata["parent"] = {
                "trajectory_id": ctx.run_id,
                "step_id": ctx.step,
                "call_id": ctx.call_id,
                "tool": ctx.tool_name,
            }
            changes: dict[str, Any] = {}
            if loop.store is None and ctx.store is not None:
                changes["store"] = ctx.store
            wall = _wall_time(loop.limits.max_wall_time, ctx.remaining)
            if wall != loop.limits.max_wall_time:
                changes["limits"] = Limits.model_validate(
                    {**loop.limits.model_dump(), "max_wall_time": wall}
                )
            return dataclasses.replace(loop, **changes) if changes else loop

        result = await agent._arun(query, None, None, ctx.deps if forward_deps else None, link)
        ctx.add_usage(result.usage)
        if not result.ok:
            raise AgentToolError(
                f"agent {name!r} stopped without an answer ({result.outcome}: {result.error}); "
                f"its trajectory is {result.trajectory.unique_trajectory_id}"
            )
        return result.output if result.output is not None else result.answer

    # On the caller's event loop: the inner run is async itself, and a timeout cancels it
    # cleanly (its trajectory is then recorded as incomplete).
    return Tool.from_function(
        ask, name=name, description=description, timeout=timeout, isolation="loop"
    )


def _wall_time(own: float | None, remaining: float | None) -> float | None:
    """The inner run's wall-time limit: its own, within what is left of the call."""
    if remaining is None:
        return own
    margin = min(_MAX_MARGIN, remaining * _MARGIN_SHARE)
    budget = max(remaining - margin, 1e-3)
    return budget if own is None else min(own, budget)
