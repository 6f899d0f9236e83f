"""Tool calls on daemon worker threads, watched from the run's event loop.

Every call runs on a daemon thread of its own (threads are reused once free), so a tool can
block (even an async one calling `time.sleep`) without blocking the run's event loop, and a
script that got its answer exits even while an abandoned call still runs. A thread cannot be
killed: a call that outlives its timeout is *abandoned*. Abandoned work stays bounded twice
over: it keeps its concurrency slot until its thread really ends, and a process-wide cap
refuses new calls while too many abandoned ones still run.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import anyio.lowlevel

#: How a call ended, from the executor's point of view.
OutcomeKind = Literal["exception", "timeout"]


@dataclass
class ToolOutcome:
    """A call's observation (`value`), or its error text and kind. Picklable."""

    value: Any = None
    error: str | None = None
    kind: OutcomeKind | None = None


_lock = threading.Lock()
_abandoned_running = 0


def abandoned_running() -> int:
    """Calls abandoned at a timeout (or a cancelled run) whose threads still run."""
    return _abandoned_running


def _post_to(native: Any) -> Callable[[Callable[[], None]], None]:
    """A non-blocking "call this soon on that event loop" for asyncio and trio loops."""
    post = getattr(native, "call_soon_threadsafe", None) or native.run_sync_soon

    def call_soon(fn: Callable[[], None]) -> None:
        with contextlib.suppress(Exception):  # the loop is gone: nobody waits any more
            post(fn)

    return call_soon


def current_poster() -> Callable[[Callable[[], None]], None]:
    """`call_soon(fn)` for the running event loop, callable from any thread."""
    return _post_to(anyio.lowlevel.current_token().native_token)


class ToolThread:
    """One tool call on its own daemon thread.

    `job(thread)` runs on the thread and returns the outcome; it may register a canceller
    (`set_canceller`) that stops its work from outside (an inner event loop's cancel scope, a
    worker process's kill). `on_end` runs on the thread when it ends, whatever happened.
    """

    def __init__(
        self, name: str, job: Callable[[ToolThread], ToolOutcome], on_end: Callable[[], None]
    ) -> None:
        self._job = job
        self._on_end = on_end
        self.outcome: ToolOutcome | None = None
        self._state = threading.Lock()
        self._ended = False
        self._abandoned = False
        self._cancel_requested = False
        self._canceller: Callable[[], None] | None = None
        self.name = name

    def start(self) -> None:
        THREADS.submit(self._main, f"lamagent-tool {self.name}")

    def _main(self) -> Callable[[], None]:
        """Run the job; returns `on_end`, which the thread calls when it is ready for more
        work (so the waiting event loop wakes to a thread that no longer holds the GIL)."""
        global _abandoned_running
        try:
            self.outcome = self._job(self)
        except BaseException as exc:  # the job reports its own errors; this is a backstop
            self.outcome = ToolOutcome(error=f"{type(exc).__name__}", kind="exception")
        finally:
            with _lock, self._state:
                self._ended = True
                if self._abandoned:
                    _abandoned_running -= 1
        return self._on_end

    @property
    def ended(self) -> bool:
        return self._ended

    def abandon(self) -> bool:
        """Stop waiting for this call and ask its work to stop; False if it already ended."""
        global _abandoned_running
        with _lock, self._state:
            if self._ended or self._abandoned:
                return False
            self._abandoned = True
            _abandoned_running += 1
        self.cancel()
        return True

    def cancel(self) -> None:
        """Ask the work to stop (no effect on a plain blocking function)."""
        with self._state:
            self._cancel_requested = True
            canceller = self._canceller
        if canceller is not None:
            canceller()

    def set_canceller(self, canceller: Callable[[], None]) -> None:
        """Called on the thread: how to stop the work; runs at once if a stop was asked."""
        with self._state:
            self._canceller = canceller
            requested = self._cancel_requested
        if requested:
            canceller()


#: Work for a daemon thread: returns what to call once the thread is free again, or None.
Job = Callable[[], Callable[[], None] | None]


class DaemonThreads:
    """Daemon worker threads, reused: an idle one waits `idle_seconds` for work, then ends.

    Busy threads are named "lamagent-tool <tool name>", idle ones "lamagent-tool-idle"; at
    most `max_idle` wait at a time. A thread stuck in an abandoned call simply stays busy.
    """

    def __init__(self, max_idle: int = 8, idle_seconds: float = 10.0) -> None:
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: list[queue.SimpleQueue[tuple[Job, str]]] = []
        self._lock = threading.Lock()

    def submit(self, job: Job, name: str) -> None:
        """Run `job` on an idle thread, or on a new one; then the callback it returns, if any,
        once the thread is idle again (or about to end)."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name=name, daemon=True).start()
        inbox.put((job, name))

    def _serve(self, inbox: queue.SimpleQueue[tuple[Job, str]]) -> None:
        me = threading.current_thread()
        while True:
            try:
                job, name = inbox.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if inbox in self._idle:  # nobody picked this thread: end it
                        self._idle.remove(inbox)
                        break
                continue  # picked just now: the job is on its way
            me.name = name
            then = job()
            me.name = "lamagent-tool-idle"
            with self._lock:
                ending = len(self._idle) >= self.max_idle
                if not ending:
                    self._idle.append(inbox)
            if then is not None:
                then()
            if ending:
                break
        _close_thread_loop()


#: The threads that run tool calls.
THREADS = DaemonThreads()

_local = threading.local()


def thread_event_loop() -> asyncio.AbstractEventLoop:
    """This worker thread's own asyncio event loop, kept for its next async call.

    (Creating a loop per call costs ten times more than the call itself.)
    """
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop


def _close_thread_loop() -> None:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is not None and not loop.is_closed():
        loop.close()


@dataclass
class _SlotWatch:
    """Per-limiter count of slots held by abandoned calls, and the calls waiting for one."""

    abandoned: int = 0
    waiters: set[anyio.CancelScope] = field(default_factory=set)


_watches: weakref.WeakKeyDictionary[anyio.CapacityLimiter, _SlotWatch] = weakref.WeakKeyDictionary()


def _watch(limiter: anyio.CapacityLimiter) -> _SlotWatch:
    watch = _watches.get(limiter)
    if watch is None:
        watch = _watches[limiter] = _SlotWatch()
    return watch


async def _acquire_slot(limiter: anyio.CapacityLimiter, borrower: object) -> bool:
    """Wait for a slot; False at once (or as soon as it happens) when abandoned calls hold all."""
    watch = _watch(limiter)
    if watch.abandoned >= limiter.total_tokens:
        return False
    try:  # a free slot: no wait, no extra turn of the event loop
        limiter.acquire_on_behalf_of_nowait(borrower)
        return True
    except anyio.WouldBlock:
        pass
    with anyio.CancelScope() as scope:
        watch.waiters.add(scope)
        try:
            await limiter.acquire_on_behalf_of(borrower)
            return True
        finally:
            watch.waiters.discard(scope)
    return False


async def run_on_thread(
    name: str,
    job: Callable[[ToolThread], ToolOutcome],
    timeout: float | None,
    limiter: anyio.CapacityLimiter | None,
    max_abandoned: int,
) -> ToolOutcome:
    """Run `job` on a daemon thread under `timeout` and return its outcome.

    At the timeout, or when the run is cancelled, the call is abandoned: its work is asked to
    stop, the run goes on, and the slot it holds in `limiter` returns only when the thread ends.
    """
    running = abandoned_running()
    if running >= max_abandoned:
        return ToolOutcome(
            error=(
                f"TimeoutError: tool {name!r} was not started: {running} earlier tool calls "
                f"that timed out are still running (max_abandoned_threads={max_abandoned})"
            ),
            kind="timeout",
        )
    borrower = object()
    if limiter is not None and not await _acquire_slot(limiter, borrower):
        return ToolOutcome(
            error=(
                f"TimeoutError: tool {name!r} was not started: every tool slot "
                f"(max_concurrency={int(limiter.total_tokens)}) is held by a call that timed "
                "out and is still running"
            ),
            kind="timeout",
        )
    done = anyio.Event()
    post = current_poster()
    watch = _watch(limiter) if limiter is not None else None
    counted = False

    def finish() -> None:  # on the run's loop, when the thread has ended
        nonlocal counted
        done.set()
        if limiter is not None:
            limiter.release_on_behalf_of(borrower)
        if watch is not None and counted:
            watch.abandoned -= 1
            counted = False

    call = ToolThread(name, job, lambda: post(finish))

    def give_up() -> bool:
        nonlocal counted
        if not call.abandon():
            return False  # it ended just now
        if watch is not None:
            counted = True
            watch.abandoned += 1
            if limiter is not None and watch.abandoned >= limiter.total_tokens:
                for waiter in list(watch.waiters):
                    waiter.cancel()
        return True

    call.start()
    abandoned = False
    try:
        with anyio.move_on_after(timeout):
            await done.wait()
    finally:
        if not done.is_set() and not call.ended:
            abandoned = give_up()
    if not abandoned and call.outcome is not None:
        return call.outcome
    return ToolOutcome(
        error=f"TimeoutError: tool {name!r} did not finish within {timeout} s", kind="timeout"
    )
