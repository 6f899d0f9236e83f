"""A tool parameter annotated `RunContext` receives the run's context, never the model's input."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import anyio
import pytest

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.context import RunContext
from lamagent.errors import ToolDefinitionError
from lamagent.tools import Tool


@dataclass
class Shop:
    """Application state a tool needs (what `deps` is for)."""

    owner: str
    stock: dict[str, int]


@tool
def stock_of(item: str, ctx: RunContext[Shop]) -> dict[str, object]:
    """How many of an item the shop has.

    Args:
        item: the item's name.
    """
    return {
        "count": ctx.deps.stock.get(item, 0),
        "owner": ctx.deps.owner,
        "run_id": ctx.run_id,
        "step": ctx.step,
        "call_id": ctx.call_id,
        "tool": ctx.tool_name,
        "prompt_tokens_so_far": ctx.usage.prompt_tokens,
        "has_deadline": ctx.deadline is not None,
    }


@tool
async def stock_async(item: str, ctx: RunContext[Shop]) -> int:
    """How many of an item the shop has (async)."""
    await anyio.sleep(0)
    return ctx.deps.stock.get(item, 0)


@tool(isolation="process")
def stock_in_process(item: str, ctx: RunContext[Shop]) -> int:
    """How many of an item the shop has (runs in a worker process)."""
    return ctx.deps.stock.get(item, 0)


@dataclass
class Locked:
    """Deps that cannot be pickled (they hold a lock)."""

    lock: threading.Lock


@tool(isolation="process")
def needs_lock(item: str, ctx: RunContext[Locked]) -> str:
    """A process tool whose deps cannot cross to the worker."""
    return item


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


SHOP = Shop(owner="Ada", stock={"apple": 3, "pear": 0})


def test_context_parameter_is_left_out_of_the_schema() -> None:
    assert stock_of.takes_context
    assert list(stock_of.parameters["properties"]) == ["item"]
    assert stock_of.parameters["required"] == ["item"]
    assert "ctx" not in str(stock_of.spec())


def test_a_call_that_sets_the_context_is_rejected() -> None:
    checked = stock_of.verify({"item": "apple", "ctx": {"deps": "forged"}})
    assert not hasattr(checked, "call")
    assert checked.kind == "unknown_argument"  # type: ignore[union-attr]


def test_sync_tool_receives_deps_run_id_step_and_call_id() -> None:
    backend = ScriptedBackend.calls([[call("stock_of", item="apple")], "3 apples"])
    result = Agent(backend, tools=[stock_of]).run("apples?", deps=SHOP)
    record = result.trajectory.steps[0].calls[0]
    seen = record.result
    assert seen["count"] == 3
    assert seen["owner"] == "Ada"
    assert seen["run_id"] == result.trajectory.unique_trajectory_id
    assert seen["step"] == 1
    assert seen["call_id"] == record.call_id
    assert seen["tool"] == "stock_of"
    assert seen["prompt_tokens_so_far"] > 0  # the usage of the turn that made the call
    assert seen["has_deadline"]  # the default tool timeout
    # the recorded call never contains the context
    assert record.call == {"name": "stock_of", "arguments": {"item": "apple"}}
    assert record.verified == {"name": "stock_of", "arguments": {"item": "apple"}}


def test_usage_so_far_grows_with_the_steps() -> None:
    backend = ScriptedBackend.calls(
        [[call("stock_of", item="apple")], [call("stock_of", item="pear")], "done"]
    )
    result = Agent(backend, tools=[stock_of]).run("apples and pears?", deps=SHOP)
    first, second = (s.calls[0].result for s in result.trajectory.steps[:2])
    assert second["step"] == 2
    assert second["prompt_tokens_so_far"] > first["prompt_tokens_so_far"]


@pytest.mark.parametrize("isolation", ["thread", "loop"])
def test_async_tool_receives_deps(isolation: str) -> None:
    backend = ScriptedBackend.calls([[call("stock_async", item="apple")], "3"])
    agent = Agent(backend, tools=[stock_async], isolation=isolation)
    result = agent.run("apples?", deps=SHOP)
    assert result.trajectory.steps[0].calls[0].result == 3


def test_stream_passes_deps() -> None:
    from lamagent.events import ToolResultEvent

    backend = ScriptedBackend.calls([[call("stock_async", item="apple")], "3"])
    events = list(Agent(backend, tools=[stock_async]).stream("apples?", deps=SHOP))
    results = [e.result for e in events if isinstance(e, ToolResultEvent)]
    assert results == [3]


def test_process_tool_receives_a_pickled_context() -> None:
    backend = ScriptedBackend.calls([[call("stock_in_process", item="apple")], "3"])
    result = Agent(backend, tools=[stock_in_process]).run("apples?", deps=SHOP)
    record = result.trajectory.steps[0].calls[0]
    assert record.error is None, record.result
    assert record.result == 3


def test_process_tool_with_unpicklable_deps_fails_with_a_clear_error() -> None:
    backend = ScriptedBackend.calls([[call("needs_lock", item="x")], "sorry"])
    result = Agent(backend, tools=[needs_lock]).run("go", deps=Locked(threading.Lock()))
    record = result.trajectory.steps[0].calls[0]
    assert record.error is not None and record.error.kind == "exception"
    message = record.result["error"]
    assert "cannot be sent" in message and "Locked" in message
    assert "isolation='thread'" in message
    assert result.outcome == "answer"  # an observation, not a crash


def test_without_deps_the_tool_gets_none() -> None:
    @tool
    def who(ctx: RunContext[None]) -> str:
        """Who runs this."""
        return repr(ctx.deps)

    backend = ScriptedBackend.calls([[call("who")], "nobody"])
    result = Agent(backend, tools=[who]).run("who?")
    assert result.trajectory.steps[0].calls[0].result == "None"


def test_a_tool_called_outside_a_run_gets_an_empty_context() -> None:
    @tool
    async def describe(ctx: RunContext[Shop | None]) -> str:
        """Who owns the shop, if anyone."""
        return ctx.deps.owner if ctx.deps is not None else f"no shop (run {ctx.run_id!r})"

    assert anyio.run(describe.acall, {}) == "no shop (run '')"
    assert anyio.run(describe.acall, {}, RunContext(deps=SHOP)) == "Ada"


def test_positional_only_context_and_plain_annotation() -> None:
    def counted(ctx: RunContext, /, n: int) -> int:  # type: ignore[type-arg]
        return n + (ctx.step or 0)

    t = Tool.from_function(counted)
    assert list(t.parameters["properties"]) == ["n"]
    args, kwargs = t.bind({"n": 2}, RunContext(step=5))
    assert counted(*args, **kwargs) == 7


def test_two_context_parameters_are_a_definition_error() -> None:
    def twice(a: RunContext[None], b: RunContext[None]) -> None:
        return None

    with pytest.raises(ToolDefinitionError, match="only one parameter"):
        Tool.from_function(twice)


def test_a_session_passes_its_deps_on_every_send() -> None:
    backend = ScriptedBackend.calls(
        [[call("stock_of", item="apple")], "3 apples", [call("stock_of", item="pear")], "none"]
    )
    chat = Agent(backend, tools=[stock_of]).session(deps=SHOP)
    chat.send("apples?")
    second = chat.send("and pears?")
    counts = [s.calls[0].result["count"] for s in second.trajectory.steps if s.calls]
    assert counts == [3, 0]
