"""Synchronous entry points that a Ctrl-C always stops.

`asyncio.Runner` (under `anyio.run`) turns the first Ctrl-C into a *native* cancellation of the
main task. A native cancellation is edge-triggered: when it lands while a cancel scope is
finishing its own cancellation (a tool's timeout, a task group unwinding), the scope can take
it for its own and swallow it (a documented anyio limitation), and the run goes on until its
tool returns (seconds, or never). `run_sync` turns the first Ctrl-C into the cancellation of a
cancel scope around the whole run instead: level-triggered, it stops every await inside until
the run has unwound and recorded its outcome (`incomplete`), and then `KeyboardInterrupt` is
raised. A second Ctrl-C raises `KeyboardInterrupt` at once, as asyncio does.

It only takes over when Python's default SIGINT handler is in place, in the main thread; a
program with its own handler keeps it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import TypeVar

import anyio

R = TypeVar("R")

__all__ = ["run_sync"]


def _takes_over() -> bool:
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )


def run_sync(fn: Callable[[], Awaitable[R]]) -> R:
    """`anyio.run(fn)`, stopped by Ctrl-C through a cancel scope (see the module doc)."""
    if not _takes_over():
        return anyio.run(fn)
    interrupts = 0

    async def main() -> R:
        nonlocal interrupts
        loop = asyncio.get_running_loop()
        with anyio.CancelScope() as scope:

            def on_sigint(signum: int, frame: FrameType | None) -> None:
                nonlocal interrupts
                interrupts += 1
                if interrupts > 1:
                    raise KeyboardInterrupt
                loop.call_soon_threadsafe(scope.cancel)

            previous = signal.signal(signal.SIGINT, on_sigint)
            try:
                result = await fn()
            finally:
                signal.signal(signal.SIGINT, previous)
        if interrupts:
            raise KeyboardInterrupt
        return result

    return anyio.run(main)
