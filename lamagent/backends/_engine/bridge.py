"""Hand items from an engine thread to the event loop, cheaply and with one error policy.

An engine decodes in a thread of its own (llama.cpp, torch) and produces text deltas, then one
`Generation`. The thread never waits for the event loop: it appends to a queue under a lock
and wakes the consumer only when the consumer is waiting, so a fast engine hands over whatever
is ready in one wake-up instead of paying a round trip through the loop per token.

The consumer's side is `receive()`: it yields the deltas and the final Generation, raises what
the engine raised (a `BackendError` as is, anything else wrapped in one, chained as
`__cause__`), and sets `cancelled` when it stops early, which engines check between tokens.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from lamagent.backends.base import Generation
from lamagent.errors import BackendError

#: What an engine thread hands over: a text delta, the final Generation, or its failure.
Item = str | Generation | BaseException


def engine_error(exc: BaseException, engine: str) -> BackendError:
    """`exc` as a BackendError: as is when it is one, else wrapped (raise it `from exc`)."""
    if isinstance(exc, BackendError):
        return exc
    return BackendError(f"{engine} failed: {type(exc).__name__}: {exc}")


def _waker() -> Callable[[Callable[[], object]], object]:
    """A thread-safe, non-blocking way to run a callback on the current event loop."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - not asyncio: anyio's other backend, trio
        import trio

        return trio.lowlevel.current_trio_token().run_sync_soon  # type: ignore[no-any-return]
    return loop.call_soon_threadsafe


class ThreadBridge:
    """One generation's hand-off from an engine thread to an async consumer.

    Create it on the event loop; the engine thread calls `put` (deltas, then a Generation) or
    `fail`; the event loop iterates `receive()`.
    """

    def __init__(self, engine: str) -> None:
        self.engine = engine
        #: Set when the consumer stopped reading: the engine should stop generating.
        self.cancelled = threading.Event()
        self._items: deque[Item] = deque()
        self._lock = threading.Lock()
        self._wake = _waker()
        self._ready: anyio.Event | None = None

    # -- engine thread ---------------------------------------------------------------------

    def put(self, item: Item) -> None:
        """Hand over one item (never blocks; dropped once the consumer has gone)."""
        if self.cancelled.is_set():
            return
        with self._lock:
            self._items.append(item)
            ready, self._ready = self._ready, None
        if ready is not None:
            try:
                self._wake(ready.set)
            except RuntimeError:  # the event loop has closed: nobody is listening
                self.cancelled.set()

    def fail(self, exc: BaseException) -> None:
        """Hand over the engine's failure; the consumer raises it."""
        self.put(exc)

    # -- event loop ------------------------------------------------------------------------

    async def receive(self) -> AsyncIterator[str | Generation]:
        """The deltas, then the Generation; raises the engine's failure as a BackendError."""
        try:
            while True:
                with self._lock:
                    batch = list(self._items)
                    self._items.clear()
                    if not batch:
                        ready = self._ready = anyio.Event()
                if not batch:
                    await ready.wait()
                    continue
                for item in batch:
                    if isinstance(item, BackendError):
                        raise item
                    if isinstance(item, BaseException):
                        raise engine_error(item, self.engine) from item
                    yield item
                    if isinstance(item, Generation):
                        return
        finally:
            self.cancelled.set()


def run_in_thread(
    bridge: ThreadBridge, work: Callable[[], Generation], *, name: str
) -> threading.Thread:
    """Start a daemon thread that runs `work` and hands its Generation (or failure) over."""

    def target() -> None:
        try:
            result: Any = work()
        except BaseException as exc:  # handed to the consumer, raised there
            bridge.fail(exc)
            return
        bridge.put(result)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread
