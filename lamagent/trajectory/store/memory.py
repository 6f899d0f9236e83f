"""`MemoryStore`: an in-process trajectory store, for tests and throwaway runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TypeVar

from pydantic import BaseModel

from lamagent.errors import SessionBusyError, TrajectoryError
from lamagent.messages import Usage
from lamagent.trajectory.models import Outcome, Step, Trajectory
from lamagent.trajectory.store.protocol import TimePoint, TrajectoryFilter, check_outcome

_Model = TypeVar("_Model", bound=BaseModel)


def _copy(model: _Model) -> _Model:
    """A deep copy; values nested deeper than `copy.deepcopy` can recurse are copied by
    pydantic's serializer instead (so deep model output is stored as the SQLite store does)."""
    try:
        return model.model_copy(deep=True)
    except RecursionError:
        return type(model).model_validate(model.model_dump())


class MemoryStore:
    """An in-process store (a dict behind a lock). Nothing survives the process.

    Every run in it belongs to this process, so a `running` run is never reported incomplete.
    Trajectories are copied in and out: callers cannot change what is stored by mutating them.
    """

    def __init__(self) -> None:
        self._data: dict[str, Trajectory] = {}
        self._order: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._leases: dict[str, str] = {}

    def _live(self) -> None:
        if self._closed:
            raise TrajectoryError("this MemoryStore is closed; open a new one")

    def _stored(self, trajectory_id: str) -> Trajectory:
        traj = self._data.get(trajectory_id)
        if traj is None:
            raise TrajectoryError(
                f"no trajectory {trajectory_id!r} in the store; call start() before add_step()"
            )
        return traj

    def start(self, trajectory: Trajectory) -> None:
        with self._lock:
            self._live()
            tid = trajectory.unique_trajectory_id
            if tid in self._data:
                raise TrajectoryError(f"trajectory {tid!r} is already in the store")
            self._data[tid] = _copy(trajectory)
            self._order[tid] = len(self._order)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        with self._lock:
            self._live()
            self._stored(trajectory_id).steps.append(_copy(step))

    def update_step(self, trajectory_id: str, step: Step) -> None:
        with self._lock:
            self._live()
            steps = self._stored(trajectory_id).steps
            for i, old in enumerate(steps):
                if old.step_id == step.step_id:
                    steps[i] = _copy(step)
                    return
            raise TrajectoryError(f"no step {step.step_id} in trajectory {trajectory_id!r}")

    def finish(
        self,
        trajectory_id: str,
        *,
        outcome: Outcome,
        answer: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        check_outcome(outcome)
        with self._lock:
            self._live()
            traj = self._stored(trajectory_id)
            traj.outcome = outcome
            traj.answer = answer
            traj.error = error
            traj.usage = usage.model_copy() if usage is not None else traj.step_usage
            traj.finished_at = time.time()

    def acquire_lease(self, name: str, owner: str) -> None:
        """Take the lease `name`, or raise `SessionBusyError` if another owner holds it."""
        with self._lock:
            self._live()
            held = self._leases.get(name)
            if held is not None and held != owner:
                raise SessionBusyError(f"{name!r} is busy: another writer is running a turn")
            self._leases[name] = owner

    def release_lease(self, name: str, owner: str) -> None:
        with self._lock:
            if self._leases.get(name) == owner:
                del self._leases[name]

    def reopen(self, trajectory_id: str) -> None:
        with self._lock:
            self._live()
            traj = self._stored(trajectory_id)
            traj.outcome = "running"
            traj.finished_at = None

    def get(self, trajectory_id: str) -> Trajectory | None:
        with self._lock:
            self._live()
            traj = self._data.get(trajectory_id)
            return None if traj is None else _copy(traj)

    def query(
        self,
        outcome: str | None = None,
        tool: str | None = None,
        error_kind: str | None = None,
        since: TimePoint | None = None,
        until: TimePoint | None = None,
        limit: int | None = None,
    ) -> list[Trajectory]:
        wanted = TrajectoryFilter.of(outcome, tool, error_kind, since, until)
        with self._lock:
            self._live()
            found = [t for t in self._data.values() if wanted.matches(t)]
            found.sort(
                key=lambda t: (t.created_at, self._order[t.unique_trajectory_id]), reverse=True
            )
            if limit is not None:
                found = found[: max(limit, 0)]
            return [_copy(t) for t in found]

    def __iter__(self) -> Iterator[Trajectory]:
        return iter(self.query())

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
