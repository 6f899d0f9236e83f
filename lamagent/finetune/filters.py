"""Quality filters for trajectories before training (xLAM paper, section 3.3).

Each filter looks at one trajectory and names what is wrong with it: either the whole run (a
failing or unfinished outcome, a judge's veto) or particular steps (a call to an unknown tool, an
unknown or missing argument, a type error that was not repaired, a tool that failed, output that
did not parse). `filter_trajectories` applies them in order and decides per trajectory: drop it,
trim it before its first bad step, or excise the bad steps (the later steps keep their place in
the conversation). A `FilterReport` counts, per filter, what it removed and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lamagent.trajectory.models import Trajectory

Mode = Literal["drop", "trim", "excise"]

#: Outcomes of runs that did not end: nothing after their last step is known.
UNFINISHED_OUTCOMES = frozenset({"running", "incomplete", "needs_approval"})
#: Outcomes of runs that ended without an answer.
FAILING_OUTCOMES = frozenset({"max_steps", "max_tokens", "timeout", "max_retries", "error", "loop"})


@dataclass(frozen=True)
class Issue:
    """One problem a filter found: in step `step` (an index into `steps`) or in the whole run."""

    reason: str
    step: int | None = None


Judge = Callable[[Trajectory], "bool | str | None"]
"""A semantic check: True/None keeps the trajectory; False or a reason string drops it."""


class TrajectoryFilter:
    """A named check; subclasses implement `issues`."""

    name: str = "filter"

    def issues(self, traj: Trajectory) -> list[Issue]:
        raise LookupError("TrajectoryFilter subclasses must implement issues()")  # pragma: no cover


def _tool_params(traj: Trajectory) -> dict[str, set[str] | None]:
    """Tool name -> its parameter names (None when the schema does not list them)."""
    out: dict[str, set[str] | None] = {}
    for spec in traj.tools:
        name = spec.get("name")
        if not isinstance(name, str):
            continue
        params = spec.get("parameters")
        props = params.get("properties") if isinstance(params, dict) else None
        out[name] = set(props) if isinstance(props, dict) else None
    return out


class UnknownCalls(TrajectoryFilter):
    """Calls to tools the run did not have, or with arguments the tool does not define.

    Checked against the trajectory's own tool specs (so imported data without recorded
    verification is covered) and against the call errors the runtime recorded.
    """

    name = "unknown_tool_or_argument"

    def issues(self, traj: Trajectory) -> list[Issue]:
        known = _tool_params(traj)
        found: list[Issue] = []
        for i, step in enumerate(traj.steps):
            reasons: list[str] = [
                e.kind for e in step.call_errors if e.kind in ("unknown_tool", "unknown_argument")
            ]
            for call in step.tool_calls:
                name = call.get("name")
                if not isinstance(name, str) or name not in known:
                    reasons.append("unknown_tool")
                    continue
                allowed = known[name]
                args = call.get("arguments")
                if not isinstance(args, dict):
                    reasons.append("arguments_not_object")
                elif allowed is not None and any(a not in allowed for a in args):
                    reasons.append("unknown_argument")
            if reasons:
                found.append(Issue(reasons[0], i))
        return found


class UnrepairedErrors(TrajectoryFilter):
    """Calls that failed verification (missing argument, wrong type) and were not repaired."""

    name = "unrepaired_call_error"

    def issues(self, traj: Trajectory) -> list[Issue]:
        return [
            Issue(errs[0], i)
            for i, step in enumerate(traj.steps)
            if (
                errs := [
                    e.kind for e in step.call_errors if e.kind in ("missing_argument", "wrong_type")
                ]
            )
        ]


class FailedExecutions(TrajectoryFilter):
    """Calls whose tool raised, timed out or was refused."""

    name = "failed_execution"

    def issues(self, traj: Trajectory) -> list[Issue]:
        return [
            Issue(f"tool_{errs[0]}", i)
            for i, step in enumerate(traj.steps)
            if (errs := [e.kind for e in step.tool_errors])
        ]


class ParseErrors(TrajectoryFilter):
    """Model output that could not be read as calls or an answer."""

    name = "parse_error"

    def issues(self, traj: Trajectory) -> list[Issue]:
        return [
            Issue("parse_error", i) for i, s in enumerate(traj.steps) if s.parse_error is not None
        ]


class BadOutcome(TrajectoryFilter):
    """Runs that never finished or ended without an answer."""

    name = "outcome"

    def issues(self, traj: Trajectory) -> list[Issue]:
        if traj.outcome in UNFINISHED_OUTCOMES:
            return [Issue(f"unfinished ({traj.outcome})")]
        if traj.outcome in FAILING_OUTCOMES:
            return [Issue(f"failed ({traj.outcome})")]
        if not traj.steps:
            return [Issue("no_steps")]
        return []


@dataclass
class JudgeFilter(TrajectoryFilter):
    """A caller-supplied semantic check (a rule, a judge model): it vetoes whole trajectories."""

    judge: Judge
    name: str = "judge"

    def issues(self, traj: Trajectory) -> list[Issue]:
        verdict = self.judge(traj)
        if verdict is True or verdict is None:
            return []
        return [Issue(verdict if isinstance(verdict, str) and verdict else "rejected")]


def default_filters(judge: Judge | None = None) -> list[TrajectoryFilter]:
    """The section-3.3 checks, cheapest first; a judge (if given) runs last, on survivors only."""
    filters: list[TrajectoryFilter] = [
        BadOutcome(),
        ParseErrors(),
        UnknownCalls(),
        UnrepairedErrors(),
        FailedExecutions(),
    ]
    if judge is not None:
        filters.append(JudgeFilter(judge))
    return filters


def bad_steps(traj: Trajectory) -> set[int]:
    """Indices of the steps any step-level default filter objects to."""
    return {
        issue.step
        for f in (ParseErrors(), UnknownCalls(), UnrepairedErrors(), FailedExecutions())
        for issue in f.issues(traj)
        if issue.step is not None
    }


@dataclass
class FilterCounts:
    """What one filter removed."""

    dropped: int = 0
    trimmed: int = 0
    steps_removed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class FilterReport:
    """Per filter: trajectories dropped or trimmed, steps removed, and the reasons, counted."""

    total: int = 0
    kept: int = 0
    steps_in: int = 0
    steps_out: int = 0
    by_filter: dict[str, FilterCounts] = field(default_factory=dict)

    def table(self) -> Table:
        """The report as a rich table."""
        table = Table(
            show_lines=False,
            title=f"Trajectory filters: kept {self.kept} of {self.total} "
            f"({self.steps_out} of {self.steps_in} steps)",
        )
        for col in ("filter", "dropped", "trimmed", "steps removed", "reasons"):
            table.add_column(col, justify="left" if col in ("filter", "reasons") else "right")
        for name, c in self.by_filter.items():
            reasons = escape(", ".join(f"{r}: {n}" for r, n in c.reasons.most_common()))
            table.add_row(name, str(c.dropped), str(c.trimmed), str(c.steps_removed), reasons)
        return table

    def print(self, console: Console | None = None) -> None:
        """Print the table (to stdout unless a console is given)."""
        (console or Console()).print(self.table())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (for run directories and logs)."""
        return {
            "total": self.total,
            "kept": self.kept,
            "steps_in": self.steps_in,
            "steps_out": self.steps_out,
            "by_filter": {
                n: {
                    "dropped": c.dropped,
                    "trimmed": c.trimmed,
                    "steps_removed": c.steps_removed,
                    "reasons": dict(c.reasons),
                }
                for n, c in self.by_filter.items()
            },
        }


def _apply(traj: Trajectory, issues: list[Issue], mode: Mode) -> Trajectory | None:
    """The trajectory after acting on `issues`, or None when it is dropped."""
    if not issues:
        return traj
    if any(i.step is None for i in issues) or mode == "drop":
        return None
    bad = sorted({i.step for i in issues if i.step is not None})
    if mode == "trim":
        keep = traj.steps[: bad[0]]
    else:
        keep = [s for k, s in enumerate(traj.steps) if k not in bad]
    if not keep:
        return None
    meta = {**traj.metadata, "filtered_steps": len(traj.steps) - len(keep)}
    return traj.model_copy(update={"steps": keep, "metadata": meta})


def filter_trajectories(
    trajectories: Iterable[Trajectory],
    filters: Sequence[TrajectoryFilter] | None = None,
    *,
    judge: Judge | None = None,
    mode: Mode = "trim",
) -> tuple[list[Trajectory], FilterReport]:
    """Apply `filters` (default: `default_filters(judge)`) and report what each removed.

    `mode` says what a step-level problem costs: "drop" the trajectory, "trim" it before the first
    bad step (the steps before it stay good samples), or "excise" the bad steps (a failed call and
    its error observation disappear, so a self-correction that follows reads as a direct answer).
    Whole-run problems (outcome, judge) always drop. Filters run in order; a step removed by an
    earlier filter is not counted again by a later one.
    """
    chosen = list(filters) if filters is not None else default_filters(judge)
    if filters is not None and judge is not None:
        chosen.append(JudgeFilter(judge))
    report = FilterReport(by_filter={f.name: FilterCounts() for f in chosen})
    kept: list[Trajectory] = []
    for traj in trajectories:
        report.total += 1
        report.steps_in += len(traj.steps)
        current: Trajectory | None = traj
        for f in chosen:
            assert current is not None
            issues = f.issues(current)
            if not issues:
                continue
            counts = report.by_filter[f.name]
            counts.reasons.update(i.reason for i in issues)
            after = _apply(current, issues, mode)
            if after is None:
                counts.dropped += 1
                counts.steps_removed += len(current.steps)
            else:
                counts.trimmed += 1
                counts.steps_removed += len(current.steps) - len(after.steps)
            current = after
            if current is None:
                break
        if current is not None:
            kept.append(current)
            report.kept += 1
            report.steps_out += len(current.steps)
    return kept, report
