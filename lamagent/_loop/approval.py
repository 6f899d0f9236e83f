"""Deferred approval: a run pauses on calls that need a person's approval, and resumes later.

With `approval="defer"` (in the `ExecutionPolicy`), a turn that calls a tool marked
`requires_approval` runs none of its calls: the step is recorded with its verified calls
without results, and the run ends with outcome "needs_approval". `Agent.resume(run_id,
decisions)` (in this process or another) applies one `Decision` per waiting call: approved
calls run, edited ones are verified again with their new arguments and run, denied ones give
the model the reason. Each decision is recorded in the step's `approvals`.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
from pydantic import BaseModel, Field

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent.context import run_context
from lamagent.errors import ToolExecutionError, UsageError
from lamagent.messages import ToolCall
from lamagent.records import CallError, CallRecord, ToolError
from lamagent.tools import Tool
from lamagent.tools.execute import Execution, call_key, execute_calls
from lamagent.trajectory.models import Approval, ApprovalDecision, Step, Trajectory


class Decision(BaseModel):
    """A person's decision about one call waiting for approval, named by its `call_id`.

    Use the constructors: `Decision.approve(call_id)`, `Decision.deny(call_id, reason)` (the
    model reads the reason), `Decision.edit(call_id, arguments)` (the call runs with these
    arguments, verified again first). `by` says who decided (recorded with the decision).
    """

    call_id: str
    decision: ApprovalDecision
    reason: str | None = None
    arguments: dict[str, Any] | None = None
    by: str | None = None
    at: float = Field(default_factory=time.time)

    @classmethod
    def approve(cls, call_id: str, *, by: str | None = None) -> Decision:
        return cls(call_id=call_id, decision="approved", by=by)

    @classmethod
    def deny(cls, call_id: str, reason: str = "", *, by: str | None = None) -> Decision:
        return cls(call_id=call_id, decision="denied", reason=reason or None, by=by)

    @classmethod
    def edit(cls, call_id: str, arguments: Mapping[str, Any], *, by: str | None = None) -> Decision:
        return cls(call_id=call_id, decision="edited", arguments=dict(arguments), by=by)


Decisions = Mapping[str, Decision | bool] | Iterable[Decision]
"""Decisions by call id (`True` approves, `False` denies), or a list of `Decision`s."""


def needs_pause(ctx: LoopContext, runnable: Iterable[tuple[int, ToolCall, Tool]]) -> bool:
    """True when approval is deferred and one of these calls needs it."""
    return ctx.policy.approval == "defer" and any(
        getattr(tool, "requires_approval", False) for _, _, tool in runnable
    )


def normalise(decisions: Decisions) -> dict[str, Decision]:
    """Decisions by call id; `True`/`False` become approve/deny."""
    if isinstance(decisions, Mapping):
        out: dict[str, Decision] = {}
        for call_id, value in decisions.items():
            if isinstance(value, Decision):
                out[call_id] = value.model_copy(update={"call_id": call_id})
            elif value is True or value is False:
                out[call_id] = Decision(call_id=call_id, decision="approved" if value else "denied")
            else:
                raise UsageError(
                    f"the decision for {call_id!r} must be a Decision, True or False, "
                    f"not {type(value).__name__}"
                )
        return out
    return {d.call_id: d for d in decisions}


def check_decisions(trajectory: Trajectory, decisions: dict[str, Decision]) -> list[CallRecord]:
    """The waiting calls; raises `UsageError` unless each has exactly one decision."""
    if trajectory.outcome != "needs_approval":
        raise UsageError(
            f"run {trajectory.id!r} is not waiting for approval (its outcome is "
            f"{trajectory.outcome!r})"
        )
    pending = trajectory.pending_calls
    ids = {r.call_id for r in pending}
    unknown = sorted(set(decisions) - ids)
    missing = sorted(ids - set(decisions))
    if unknown or missing:
        raise UsageError(
            f"run {trajectory.id!r} waits for decisions about calls {sorted(ids)}; "
            + (f"unknown: {unknown}; " if unknown else "")
            + (f"missing: {missing}" if missing else "")
        )
    return pending


async def settle_pending(
    ctx: LoopContext,
    state: RunState,
    step: Step,
    decisions: dict[str, Decision],
    by: str | None,
    limiter: anyio.CapacityLimiter,
) -> None:
    """Apply the decisions to the step's waiting calls, run what may run, fill the records."""
    runnable: list[tuple[int, ToolCall, Tool]] = []
    for record in step.calls:
        if record.verified is None or record.settled:
            continue
        call = ToolCall.from_dict({**record.verified, "id": record.call_id})
        if call.name not in ctx.toolbox:
            raise UsageError(
                f"the paused call {record.call_id!r} is of tool {call.name!r}, which this "
                f"agent does not have (tools: {', '.join(ctx.toolbox.names)})"
            )
        tool = ctx.toolbox[call.name]
        if record.call_id in step.awaiting_approval:
            decision = decisions[record.call_id]
            step.approvals.append(
                Approval(
                    call_id=record.call_id,
                    tool=call.name,
                    decision=decision.decision,
                    reason=decision.reason,
                    arguments=decision.arguments,
                    by=decision.by or by,
                    at=decision.at,
                )
            )
            if decision.decision == "denied":
                message = f"the user refused to run tool {call.name!r}" + (
                    f": {decision.reason}" if decision.reason else ""
                )
                record.error = ToolError(kind="refused", tool=call.name, message=message)
                record.result = {"error": message}
                continue
            if decision.decision == "edited":
                edited = ToolCall(
                    name=call.name, arguments=dict(decision.arguments or {}), id=record.call_id
                )
                checked = ctx.toolbox.verify(edited)
                if isinstance(checked, CallError):
                    record.error = checked
                    record.result = {"error": checked.message}
                    continue
                call = checked.call
                record.verified = copy.deepcopy(call.to_xlam())
                record.repairs = [*record.repairs, *checked.repairs]
        runnable.append((record.index, call, tool))

    policy = dataclasses.replace(ctx.policy, approval=_approved)
    try:
        context, meter = run_context(
            state.deps, state.trajectory.unique_trajectory_id, step.step_id, state.usage, ctx.store
        )
        executions = await execute_calls(runnable, policy, limiter, context)
        state.usage = state.usage + meter.total
    except Exception as exc:
        raise ToolExecutionError(
            f"the approved tools of step {step.step_id} could not be run: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    first_of: dict[str, int] = {}
    for index, call, _ in runnable:
        first_of.setdefault(call_key(call), index)
    for execution in executions:
        complete_call(step.calls[execution.index], execution, first_of)


def complete_call(record: CallRecord, execution: Execution, first_of: dict[str, int]) -> None:
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


def _approved(call: ToolCall, tool: Tool) -> bool:
    """The calls that reach execution on resume were decided already."""
    return True


def mark_awaiting(step: Step, runnable: Iterable[tuple[int, ToolCall, Tool]]) -> None:
    """Record which of the paused step's calls wait for approval."""
    step.awaiting_approval = [
        step.calls[index].call_id
        for index, _, tool in runnable
        if getattr(tool, "requires_approval", False)
    ]


def pending_summary(step: Step) -> str:
    """Why a run paused, for `RunResult.error`."""
    waiting = [f"{r.name} ({r.call_id})" for r in step.calls if r.call_id in step.awaiting_approval]
    return (
        f"{len(waiting)} call(s) wait for approval: {', '.join(waiting)}; "
        "continue with agent.resume(run_id, decisions)"
    )


__all__ = [
    "Decision",
    "Decisions",
    "check_decisions",
    "complete_call",
    "mark_awaiting",
    "needs_pause",
    "normalise",
    "pending_summary",
    "settle_pending",
]
