"""Run a turn's verified tool calls: concurrently, each under a timeout, results in call order.

Failures are data here. A tool that raises (anything, `SystemExit` included), returns something
that cannot be shown, runs past its timeout or is refused approval gives an error observation
(`{"error": "TimeoutError: ..."}`) that the model sees on its next turn, and an
`Execution.error_kind` the trajectory records. Results are made JSON-able and capped in size,
error messages too, so one tool cannot flood the context. Each call runs on its own daemon
thread (async tools on their own event loop), so no tool can block the run's event loop; with
`isolation="process"` it runs in a worker process that is killed at the timeout. The tool gets
a copy of its arguments: the recorded call stays as the model wrote it.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import anyio
import anyio.lowlevel

from lamagent.context import RunContext
from lamagent.errors import ConfigError
from lamagent.messages import ToolCall
from lamagent.records import ToolErrorKind
from lamagent.tools.invoke import perform
from lamagent.tools.isolation import process_job
from lamagent.tools.observation import cap_output, observe, observe_error, to_jsonable
from lamagent.tools.placement import ISOLATIONS, Isolation
from lamagent.tools.workers import ToolOutcome, ToolThread, run_on_thread

if TYPE_CHECKING:
    from lamagent.tools import Tool

#: Decides whether a call of a tool marked `requires_approval` may run (sync or async).
ApprovalHook = Callable[[ToolCall, "Tool"], bool | Awaitable[bool]]

DEFAULT_MAX_OUTPUT_CHARS = 16_000
DEFAULT_MAX_ABANDONED_THREADS = 32

__all__ = [
    "DEFAULT_MAX_OUTPUT_CHARS",
    "ApprovalHook",
    "Execution",
    "ExecutionPolicy",
    "Isolation",
    "call_key",
    "cap_output",
    "execute_calls",
    "to_jsonable",
]


@dataclass(frozen=True)
class ExecutionPolicy:
    """How a turn's calls run: timeout, concurrency, output cap, approval and isolation.

    `max_concurrency` bounds the calls running at once (a call that timed out keeps its slot
    until its thread really ends).
    `isolation` is where calls run unless a tool sets its own: "thread" (default), "process"
    (killed at the timeout; the function must be importable by name) or "loop" (async tools
    on the run's event loop). `max_abandoned_threads` bounds, process-wide, the calls that
    timed out but whose threads still run; past it new calls are refused with a timeout.
    """

    timeout: float | None = 30.0
    parallel: bool = True
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS
    #: A hook asked inline, or "defer": the run pauses with outcome "needs_approval".
    approval: ApprovalHook | Literal["defer"] | None = None
    isolation: Isolation = "thread"
    max_abandoned_threads: int = DEFAULT_MAX_ABANDONED_THREADS

    def __post_init__(self) -> None:
        if self.isolation not in ISOLATIONS:
            raise ConfigError(
                f"isolation must be one of {', '.join(ISOLATIONS)}, not {self.isolation!r}"
            )
        if self.max_abandoned_threads < 1:
            raise ConfigError(
                f"max_abandoned_threads must be at least 1, got {self.max_abandoned_threads}"
            )

    #: Tools running at once in one run.
    max_concurrency: int = 8


@dataclass
class Execution:
    """What one call produced: the observation the model will see and how it went."""

    index: int
    call: ToolCall
    result: Any
    error_kind: ToolErrorKind | None = None
    error: str | None = None
    seconds: float = 0.0


def call_key(call: ToolCall) -> str:
    """Identity of a call for de-duplication: its name and canonical JSON arguments."""
    try:
        return call.name + "\x00" + json.dumps(call.arguments, sort_keys=True, default=str)
    except (ValueError, RecursionError):  # not canonically encodable: never a duplicate
        return f"{call.name}\x00<{id(call)}>"


async def execute_calls(
    calls: Sequence[tuple[int, ToolCall, Tool]],
    policy: ExecutionPolicy,
    limiter: anyio.CapacityLimiter | None = None,
    context: RunContext[Any] | None = None,
) -> list[Execution]:
    """Run `(index, call, tool)` items and return one Execution per item, in the given order.

    A tool that takes a `RunContext` gets a copy of `context` for its call (call id, tool
    name and deadline filled in).

    Identical calls (same name and arguments) run once unless the tool sets `allow_duplicates`;
    later copies share the first result and are marked `duplicate`. With `policy.parallel`
    the calls overlap (each on its worker thread, or process), at most `limiter.total_tokens`
    at a time; a call that timed out holds its slot until its thread really ends.
    """
    results: list[Execution | None] = [None] * len(calls)
    first_of: dict[str, int] = {}
    duplicates: list[tuple[int, int]] = []
    to_run: list[int] = []
    for pos, (_, call, tool) in enumerate(calls):
        if not getattr(tool, "allow_duplicates", False):
            key = call_key(call)
            if key in first_of:
                duplicates.append((pos, first_of[key]))
                continue
            first_of[key] = pos
        to_run.append(pos)

    async def run_one(pos: int) -> None:
        index, call, tool = calls[pos]
        results[pos] = await _execute_one(index, call, tool, policy, limiter, context)

    if policy.parallel and len(to_run) > 1:
        async with anyio.create_task_group() as tg:
            for pos in to_run:
                tg.start_soon(run_one, pos)
    else:
        for pos in to_run:
            await run_one(pos)

    for pos, original in duplicates:
        first = results[original]
        assert first is not None
        index, call, _ = calls[pos]
        results[pos] = Execution(
            index=index,
            call=call,
            result=first.result,
            error_kind="duplicate",
            error=f"identical to call {first.index} in the same turn; its result was reused",
        )
    return [r for r in results if r is not None]


async def _execute_one(
    index: int,
    call: ToolCall,
    tool: Tool,
    policy: ExecutionPolicy,
    limiter: anyio.CapacityLimiter | None,
    context: RunContext[Any] | None = None,
) -> Execution:
    start = time.perf_counter()
    if getattr(tool, "requires_approval", False):
        refusal = await _ask_approval(call, tool, policy.approval)
        if refusal is not None:
            refusal = cap_output(refusal, policy.max_output_chars)
            return Execution(index, call, {"error": refusal}, "refused", refusal)
    timeout = tool.timeout if tool.timeout is not None else policy.timeout
    if timeout is not None and math.isinf(timeout):
        timeout = None
    arguments = copy_arguments(call.arguments)
    isolation = getattr(tool, "isolation", None) or policy.isolation
    max_chars = policy.max_output_chars
    call_context = _call_context(context, call, tool, timeout)
    if tool.fn is None or (isolation == "loop" and tool.is_async):
        outcome = await _run_on_loop(tool, arguments, timeout, limiter, max_chars, call_context)
    else:
        outcome = await run_on_thread(
            call.name,
            _job(tool, arguments, max_chars, isolation, call_context),
            timeout,
            limiter,
            policy.max_abandoned_threads,
        )
    seconds = time.perf_counter() - start
    if outcome.kind is None:
        return Execution(index, call, outcome.value, seconds=seconds)
    message = outcome.error or outcome.kind
    return Execution(index, call, {"error": message}, outcome.kind, message, seconds)


def _call_context(
    context: RunContext[Any] | None, call: ToolCall, tool: Tool, timeout: float | None
) -> RunContext[Any] | None:
    """The call's own copy of the run context (only for tools that take one)."""
    if context is None or not getattr(tool, "takes_context", False):
        return None
    deadline = anyio.current_effective_deadline()  # the run's wall-time limit, if any
    remaining = None if math.isinf(deadline) else max(0.0, deadline - anyio.current_time())
    if timeout is not None:
        remaining = timeout if remaining is None else min(remaining, timeout)
    return dataclasses.replace(
        context,
        call_id=call.id,
        tool_name=call.name,
        deadline=None if remaining is None else time.monotonic() + remaining,
    )


def _job(
    tool: Tool,
    arguments: dict[str, Any],
    max_chars: int,
    isolation: Isolation,
    context: RunContext[Any] | None = None,
) -> Callable[[ToolThread], ToolOutcome]:
    if isolation == "process" and not tool.is_async:
        return process_job(tool, arguments, max_chars, context)
    native = anyio.lowlevel.current_token().native_token
    backend = "trio" if hasattr(native, "run_sync_soon") else "asyncio"

    def job(thread: ToolThread) -> ToolOutcome:
        return perform(tool, arguments, max_chars, thread.set_canceller, backend, context)

    return job


def _outer_cancellation() -> bool:
    """True when the enclosing scope (a caller, the run's time limit, Ctrl-C) cancels us."""
    if anyio.current_effective_deadline() == -math.inf:
        return True
    try:
        import asyncio

        task = asyncio.current_task()
    except RuntimeError:
        return True  # not asyncio: assume the cancellation is real
    return task is None or task.cancelling() > 0


async def _run_on_loop(
    tool: Tool,
    arguments: dict[str, Any],
    timeout: float | None,
    limiter: anyio.CapacityLimiter | None,
    max_chars: int,
    context: RunContext[Any] | None = None,
) -> ToolOutcome:
    """An async tool on the run's own event loop (`isolation="loop"`, or a tool without `fn`).

    Its exceptions are its own, even `CancelledError`, unless the enclosing scope is being
    cancelled; a `KeyboardInterrupt` here may be a real Ctrl-C, so it stops the run.
    """
    if limiter is not None:
        try:  # a free slot: no extra turn of the event loop
            limiter.acquire_nowait()
        except anyio.WouldBlock:
            await limiter.acquire()
    try:
        with anyio.move_on_after(timeout):
            value = await (
                tool.acall(arguments) if context is None else tool.acall(arguments, context)
            )
            return ToolOutcome(value=observe(value, max_chars))
        return ToolOutcome(
            error=f"TimeoutError: tool {tool.name!r} did not finish within {timeout} s",
            kind="timeout",
        )
    except anyio.get_cancelled_exc_class() as exc:
        if _outer_cancellation():
            raise
        return ToolOutcome(error=observe_error(exc, max_chars), kind="exception")
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        return ToolOutcome(error=observe_error(exc, max_chars), kind="exception")
    finally:
        if limiter is not None:
            limiter.release()


#: Leaf types copied by reference (immutable).
_ATOMS = (str, int, float, bool, type(None))


def copy_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of JSON arguments (without recursion), so a tool cannot rewrite the call."""
    root: dict[str, Any] = {}
    stack: list[tuple[Any, Any]] = [(arguments, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in items:
            kind = type(value)
            if kind in _ATOMS:  # the usual leaf, decided without an ABC check
                target[key] = value
                continue
            if kind is dict or isinstance(value, Mapping):
                child: Any = {}
            elif isinstance(value, list):
                child = [None] * len(value)
            else:
                child = value if isinstance(value, _ATOMS) else None
                if child is None and value is not None:
                    try:
                        child = copy.deepcopy(value)
                    except Exception:
                        child = value
                target[key] = child
                continue
            target[key] = child
            stack.append((value, child))
    return root


async def _ask_approval(
    call: ToolCall, tool: Tool, hook: ApprovalHook | Literal["defer"] | None
) -> str | None:
    """None when the call may run, else the refusal the model will read."""
    if hook == "defer":  # only an agent run can pause; here nobody can be asked
        return f"the user refused to run tool {call.name!r}: its approval is deferred"
    if hook is None:
        return (
            f"the user refused to run tool {call.name!r}: it requires approval and no "
            "approval hook is configured"
        )
    try:
        verdict = hook(call, tool)
        if inspect.isawaitable(verdict):
            verdict = await verdict
    except Exception as exc:
        return f"the user refused to run tool {call.name!r}: approval failed ({exc})"
    if verdict:
        return None
    return f"the user refused to run tool {call.name!r}"
