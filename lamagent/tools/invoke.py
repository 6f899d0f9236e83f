"""Running one tool call where it was sent (a worker thread or a worker process).

`perform` binds the JSON arguments, runs the function (an async one on its own event loop),
and turns whatever happens into a `ToolOutcome`: the observation, already JSON-able and capped,
or the error text. Conversion and capping happen here, inside the error handling and under the
call's timeout, so neither a hostile return value nor a hostile exception can end a run. Any
`BaseException` the tool raises (`SystemExit`, its own `KeyboardInterrupt` or
`CancelledError`) is the tool's failure: signals and the run's cancellation never arrive on
this thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio

from lamagent.context import RunContext
from lamagent.errors import ToolDefinitionError
from lamagent.tools.observation import observe, observe_error
from lamagent.tools.workers import ToolOutcome, current_poster, thread_event_loop

if TYPE_CHECKING:
    from lamagent.tools.tool import Tool

#: Registers how to stop the call's work from outside (None: it cannot be stopped).
SetCanceller = Callable[[Callable[[], None]], None] | None


def perform(
    tool: Tool,
    arguments: Mapping[str, Any],
    max_chars: int,
    set_canceller: SetCanceller = None,
    backend: str = "asyncio",
    context: RunContext[Any] | None = None,
) -> ToolOutcome:
    """Run `tool` on `arguments` (and its `RunContext`, if it takes one) here and now; never
    raises."""
    try:
        fn = tool.fn
        if fn is None:
            raise ToolDefinitionError(f"tool {tool.name!r} has no function to run")
        args, kwargs = tool.bind(arguments, context)
        if tool.is_async:
            value = _run_async(lambda: fn(*args, **kwargs), set_canceller, backend)
        else:
            value = fn(*args, **kwargs)
            if inspect.isawaitable(value):
                awaitable = value
                value = _run_async(lambda: awaitable, set_canceller, backend)
        return ToolOutcome(value=observe(value, max_chars))
    except BaseException as exc:
        return ToolOutcome(error=observe_error(exc, max_chars), kind="exception")


def _run_async(
    make: Callable[[], Awaitable[Any]], set_canceller: SetCanceller, backend: str
) -> Any:
    """Await the tool on this thread's own event loop, cancellable from outside.

    Tasks the tool left behind are cancelled when it returns, so calls stay independent.
    A `CancelledError` the tool raises itself is its failure; a stop asked from outside (the
    timeout, the run's cancellation) ends the call with a `TimeoutError`.
    """
    if backend != "asyncio":
        return anyio.run(_cancellable, make, set_canceller, backend=backend)

    async def main() -> Any:
        return await make()

    loop = thread_event_loop()
    task = loop.create_task(main())
    stopped = False
    if set_canceller is not None:

        def stop() -> None:
            nonlocal stopped
            stopped = True
            task.cancel()

        def post_stop() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the call is over
                loop.call_soon_threadsafe(stop)

        set_canceller(post_stop)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if stopped:
            raise TimeoutError("the call was cancelled by the runtime") from None
        raise
    finally:
        leftovers = asyncio.all_tasks(loop)
        for leftover in leftovers:
            leftover.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=1.0))


async def _cancellable(make: Callable[[], Awaitable[Any]], set_canceller: SetCanceller) -> Any:
    """`make()` awaited under a cancel scope that `set_canceller` can cancel (trio)."""
    with anyio.CancelScope() as scope:
        if set_canceller is not None:
            post = current_poster()
            set_canceller(lambda: post(scope.cancel))
        return await make()
    raise TimeoutError("the call was cancelled by the runtime")
