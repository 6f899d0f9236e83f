"""Run a turn's verified tool calls: concurrently, each under a timeout, results in call order.

Failures are data here. A tool that raises, runs past its timeout or is refused approval gives
an error observation (`{"error": "TimeoutError: ..."}`) that the model sees on its next turn,
and an `Execution.error_kind` the trajectory records. Results are made JSON-able (pydantic
models, dataclasses, sets, bytes) and capped in size so one tool cannot flood the context.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

import anyio

from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

#: Decides whether a call of a tool marked `requires_approval` may run (sync or async).
ApprovalHook = Callable[[ToolCall, "Tool"], bool | Awaitable[bool]]
ToolErrorKind = Literal["exception", "timeout", "refused", "duplicate"]

DEFAULT_MAX_OUTPUT_CHARS = 16_000


@dataclass(frozen=True)
class ExecutionPolicy:
    """How a turn's calls run: timeout, concurrency, output cap and the approval hook."""

    timeout: float | None = 30.0
    parallel: bool = True
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS
    approval: ApprovalHook | None = None


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
    return call.name + "\x00" + json.dumps(call.arguments, sort_keys=True, default=str)


async def execute_calls(
    calls: Sequence[tuple[int, ToolCall, Tool]],
    policy: ExecutionPolicy,
    limiter: anyio.CapacityLimiter | None = None,
) -> list[Execution]:
    """Run `(index, call, tool)` items and return one Execution per item, in the given order.

    Identical calls (same name and arguments) run once unless the tool sets `allow_duplicates`;
    later copies share the first result and are marked `duplicate`. With `policy.parallel`
    the calls overlap (async tools on the event loop, sync tools in worker threads), at most
    `limiter.total_tokens` at a time.
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
        results[pos] = await _execute_one(index, call, tool, policy, limiter)

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
) -> Execution:
    start = time.perf_counter()
    if getattr(tool, "requires_approval", False):
        refusal = await _ask_approval(call, tool, policy.approval)
        if refusal is not None:
            return Execution(index, call, {"error": refusal}, "refused", refusal)
    timeout = tool.timeout if tool.timeout is not None else policy.timeout
    try:
        if limiter is not None:
            async with limiter:
                value = await _call_with_timeout(tool, call, timeout)
        else:
            value = await _call_with_timeout(tool, call, timeout)
    except TimeoutError:
        message = f"TimeoutError: tool {call.name!r} did not finish within {timeout} s"
        return Execution(
            index, call, {"error": message}, "timeout", message, time.perf_counter() - start
        )
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        return Execution(
            index, call, {"error": message}, "exception", message, time.perf_counter() - start
        )
    result = cap_output(to_jsonable(value), policy.max_output_chars)
    return Execution(index, call, result, seconds=time.perf_counter() - start)


async def _call_with_timeout(tool: Tool, call: ToolCall, timeout: float | None) -> Any:
    if timeout is None or math.isinf(timeout):
        return await _invoke(tool, call.arguments)
    with anyio.fail_after(timeout):
        return await _invoke(tool, call.arguments)


async def _invoke(tool: Tool, arguments: dict[str, Any]) -> Any:
    """Run the tool. A sync function runs in a worker thread that a timeout can abandon.

    (A thread cannot be interrupted; abandoning it lets the run go on with a timeout
    observation while the straggler finishes in the background.)
    """
    binder = getattr(tool, "_binder", None)
    if tool.is_async or tool.fn is None:
        return await tool.acall(arguments)
    args, kwargs = binder.bind(arguments) if binder is not None else ([], dict(arguments))
    result = await anyio.to_thread.run_sync(
        functools.partial(tool.fn, *args, **kwargs), abandon_on_cancel=True
    )
    if inspect.isawaitable(result):
        return await result
    return result


async def _ask_approval(call: ToolCall, tool: Tool, hook: ApprovalHook | None) -> str | None:
    """None when the call may run, else the refusal the model will read."""
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


def to_jsonable(value: Any) -> Any:
    """A JSON-able form of a tool result.

    Pydantic models are dumped, dataclasses become dicts, sets and tuples become lists, bytes
    become a short note (raw bytes mean nothing to a language model), enums their value,
    paths strings, and anything else its `str()`.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes of binary data>"
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump) and not isinstance(value, type):
        return to_jsonable(model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, PurePath):
        return str(value)
    return str(value)


def cap_output(value: Any, max_chars: int) -> Any:
    """`value` unchanged when its JSON text fits `max_chars`, else its text cut with a note."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) <= max_chars:
        return value
    return text[:max_chars] + f"\n[output truncated: showing {max_chars} of {len(text)} characters]"
