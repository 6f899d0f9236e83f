"""The transformers backend's worker thread: it ends when idle or closed, and starts again on
the next request, never leaving a request unserved."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("torch")

from lamagent.backends import GenerationParams
from lamagent.backends.hf.batch import BatchScheduler
from lamagent.backends.hf.decode import Request
from lamagent.errors import ConfigError


def _request(index: int) -> Request:
    return Request([index], GenerationParams(), emit=lambda item: None)


def _scheduler(idle_timeout: float, served: list[int]) -> BatchScheduler:
    return BatchScheduler(
        lambda request: served.append(request.prompt_ids[0]),
        lambda batch: served.extend(r.prompt_ids[0] for r in batch),
        batch_window=0.0,
        idle_timeout=idle_timeout,
    )


def _wait(condition: object, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.005)
    return False


def _workers() -> set[threading.Thread]:
    """The backends' worker threads alive now (other tests' backends may end theirs meanwhile,
    so a test compares sets, not counts)."""
    return {t for t in threading.enumerate() if t.name == "lamagent-hf"}


def test_an_idle_worker_ends_and_the_next_request_starts_another() -> None:
    served: list[int] = []
    scheduler = _scheduler(0.05, served)
    before = _workers()
    scheduler.submit(_request(1))
    assert _wait(lambda: served == [1])
    assert _wait(lambda: not scheduler.running), "the idle worker kept running"
    assert _wait(lambda: not _workers() - before), "the idle worker's thread is still alive"
    scheduler.submit(_request(2))
    assert _wait(lambda: served == [1, 2])
    scheduler.close()
    assert not scheduler.running


def test_requests_racing_the_idle_end_are_all_served() -> None:
    # idle_timeout 0: the worker tries to end after every item, so submits race its end
    served: list[int] = []
    scheduler = _scheduler(0.0, served)
    threads = [
        threading.Thread(
            target=lambda k=k: [scheduler.submit(_request(k * 100 + i)) for i in range(100)]
        )  # type: ignore[misc]
        for k in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _wait(lambda: len(served) == 400), f"{len(served)} of 400 served"
    assert sorted(served) == sorted(k * 100 + i for k in range(4) for i in range(100))
    scheduler.close()


def test_a_closed_scheduler_serves_a_later_request() -> None:
    served: list[int] = []
    scheduler = _scheduler(30.0, served)
    scheduler.submit(_request(1))
    assert _wait(lambda: served == [1])
    scheduler.close()
    assert not scheduler.running
    scheduler.submit(_request(2))
    assert _wait(lambda: served == [1, 2])
    scheduler.close()


def test_a_negative_idle_timeout_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="idle_timeout"):
        _scheduler(-1.0, [])
