"""Conversations that outlive a process: one writer at a time, state rebuilt from the store.

A durable session (or a paused run being resumed) is continued by whichever process holds its
*lease* in the store. The lease is taken before the stored trajectory is read and given back
when the turn ends, so two processes never interleave one conversation's turns: the second
gets `SessionBusyError` at once. A lease whose process died (killed in the middle of a turn)
is taken over by the next writer. The conversation itself is rebuilt from the stored steps
(`history.rebuild_messages`), so the model reads the same prompt in any process.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from lamagent._loop.history import rebuild_messages, step_messages
from lamagent._loop.state import RunState
from lamagent.errors import UsageError
from lamagent.trajectory import Recorder, Step, Trajectory, TrajectoryStore
from lamagent.trajectory.store.liveness import lease_owner
from lamagent.trajectory.store.protocol import SessionLeases


@contextmanager
def leased(store: TrajectoryStore | None, name: str) -> Iterator[None]:
    """Hold the lease `name` in `store` for the block (no store: nothing to share, no lease).

    Raises `SessionBusyError` when another live writer holds it, `UsageError` when the store
    cannot lend leases.
    """
    if store is None:
        yield
        return
    if not isinstance(store, SessionLeases):
        raise UsageError(
            f"{type(store).__name__} cannot lock a conversation to one writer (it has no "
            "acquire_lease/release_lease); use SQLiteStore or MemoryStore"
        )
    owner = lease_owner(uuid.uuid4().hex)
    store.acquire_lease(name, owner)
    try:
        yield
    finally:
        store.release_lease(name, owner)


def continued_state(
    trajectory: Trajectory, store: TrajectoryStore | None, system_prompt: str | None
) -> RunState:
    """The state of a recorded conversation, ready to continue (its recorder attached)."""
    messages, latest = rebuild_messages(trajectory, system_prompt)
    state = RunState(messages=messages, trajectory=trajectory, pinned=latest)
    state.recorder = Recorder.attach(trajectory, store)
    return state


def load_state(
    store: TrajectoryStore, trajectory_id: str, system_prompt: str | None
) -> RunState | None:
    """The stored conversation `trajectory_id`, ready to continue, or None if there is none."""
    trajectory = store.get(trajectory_id)
    if trajectory is None:
        return None
    return continued_state(trajectory, store, system_prompt)


def close_interrupted(state: RunState) -> None:
    """Record a turn whose process died before the model replied, so the user's message it
    answered stays in the conversation: an empty reply with a note. Nothing happens when the
    last turn ended (or ended with a step the next message can follow)."""
    trajectory = state.trajectory
    steps = trajectory.steps
    if trajectory.outcome != "incomplete" or (steps and steps[-1].user_input is None):
        return
    recorder = state.recorder
    assert recorder is not None
    step = Step(
        step_id=state.next_step_id,
        answer="",
        notes=["no reply: the process running this turn ended before the model answered"],
    )
    recorder.reopen()
    recorder.add_step(step)
    state.messages.extend(step_messages(step))


def check_not_paused(trajectory: Trajectory) -> None:
    """A conversation whose calls wait for approval continues with `resume`, not a message."""
    if trajectory.outcome == "needs_approval":
        waiting = [c.call_id for c in trajectory.pending_calls]
        raise UsageError(
            f"conversation {trajectory.id!r} waits for approval of calls {waiting}; decide "
            "them with resume(decisions) before sending another message"
        )


__all__ = ["check_not_paused", "close_interrupted", "continued_state", "leased", "load_state"]
