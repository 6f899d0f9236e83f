"""The `TrajectoryStore` protocol: what the recorder writes to and what readers read back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from lamagent.errors import TrajectoryError
from lamagent.messages import Usage
from lamagent.trajectory.models import OUTCOMES, Outcome, Step, Trajectory

TimePoint = float | datetime
"""A point in time for queries: seconds since the epoch, or a datetime."""


@runtime_checkable
class TrajectoryStore(Protocol):
    """What the agent loop needs from a store, and what the CLI and fine-tuning read back."""

    def start(self, trajectory: Trajectory) -> None:
        """Record a new run (its header and any steps it already has).

        Raises `TrajectoryError` if a trajectory with that id is already stored.
        """
        ...

    def add_step(self, trajectory_id: str, step: Step) -> None:
        """Append one finished step, durably, before returning."""
        ...

    def update_step(self, trajectory_id: str, step: Step) -> None:
        """Replace the stored step with the same `step_id` (e.g. to add a user's follow-up)."""
        ...

    def finish(
        self,
        trajectory_id: str,
        *,
        outcome: Outcome,
        answer: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        """Mark a run as ended (`usage` defaults to the sum of its steps' usage)."""
        ...

    def get(self, trajectory_id: str) -> Trajectory | None:
        """The stored trajectory with all its steps, or None."""
        ...

    def query(
        self,
        outcome: str | None = None,
        tool: str | None = None,
        error_kind: str | None = None,
        since: TimePoint | None = None,
        until: TimePoint | None = None,
        limit: int | None = None,
    ) -> list[Trajectory]:
        """Trajectories matching every given filter, newest first.

        `tool`: called at least once; `error_kind`: a call error kind, a tool error kind or
        `parse_error` in any step; `since`/`until`: bounds on `created_at` (inclusive).
        """
        ...

    def __iter__(self) -> Iterator[Trajectory]:
        """Every stored trajectory, newest first."""
        ...

    def __len__(self) -> int:
        """How many trajectories are stored."""
        ...

    def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""
        ...


@runtime_checkable
class SessionLeases(Protocol):
    """A store that can lend one writer at a time the right to continue a session or a run.

    A lease is named (the session's or run's id) and held by an `owner` (a process and an
    object in it, see `lamagent.trajectory.store.liveness.lease_owner`). It is released when
    the turn ends; a lease whose owning process died is taken over.
    """

    def acquire_lease(self, name: str, owner: str) -> None:
        """Take the lease, or raise `SessionBusyError` when a live owner holds it."""
        ...

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back (nothing happens if `owner` does not hold it)."""
        ...

    def reopen(self, trajectory_id: str) -> None:
        """Mark a finished run `running` again, written by this process (it continues)."""
        ...


def to_timestamp(value: TimePoint | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def check_outcome(outcome: str | None) -> None:
    if outcome is not None and outcome not in OUTCOMES:
        raise TrajectoryError(f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}")


@dataclass(frozen=True)
class TrajectoryFilter:
    """The filters of `TrajectoryStore.query`, checked and normalised once (times as epoch
    seconds); `matches` is the rule every store applies to a trajectory."""

    outcome: str | None = None
    tool: str | None = None
    error_kind: str | None = None
    since: float | None = None
    until: float | None = None

    @classmethod
    def of(
        cls,
        outcome: str | None = None,
        tool: str | None = None,
        error_kind: str | None = None,
        since: TimePoint | None = None,
        until: TimePoint | None = None,
    ) -> TrajectoryFilter:
        check_outcome(outcome)
        return cls(outcome, tool, error_kind, to_timestamp(since), to_timestamp(until))

    def matches_steps(self, trajectory: Trajectory) -> bool:
        """The filters on what the steps hold (a tool called, an error kind)."""
        return (self.tool is None or self.tool in trajectory.tools_called) and (
            self.error_kind is None or self.error_kind in trajectory.error_kinds
        )

    def matches(self, trajectory: Trajectory) -> bool:
        """Every filter (the outcome compared as stored)."""
        return (
            (self.outcome is None or trajectory.outcome == self.outcome)
            and (self.since is None or trajectory.created_at >= self.since)
            and (self.until is None or trajectory.created_at <= self.until)
            and self.matches_steps(trajectory)
        )
