"""Module-level tools for the process-isolation tests (a worker process imports them by name)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from lamagent import tool


@tool(isolation="process")
def worker_pid() -> int:
    """The id of the process running the call."""
    return os.getpid()


@tool(isolation="process")
def spin_forever(marker: str) -> str:
    """Write this process's id to `marker`, then burn CPU; writes `marker.done` if it ever ends."""
    Path(marker).write_text(str(os.getpid()))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pass
    Path(marker + ".done").write_text("finished")
    return "finished"


@tool(isolation="process")
def exit_hard(code: int) -> str:
    """End the worker process without any cleanup."""
    os._exit(code)


@tool(isolation="process")
def exit_politely(code: int) -> str:
    """Raise SystemExit in the worker process."""
    sys.exit(code)


@tool(isolation="process")
def append_to(items: list[str]) -> list[str]:
    """Append to the argument and return it."""
    items.append("MUTATED")
    return items


@tool(isolation="process")
def unprintable() -> object:
    """Return an object that cannot be printed."""
    return Unprintable()


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")
