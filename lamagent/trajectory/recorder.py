"""`Recorder`: the one writer of a run's trajectory.

A Recorder owns one `Trajectory` and is the only code that writes it to a `TrajectoryStore`:
it registers the run, appends each step durably as it ends, records a user's follow-up on the
last step, keeps a step that was cut short, and writes the outcome exactly once per run. The
agent loop, sessions and the evaluation all record through it, so the in-memory trajectory and
the stored one never disagree.

    recorder = Recorder(Trajectory(query="Weather in Paris?"), store)
    recorder.start()
    recorder.add_step(step)                  # durable before it returns
    recorder.finish("answer", answer="18 C")  # outcome, answer, error and usage, once
"""

from __future__ import annotations

import time

from lamagent.errors import UsageError
from lamagent.trajectory.models import Outcome, Step, Trajectory
from lamagent.trajectory.store.protocol import TrajectoryStore, check_outcome


class Recorder:
    """Records one run (or one multi-turn session) into its trajectory and, if given, a store.

    Without a store the trajectory is still kept in memory. Store errors (`TrajectoryError`)
    propagate: a step that cannot be stored is never dropped silently.
    """

    def __init__(self, trajectory: Trajectory, store: TrajectoryStore | None = None) -> None:
        self.trajectory = trajectory
        self.store = store
        self._started = False
        self._finished = False

    @classmethod
    def attach(cls, trajectory: Trajectory, store: TrajectoryStore | None = None) -> Recorder:
        """A Recorder for a trajectory the store already holds (a session or a paused run
        continued, possibly by another process): started, and finished unless `running`."""
        recorder = cls(trajectory, store)
        recorder._started = True
        recorder._finished = trajectory.outcome != "running"
        return recorder

    @property
    def id(self) -> str:
        """The recorded trajectory's id."""
        return self.trajectory.unique_trajectory_id

    @property
    def started(self) -> bool:
        """True once `start` registered the run."""
        return self._started

    @property
    def finished(self) -> bool:
        """True between `finish` and the next `follow_up`."""
        return self._finished

    def start(self) -> None:
        """Register the run with the store (its header and any steps it already has).

        Raises `UsageError` when called twice, `TrajectoryError` when the store already holds
        a trajectory with this id.
        """
        if self._started:
            raise UsageError(f"the recording of trajectory {self.id!r} has already started")
        if self.store is not None:
            self.store.start(self.trajectory)
        self._started = True

    def add_step(self, step: Step) -> None:
        """Append a finished step to the trajectory and, durably, to the store."""
        self._check_open("add_step")
        self.trajectory.steps.append(step)
        if self.store is not None:
            self.store.add_step(self.id, step)

    def add_partial_step(self, step: Step, seconds: float | None = None) -> None:
        """Append a step the run stopped in the middle of, with what it has.

        `seconds` becomes its `timings["total"]` unless the step already has one.
        """
        if seconds is not None:
            step.timings.setdefault("total", seconds)
        self.add_step(step)

    def follow_up(self, text: str) -> None:
        """A user message after the run ended: the last step's `user_input`; the run reopens.

        The next `finish` then writes the outcome of the continued run.
        """
        if not self._started:
            raise UsageError("follow_up() needs a started recording; call start() first")
        self.reopen()
        if not self.trajectory.steps:
            return
        last = self.trajectory.steps[-1]
        last.user_input = text
        if self.store is not None:
            self.store.update_step(self.id, last)

    def reopen(self) -> None:
        """The run continues (a follow-up, or decisions about calls waiting for approval):
        its outcome is `running` again, here and in the store, until the next `finish`."""
        if not self._started:
            raise UsageError("reopen() needs a started recording; call start() first")
        self._finished = False
        self.trajectory.outcome = "running"
        reopen = getattr(self.store, "reopen", None)  # stores without it keep the old outcome
        if callable(reopen):
            reopen(self.id)

    def update_step(self, step: Step) -> None:
        """Store a recorded step again after it changed (its calls got their results)."""
        if not self._started:
            raise UsageError("update_step() needs a started recording; call start() first")
        if self.store is not None:
            self.store.update_step(self.id, step)

    def finish(
        self, outcome: Outcome, *, answer: str | None = None, error: str | None = None
    ) -> None:
        """Write how the run ended: outcome, answer, error, usage (sum of the steps), end time.

        Exactly one write per run: a second call before `follow_up` raises `UsageError`.
        """
        check_outcome(outcome)
        self._check_open("finish")
        self._finished = True
        traj = self.trajectory
        traj.outcome = outcome
        traj.answer = answer
        traj.error = error
        traj.usage = traj.step_usage
        traj.finished_at = time.time()
        if self.store is not None:
            self.store.finish(
                self.id, outcome=outcome, answer=answer, error=error, usage=traj.usage
            )

    def _check_open(self, what: str) -> None:
        if not self._started:
            raise UsageError(f"{what}() needs a started recording; call start() first")
        if self._finished:
            raise UsageError(
                f"{what}(): the run of trajectory {self.id!r} is already finished; "
                "call follow_up() to continue it"
            )

    def __repr__(self) -> str:
        return f"Recorder({self.id!r}, store={self.store!r})"


__all__ = ["Recorder"]
