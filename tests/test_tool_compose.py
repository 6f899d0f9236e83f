"""Composing tools: combine, filter, prefix, and prepare per step from the run context."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from lamagent import Agent, RunContext, ScriptedBackend, ToolCall, tool
from lamagent.errors import ToolDefinitionError
from lamagent.tools import Tool
from lamagent.tools.compose import combine, filtered, prefixed, prepared

WEATHER_SERVER = Path(__file__).parent / "mcp_servers" / "weather_server.py"


@tool
def search(text: str) -> list[str]:
    """Search the documents."""
    return [f"doc about {text}"]


@tool
def delete(doc: str) -> str:
    """Delete a document."""
    return f"deleted {doc}"


@tool
def archive(doc: str) -> str:
    """Archive a document."""
    return f"archived {doc}"


@dataclass
class User:
    admin: bool


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def listed(toolset: object) -> list[str]:
    async def names() -> list[str]:
        async with toolset:  # type: ignore[attr-defined]
            return [t.name for t in await toolset.list_tools()]  # type: ignore[attr-defined]

    return anyio.run(names)


def test_combine_filter_and_prefix_plain_tools() -> None:
    both = combine(search, [delete, archive])
    assert listed(both) == ["search", "delete", "archive"]
    assert listed(filtered(both, lambda t: t.name != "delete")) == ["search", "archive"]
    assert listed(prefixed([search, delete], "docs")) == ["docs_search", "docs_delete"]
    assert search.name == "search"  # the originals keep their names


def test_a_prefixed_tool_runs_the_original_function() -> None:
    backend = ScriptedBackend.calls([[call("docs_search", text="llamas")], "found one"])
    result = Agent(backend, tools=[prefixed(search, "docs")]).run("llamas?")
    record = result.trajectory.steps[0].calls[0]
    assert record.error is None and record.result == ["doc about llamas"]
    assert "docs_search" in backend.requests[0][0]


def test_prefixed_mcp_server_tools() -> None:
    pytest.importorskip("mcp")
    from lamagent.mcp import MCPServerStdio

    server = MCPServerStdio(sys.executable, [str(WEATHER_SERVER)])
    backend = ScriptedBackend.calls([[call("wx_get_weather", city="Paris")], "sunny"])
    agent = Agent(backend, tools=[filtered(prefixed(server, "wx"), lambda t: "weather" in t.name)])
    result = agent.run("weather in Paris?")
    record = result.trajectory.steps[0].calls[0]
    assert record.error is None, record.result
    assert "Paris: sunny, 21 C" in str(record.result)
    assert "wx_forecast" not in backend.requests[0][0]  # filtered out


def only_search_until_step_2(ctx: RunContext[User], tools: list[Tool]) -> list[Tool]:
    """Destructive tools for admins only, and never in the first step."""
    if ctx.deps.admin and ctx.step >= 2:
        return tools
    return [t for t in tools if t.name == "search"]


def test_prepared_tools_change_per_step() -> None:
    backend = ScriptedBackend.calls(
        [[call("delete", doc="a")], [call("delete", doc="a")], "done"], supports_constraint=False
    )
    agent = Agent(backend, tools=[prepared([search, delete], only_search_until_step_2)])
    result = agent.run("delete doc a", deps=User(admin=True))
    first, second, _ = result.trajectory.steps
    # step 1: delete is not offered, so the call is rejected as an unknown tool
    assert first.calls[0].error is not None and first.calls[0].error.kind == "unknown_tool"
    assert '"delete"' not in backend.requests[0][0]
    # step 2: offered and run
    assert second.calls[0].error is None and second.calls[0].result == "deleted a"
    assert '"delete"' in backend.requests[1][0]


def test_prepared_tools_follow_the_deps_and_may_be_async() -> None:
    async def admins_only(ctx: RunContext[User], tools: list[Tool]) -> list[Tool]:
        await anyio.sleep(0)
        return tools if ctx.deps.admin else []

    backend = ScriptedBackend.calls([[call("archive", doc="a")], "ok"])
    agent = Agent(backend, tools=[search, prepared(archive, admins_only)])
    result = agent.run("archive a", deps=User(admin=False))
    assert result.trajectory.steps[0].calls[0].error is not None
    assert '"search"' in backend.requests[0][0] and '"archive"' not in backend.requests[0][0]


def test_prepared_constraint_leaves_the_tool_out_of_the_grammar() -> None:
    backend = ScriptedBackend.calls([[call("search", text="x")], "done"], supports_constraint=True)
    agent = Agent(backend, tools=[prepared([search, delete], only_search_until_step_2)])
    agent.run("find x", deps=User(admin=False))
    grammar = backend.requests[0][1].constraint
    assert grammar is not None and "delete" not in str(grammar.json_schema)


def test_prepare_must_return_tools_it_was_given() -> None:
    stray = prepared([search], lambda ctx, tools: [delete])
    backend = ScriptedBackend.calls([[call("search", text="x")], "done"])
    with pytest.raises(ToolDefinitionError, match="only return tools it was given"):
        Agent(backend, tools=[stray]).run("x")
