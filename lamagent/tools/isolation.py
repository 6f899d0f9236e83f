"""Tool calls in worker processes, so that a timeout is final: the process is killed.

A thread cannot be stopped from outside; a process can. With `isolation="process"` (on a tool
or in the `ExecutionPolicy`) a call runs in a worker process from a small pool (stdlib
multiprocessing, forkserver where available, else spawn); at its timeout, or when the run is
cancelled, that process is killed and a fresh one replaces it on demand. The price: the tool's
function must be importable by name (defined at module level), its arguments and result cross
a pipe, and a call costs a round trip to another process (see docs/guarantees.md).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import threading
from collections.abc import Callable, Mapping
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from lamagent.tools.workers import ToolOutcome, ToolThread

if TYPE_CHECKING:
    from lamagent.tools.tool import Tool


#: Idle worker processes kept for reuse.
MAX_IDLE_WORKERS = 4


def _context() -> BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def tool_reference(tool: Tool) -> tuple[str, str] | str:
    """`(module, qualname)` by which a worker process finds the tool, or why there is none."""
    fn = tool.fn
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if fn is None or not isinstance(module, str) or not isinstance(qualname, str):
        return f"tool {tool.name!r} has no importable function"
    if "<locals>" in qualname or "<lambda>" in qualname:
        return (
            f"tool {tool.name!r} cannot run in a worker process: its function {qualname} is "
            "not importable by name; define it at module level"
        )
    return module, qualname


_resolved: dict[tuple[str, str], Tool] = {}


def _resolve(reference: tuple[str, str]) -> Tool:
    """The tool a reference names, imported in this (worker) process."""
    from lamagent.tools.tool import Tool

    found = _resolved.get(reference)
    if found is None:
        obj: Any = importlib.import_module(reference[0])
        for part in reference[1].split("."):
            obj = getattr(obj, part)
        found = obj if isinstance(obj, Tool) else Tool.from_function(obj)
        _resolved[reference] = found
    return found


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """A worker process: run requests until the pipe closes. Ctrl-C is the parent's to handle."""
    from lamagent.tools.invoke import perform

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            reference, arguments, max_chars, context = conn.recv()
        except (EOFError, OSError):
            return
        try:
            outcome = perform(_resolve(reference), arguments, max_chars, context=context)
        except BaseException as exc:
            message = f"{type(exc).__name__}: {exc}"[:max_chars]
            outcome = ToolOutcome(error=message, kind="exception")
        conn.send(outcome)


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self, ctx: BaseContext) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child,), name="lamagent-tool-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.conn = parent
        self.killed = False

    def run(
        self, reference: tuple[str, str], arguments: Any, max_chars: int, context: Any = None
    ) -> ToolOutcome:
        """Send one call and wait for its outcome (an error when the process died)."""
        try:
            self.conn.send((reference, arguments, max_chars, context))
            outcome = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            code = self.process.exitcode
            return ToolOutcome(
                error=f"the worker process running tool {reference[1]!r} exited (code {code})",
                kind="exception",
            )
        if not isinstance(outcome, ToolOutcome):
            return ToolOutcome(error="the worker process sent no outcome", kind="exception")
        return outcome

    def alive(self) -> bool:
        return not self.killed and self.process.is_alive()

    def kill(self) -> None:
        """Stop the call for good (thread-safe; the waiting thread then sees the pipe close)."""
        self.killed = True
        with contextlib.suppress(Exception):
            self.process.kill()

    def close(self) -> None:
        self.kill()
        self.conn.close()
        self.process.join(5)


class WorkerPool:
    """Worker processes, started on demand and reused while they stay healthy."""

    def __init__(self, max_idle: int = MAX_IDLE_WORKERS) -> None:
        self.max_idle = max_idle
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._ctx: BaseContext | None = None

    def take(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.close()
            if self._ctx is None:
                self._ctx = _context()
            ctx = self._ctx
        return Worker(ctx)

    def give_back(self, worker: Worker) -> None:
        with self._lock:
            if worker.alive() and len(self._idle) < self.max_idle:
                self._idle.append(worker)
                return
        worker.close()

    def warm(self, n: int = 1) -> None:
        """Start `n` workers now, so the first calls do not pay for a process start."""
        workers = [self.take() for _ in range(n)]
        for worker in workers:
            worker.conn.send((("lamagent.tools.isolation", "_ping"), {}, 100, None))
            worker.conn.recv()
            self.give_back(worker)

    def shutdown(self) -> None:
        """Stop the idle workers (busy ones stop when their call ends or is killed)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


def _ping() -> str:
    """Answers a warm-up request."""
    return "pong"


#: The process-wide pool that `isolation="process"` calls use.
POOL = WorkerPool()


def process_job(
    tool: Tool, arguments: Mapping[str, Any], max_chars: int, context: Any = None
) -> Callable[[ToolThread], ToolOutcome]:
    """A job for `run_on_thread`: run the call in a worker process, killed if abandoned.

    `context` (the call's `RunContext`, or None) is pickled to the worker; one that cannot be
    is the call's error, naming what to change.
    """
    reference = tool_reference(tool)
    unpicklable = _unpicklable(tool, context)

    def job(thread: ToolThread) -> ToolOutcome:
        if isinstance(reference, str):
            return ToolOutcome(error=f"ToolDefinitionError: {reference}", kind="exception")
        if unpicklable is not None:
            return ToolOutcome(error=f"ToolDefinitionError: {unpicklable}", kind="exception")
        worker = POOL.take()
        thread.set_canceller(worker.kill)
        try:
            return worker.run(reference, dict(arguments), max_chars, context)
        finally:
            POOL.give_back(worker)

    return job


def _unpicklable(tool: Tool, context: Any) -> str | None:
    """Why `context` cannot go to a worker process, or None when it can."""
    if context is None:
        return None
    try:
        pickle.dumps(context)
    except Exception as exc:
        deps = type(getattr(context, "deps", None)).__name__
        return (
            f"tool {tool.name!r} runs in a worker process, but its RunContext cannot be sent "
            f"there (deps of type {deps}: {type(exc).__name__}: {exc}); pass picklable deps "
            "or give the tool isolation='thread'"
        )
    return None
