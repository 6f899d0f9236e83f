"""`RunContext`: what a tool may know about the run that called it.

A tool parameter annotated `RunContext` (or `RunContext[Deps]`) is filled by the runtime, never
by the model: it is left out of the schema the model sees, and a call that tries to set it is
rejected like any unknown argument. It carries the dependencies the application passed to
`agent.run(..., deps=...)` (a database handle, a user id, a client), the run's id, the step,
the usage so far, the call's id and how long the call may still take.

    @tool
    def lookup(order_id: str, ctx: RunContext[Shop]) -> dict:
        return ctx.deps.orders[order_id]

A leaf module (it imports only `lamagent.messages`), so the tools package can read it.
"""

from __future__ import annotations

import re
import threading
import time
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from lamagent.messages import Usage

if TYPE_CHECKING:
    from lamagent.trajectory import TrajectoryStore

DepsT = TypeVar("DepsT")

__all__ = ["RunContext", "UsageMeter", "is_run_context", "run_context"]


class UsageMeter:
    """Usage that calls report back to the run (an agent called as a tool), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = Usage()

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total = self._total + usage

    @property
    def total(self) -> Usage:
        with self._lock:
            return self._total


@dataclass
class _Runtime:
    """What only lives in the running process: where usage rolls up, the run's store."""

    meter: UsageMeter = field(default_factory=UsageMeter)
    store: TrajectoryStore | None = None


@dataclass
class RunContext(Generic[DepsT]):
    """The run a tool call belongs to.

    Attributes:
        deps: what the application passed as `run(..., deps=...)` (None when nothing was).
        run_id: the run's trajectory id ("" outside a run).
        step: the step that made the call (1-based; 0 outside a run).
        usage: the run's token usage before this step's tools ran.
        call_id: the id of this call (the `CallRecord.call_id`).
        tool_name: the name the call was made with.
        deadline: `time.monotonic()` value by which the call must end (its timeout or the
            run's wall-time limit, the earlier), or None without either.

    A tool in a worker process (`isolation="process"`) receives a pickled copy: `deps` must
    be picklable there, and usage it reports does not reach the run.
    """

    deps: DepsT = None  # type: ignore[assignment]
    run_id: str = ""
    step: int = 0
    usage: Usage = field(default_factory=Usage)
    call_id: str | None = None
    tool_name: str | None = None
    deadline: float | None = None
    _runtime: _Runtime | None = field(default=None, repr=False, compare=False)

    @property
    def remaining(self) -> float | None:
        """Seconds until `deadline` (never negative), or None without one."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    @property
    def store(self) -> TrajectoryStore | None:
        """The store the run records to (None outside a run, or in a worker process)."""
        return self._runtime.store if self._runtime is not None else None

    def add_usage(self, usage: Usage) -> None:
        """Count `usage` (of work done for this call, e.g. an inner agent's run) in the run's."""
        if self._runtime is not None:
            self._runtime.meter.add(usage)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_runtime"] = None  # locks and stores stay in the run's process
        return state


def run_context(
    deps: Any, run_id: str, step: int, usage: Usage, store: TrajectoryStore | None = None
) -> tuple[RunContext[Any], UsageMeter]:
    """A step's context for its calls, and the meter its calls report usage to.

    `usage` is shared, not copied: the loop replaces the run's Usage, it never changes one.
    """
    runtime = _Runtime(store=store)
    context: RunContext[Any] = RunContext(
        deps=deps, run_id=run_id, step=step, usage=usage, _runtime=runtime
    )
    return context, runtime.meter


def is_run_context(annotation: Any) -> bool:
    """True for `RunContext`, `RunContext[X]`, and either inside `Annotated[...]`."""
    if isinstance(annotation, str):  # an annotation that could not be resolved
        return re.fullmatch(r"(\w+\.)*RunContext(\[.*\])?", annotation.strip()) is not None
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is RunContext or typing.get_origin(annotation) is RunContext
