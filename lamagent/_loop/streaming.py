"""Streaming plumbing: a run's events as an async iterator or, from sync code, an iterator.

The run goes on in its own task (its cancel scopes never straddle a `yield`), and its events
reach the consumer through a memory stream (async) or a queue fed from a portal's event loop
(sync). A consumer that stops early cancels the run, which still records its outcome.
"""

from __future__ import annotations

import asyncio
import math
import queue
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
import anyio.from_thread

from lamagent.errors import LamagentError
from lamagent.events import Event

R = TypeVar("R")
Emit = Callable[[Event], Awaitable[None]]


def no_running_loop(what: str, instead: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise LamagentError(f"{what}() cannot run inside an event loop; use {instead}")


async def astream_events(
    run: Callable[[Emit], Awaitable[Any]],
) -> AsyncIterator[Event]:
    """Run `run(emit)` in a task and yield what it emits, until it returns."""
    send, receive = anyio.create_memory_object_stream[Event](math.inf)
    failure: list[BaseException] = []

    async def produce() -> None:
        async with send:
            try:
                await run(send.send)
            except Exception as exc:  # re-raised below, unwrapped from the task group
                failure.append(exc)

    stopped = False
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        async with receive:
            async for event in receive:
                try:
                    yield event
                except GeneratorExit:  # the consumer stopped: cancel the run, then close
                    stopped = True
                    tg.cancel_scope.cancel()
                    break
    if failure and not stopped:
        raise failure[0]


_DONE = object()


def stream_events(run: Callable[[Emit], Awaitable[Any]]) -> Iterator[Event]:
    """Synchronous events: the run goes on in a portal's event loop, events through a queue."""
    events: queue.SimpleQueue[Any] = queue.SimpleQueue()

    async def emit(event: Event) -> None:
        events.put(event)

    async def produce() -> None:
        try:
            await run(emit)
        finally:
            events.put(_DONE)

    with anyio.from_thread.start_blocking_portal() as portal:
        future = portal.start_task_soon(produce)
        try:
            while (item := events.get()) is not _DONE:
                yield item
        finally:
            if not future.done():
                future.cancel()
        exc = future.exception() if not future.cancelled() else None
        if exc is not None:
            raise exc
