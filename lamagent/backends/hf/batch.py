"""Batching for the transformers backend: one worker thread, requests decoded together.

Every generation is a `Request` put on a queue. One worker thread owns the model (torch work
never runs on the event loop, and never on two threads at once). It takes the first waiting
request, waits a short window (`batch_window`, a few milliseconds) for others to arrive, and
runs everything it collected, up to `max_batch_size`, as one batch: static batching. Requests
arriving while a batch runs wait for the next one. With `Agent.run_many` or many concurrent
`arun`s, the agents' steps tend to arrive together (they all wait on the same batch), so they
keep being batched step after step.

The worker hands a batch of one to `run_single` (which reuses the prefix KV cache) and larger
batches to `run_batch` (fresh cache, left padding). A worker left idle for `idle_timeout`
seconds ends, and the next request starts another: a backend dropped without `aclose` leaves
no thread behind (the thread would otherwise keep the backend, and its model, alive).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from lamagent.backends._engine.contract import check_settings
from lamagent.backends.hf.decode import Request

_STOP = object()


class BatchScheduler:
    """Collects concurrent requests into batches and runs them on one worker thread."""

    def __init__(
        self,
        run_single: Callable[[Request], None],
        run_batch: Callable[[list[Request]], None],
        *,
        max_batch_size: int = 8,
        batch_window: float = 0.005,
        name: str = "lamagent-hf",
        idle_timeout: float = 30.0,
    ) -> None:
        check_settings(
            max_batch_size=(max_batch_size, 1),
            batch_window=(batch_window, 0),
            idle_timeout=(idle_timeout, 0),
        )
        self._run_single = run_single
        self._run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.batch_window = batch_window
        self.idle_timeout = idle_timeout
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._name = name
        #: Sizes of the batches run so far (for tests and benchmarks).
        self.batch_sizes: list[int] = []

    @property
    def running(self) -> bool:
        """Whether a worker thread is alive (it ends when closed or idle)."""
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def submit(self, request: Request) -> None:
        """Queue a request; a worker starts when none is running."""
        with self._lock:
            # Under the lock: an idle worker ends only while it holds the lock and the queue
            # is empty, so a request queued here is always seen by a running worker.
            self._queue.put(request)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker after the work already queued."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None and thread.is_alive():
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    def _next(self) -> object | None:
        """The next queued item, or None when the worker was idle for `idle_timeout` and ends."""
        while True:
            try:
                return self._queue.get(timeout=self.idle_timeout)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return None

    def _collect(self, first: Request) -> tuple[list[Request], bool]:
        batch = [first]
        deadline = time.perf_counter() + self.batch_window
        stop = False
        while len(batch) < self.max_batch_size:
            remaining = deadline - time.perf_counter()
            try:
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                stop = True
                break
            assert isinstance(item, Request)
            batch.append(item)
        return [r for r in batch if not r.cancelled.is_set()], stop

    def _loop(self) -> None:
        while True:
            item = self._next()
            if item is None or item is _STOP:
                return
            assert isinstance(item, Request)
            batch, stop = self._collect(item)
            if batch:
                self.batch_sizes.append(len(batch))
                try:
                    if len(batch) == 1:
                        self._run_single(batch[0])
                    else:
                        self._run_batch(batch)
                except BaseException as exc:  # report to the callers, keep serving
                    for request in batch:
                        request.emit(exc)
            if stop:
                return
