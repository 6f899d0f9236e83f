"""MCP tools: real MCP servers (written with the SDK's server API) behind lamagent agents.

The stdio server is a subprocess of each test; the HTTP server is started by the test on a free
127.0.0.1 port and killed at the end. Agents run on the scripted backend, and once on the
embedded GGUF model under constrained decoding.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

pytest.importorskip("mcp", reason="needs the mcp extra")

from lamagent import Agent, ScriptedBackend, Tool, ToolCall, tool
from lamagent.errors import ConfigError, ToolsetError
from lamagent.mcp import MCPServerHTTP, MCPServerStdio
from lamagent.tools.loader import load_tools
from lamagent.tools.toolset import is_toolset

SERVERS = Path(__file__).parent / "mcp_servers"
WEATHER = SERVERS / "weather_server.py"
CALCULATOR = SERVERS / "calculator_tools.py"


def weather_stdio(**kwargs: object) -> MCPServerStdio:
    return MCPServerStdio(sys.executable, [str(WEATHER)], **kwargs)  # type: ignore[arg-type]


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@tool
def local_time(city: str) -> str:
    """The local time in a city."""
    return f"12:00 in {city}"


def test_stdio_server_tools_are_listed_with_their_schemas() -> None:
    async def main() -> None:
        async with weather_stdio() as server:
            tools = {t.name: t for t in await server.list_tools()}
        assert {"get_weather", "forecast", "weather_map", "slow"} <= set(tools)
        weather = tools["get_weather"]
        assert weather.description == "The current weather in a city."
        assert weather.parameters["required"] == ["city"]
        assert weather.parameters["properties"]["city"]["type"] == "string"
        assert not server.is_connected

    anyio.run(main)


def test_agent_calls_a_stdio_server_tool_and_reads_its_result() -> None:
    backend = ScriptedBackend.calls(
        [[call("get_weather", city="Paris"), call("local_time", city="Paris")], "Sunny."]
    )
    agent = Agent(backend, tools=[weather_stdio(), local_time])
    result = agent.run("Weather in Paris?")
    assert result.outcome == "answer", result.error
    step = result.trajectory.steps[0]
    assert step.next_observation == ["Paris: sunny, 21 C", "12:00 in Paris"]
    assert [s["name"] for s in result.trajectory.tools] == [
        "get_weather",
        "forecast",
        "weather_map",
        "slow",
        "crash",
        "client_name",
        "enable_air_quality",
        "local_time",
    ]
    assert "Paris: sunny, 21 C" in backend.requests[1][0]


def test_is_error_result_is_a_tool_failure_the_model_reads() -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Atlantis")], "No station."])
    result = Agent(backend, tools=[weather_stdio()]).run("Weather in Atlantis?")
    assert result.outcome == "answer"
    record = result.trajectory.steps[0].calls[0]
    assert record.error is not None and record.error.kind == "exception"
    assert "no weather station in 'Atlantis'" in record.result["error"]
    assert record.result["error"].startswith("RemoteToolError:")
    assert "no weather station" in backend.requests[1][0]


def test_structured_content_and_several_blocks_with_an_image() -> None:
    backend = ScriptedBackend.calls(
        [[call("forecast", city="Paris", days=2), call("weather_map", city="Paris")], "ok"]
    )
    result = Agent(backend, tools=[weather_stdio()]).run("Forecast?")
    structured, blocks = result.trajectory.steps[0].next_observation
    assert structured == {"city": "Paris", "days": 2, "temperatures": [20, 21]}
    assert blocks == ["map of Paris", "[image: image/png, 24 bytes]"]


def test_calls_are_verified_against_the_server_schema_before_they_are_sent() -> None:
    backend = ScriptedBackend.calls(
        [[call("forecast", city="Paris", days="many"), call("get_weather")], "ok"]
    )
    result = Agent(backend, tools=[weather_stdio()]).run("Forecast?")
    wrong_type, missing = result.trajectory.steps[0].calls
    assert wrong_type.error is not None and wrong_type.error.kind == "wrong_type"
    assert missing.error is not None and missing.error.kind == "missing_argument"
    assert wrong_type.seconds is None and missing.seconds is None  # never executed


def test_a_server_killed_mid_run_gives_error_observations_not_a_crash() -> None:
    backend = ScriptedBackend.calls(
        [[call("crash")], [call("get_weather", city="Paris")], "The server is gone."]
    )
    result = Agent(backend, tools=[weather_stdio()], tool_timeout=10).run("Weather?")
    assert result.outcome == "answer", result.error
    crashed, after = (s.calls[0] for s in result.trajectory.steps[:2])
    assert crashed.error is not None and "error" in crashed.result
    assert after.error is not None and "error" in after.result


def test_a_hanging_tool_times_out_and_the_server_keeps_serving() -> None:
    backend = ScriptedBackend.calls(
        [[call("slow", seconds=30)], [call("get_weather", city="London")], "Rain."]
    )
    started = time.perf_counter()
    result = Agent(backend, tools=[weather_stdio()], tool_timeout=1.0).run("Weather?")
    assert time.perf_counter() - started < 20
    timed_out = result.trajectory.steps[0].calls[0]
    assert timed_out.error is not None and timed_out.error.kind == "timeout"
    assert result.trajectory.steps[1].next_observation == ["London: rain, 14 C"]


def test_garbage_from_a_broken_server_ends_as_error_observations() -> None:
    broken = MCPServerStdio(sys.executable, [str(SERVERS / "garbage_server.py")], tool_timeout=1)
    backend = ScriptedBackend.calls([[call("broken"), call("silent")], "Broken."])
    result = Agent(backend, tools=[broken]).run("Anything?")
    assert result.outcome == "answer", result.error
    wrong_shape, no_answer = result.trajectory.steps[0].calls
    assert wrong_shape.error is not None and wrong_shape.error.kind == "exception"
    assert "answered with an invalid result" in wrong_shape.result["error"]
    assert no_answer.error is not None and no_answer.error.kind == "timeout"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_tools_list_changed_is_honoured_before_the_next_step(mode: str) -> None:
    backend = ScriptedBackend.calls(
        [[call("enable_air_quality")], [call("air_quality", city="Paris")], "Good air."]
    )
    result = Agent(backend, tools=[weather_stdio(mode=mode)]).run("Air in Paris?")
    assert result.outcome == "answer", result.error
    assert '"air_quality"' not in backend.requests[0][0]
    assert '"air_quality"' in backend.requests[1][0]  # the second prompt offers the new tool
    assert result.trajectory.steps[1].next_observation == ["Paris: good"]


def test_name_prefix_avoids_clashes_and_calls_the_server_name() -> None:
    @tool(name="wx_get_weather_local")
    def local(city: str) -> str:
        """A local weather tool with a similar name."""
        return "local"

    backend = ScriptedBackend.calls([[call("wx_get_weather", city="Paris")], "ok"])
    agent = Agent(backend, tools=[weather_stdio(name_prefix="wx"), local])
    result = agent.run("Weather?")
    names = [s["name"] for s in result.trajectory.tools]
    assert "wx_get_weather" in names and "get_weather" not in names
    assert result.trajectory.steps[0].next_observation == ["Paris: sunny, 21 C"]


def test_a_clash_without_prefix_is_a_definition_error() -> None:
    @tool
    def get_weather(city: str) -> str:
        """Clashes with the server's tool."""
        return city

    agent = Agent(ScriptedBackend.calls(["x"]), tools=[weather_stdio(), get_weather])
    with pytest.raises(Exception, match="two tools are named 'get_weather'"):
        agent.run("hi")


def test_an_agent_used_as_a_context_manager_keeps_the_server_across_runs() -> None:
    server = weather_stdio()
    backend = ScriptedBackend.calls(
        [
            [call("get_weather", city="Paris")],
            "a",
            [call("get_weather", city="London")],
            "b",
            [call("get_weather", city="Paris")],
            "c",
        ]
    )
    agent = Agent(backend, tools=[server])

    async def main() -> None:
        async with agent:
            first = await agent.arun("Paris?")
            assert server.is_connected
            second = await agent.arun("London?")
        assert not server.is_connected
        assert first.trajectory.steps[0].next_observation == ["Paris: sunny, 21 C"]
        assert second.trajectory.steps[0].next_observation == ["London: rain, 14 C"]

    anyio.run(main)
    assert agent.run("again?").trajectory.steps[0].next_observation == ["Paris: sunny, 21 C"]
    assert not server.is_connected  # a plain run opens and closes it again


def test_a_server_that_cannot_start_raises_toolset_error() -> None:
    agent = Agent(ScriptedBackend.calls(["x"]), tools=[MCPServerStdio("/nonexistent/server")])
    with pytest.raises(ToolsetError, match="could not be started"):
        agent.run("hi")


def test_a_server_that_never_answers_times_out_at_connect() -> None:
    never = ["-c", "import time; time.sleep(60)"]
    silent = MCPServerStdio(sys.executable, never, connect_timeout=1)
    started = time.perf_counter()
    with pytest.raises(ToolsetError, match="did not start within connect_timeout=1"):
        Agent(ScriptedBackend.calls(["x"]), tools=[silent]).run("hi")
    assert time.perf_counter() - started < 15
    assert not silent.is_connected


# -- the toolset mechanism, without MCP ---------------------------------------------------------


class CountingToolset:
    """A toolset in this process: counts opens and closes, and can change its tools."""

    def __init__(self) -> None:
        self.opened = self.closed = 0
        self.changed = False
        self.tools = [local_time]

    async def list_tools(self) -> list[Tool]:
        self.changed = False
        return list(self.tools)

    async def __aenter__(self) -> CountingToolset:
        self.opened += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.closed += 1


def test_toolsets_open_per_run_or_once_for_arun_many() -> None:
    toolset = CountingToolset()
    assert is_toolset(toolset) and not is_toolset(local_time)
    backend = ScriptedBackend.calls(["a", "b", "c", "d"])
    agent = Agent(backend, tools=[toolset])
    assert agent.toolbox.names == []  # its tools exist once it is open
    agent.run("one")
    assert (toolset.opened, toolset.closed) == (1, 1)
    agent.run_many(["two", "three"], concurrency=2)
    assert (toolset.opened, toolset.closed) == (2, 2)
    session = agent.session()
    session.send("four")
    assert (toolset.opened, toolset.closed) == (3, 3)


def test_a_changed_toolset_is_listed_again_before_the_next_step() -> None:
    toolset = CountingToolset()

    @tool
    def announce() -> str:
        """Adds a tool to the toolset and marks it changed."""
        toolset.tools.append(add_numbers)
        toolset.changed = True
        return "added"

    @tool
    def add_numbers(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    backend = ScriptedBackend.calls([[call("announce")], [call("add_numbers", a=1, b=2)], "3"])
    result = Agent(backend, tools=[toolset, announce]).run("1 + 2?")
    assert result.trajectory.steps[1].next_observation == [3]
    assert "add_numbers" not in backend.requests[0][0] and "add_numbers" in backend.requests[1][0]


# -- the tools loader ----------------------------------------------------------------------------


def test_load_tools_from_a_file_a_file_attribute_and_errors() -> None:
    assert [t.name for t in load_tools(str(CALCULATOR))] == ["add", "divide"]
    assert [t.name for t in load_tools(f"{CALCULATOR}:add")] == ["add"]
    with pytest.raises(ConfigError, match="no attribute 'nope'"):
        load_tools(f"{CALCULATOR}:nope")
    with pytest.raises(ConfigError, match="no tools found"):
        load_tools(str(SERVERS / "__init__.py"))
    with pytest.raises(ConfigError, match="no such tools file"):
        load_tools("missing_tools.py")


# -- streamable HTTP ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the MCP HTTP server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the MCP HTTP server did not start")


def _start(*args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [*args, "--http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for_port(port, proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, port


@pytest.fixture(scope="module")
def http_weather() -> Iterator[str]:
    proc, port = _start(sys.executable, str(WEATHER))
    yield f"http://127.0.0.1:{port}/mcp"
    proc.kill()
    proc.wait()


def test_agent_calls_a_tool_over_streamable_http(http_weather: str) -> None:
    server = MCPServerHTTP(http_weather, headers={"X-Client": "lamagent-tests"}, name_prefix="w")
    backend = ScriptedBackend.calls(
        [
            [
                call("w_get_weather", city="London"),
                call("w_get_weather", city="Nowhere"),
                call("w_client_name"),
            ],
            "Rain.",
        ]
    )
    result = Agent(backend, tools=[server]).run("Weather in London?")
    assert result.outcome == "answer", result.error
    ok, failed, client = result.trajectory.steps[0].calls
    assert ok.result == "London: rain, 14 C"
    assert client.result == "lamagent-tests"  # the headers went with the request
    assert failed.error is not None and "no weather station" in failed.result["error"]


def test_http_server_unreachable_raises_toolset_error() -> None:
    server = MCPServerHTTP(f"http://127.0.0.1:{_free_port()}/mcp", connect_timeout=5)
    agent = Agent(ScriptedBackend.calls(["x"]), tools=[server])
    with pytest.raises(ToolsetError):
        agent.run("hi")


# -- lamagent mcp serve ------------------------------------------------------------------------


def test_lamagent_mcp_serve_exposes_a_files_tools_over_stdio() -> None:
    server = MCPServerStdio(sys.executable, ["-m", "lamagent", "mcp", "serve", str(CALCULATOR)])
    backend = ScriptedBackend.calls(
        [[call("add", a=2, b=3), call("divide", a=1, b=0), call("divide", a=3, b=2)], "5"]
    )

    async def main() -> None:
        async with server:
            listed = {t.name: t for t in await server.list_tools()}
            assert set(listed) == {"add", "divide"}
            assert listed["add"].parameters["properties"]["a"] == {
                "type": "integer",
                "description": "the first number",
            }
            agent = Agent(backend, tools=[server])
            result = await agent.arun("2 + 3?")
            added, by_zero, divided = result.trajectory.steps[0].calls
            assert added.result == "5"  # a plain value travels as text
            assert by_zero.error is not None and "ZeroDivisionError" in by_zero.result["error"]
            assert divided.result == {"quotient": 1.5}

    anyio.run(main)


def test_lamagent_mcp_serve_over_http() -> None:
    proc, port = _start(sys.executable, "-m", "lamagent", "mcp", "serve", f"{CALCULATOR}:add")
    try:
        server = MCPServerHTTP(f"http://127.0.0.1:{port}/mcp")
        backend = ScriptedBackend.calls([[call("add", a=20, b=22)], "42"])
        result = Agent(backend, tools=[server]).run("20 + 22?")
        assert [t["name"] for t in result.trajectory.tools] == ["add"]
        assert result.trajectory.steps[0].next_observation == ["42"]
    finally:
        proc.kill()
        proc.wait()


# -- the embedded model ------------------------------------------------------------------------


@pytest.mark.gguf
@pytest.mark.slow
def test_embedded_model_calls_an_mcp_tool_under_constrained_decoding() -> None:
    pytest.importorskip("llama_cpp")
    from gguf_model import shared_backend

    backend = shared_backend()
    backend.reset_cache()
    agent = Agent(
        backend, tools=[weather_stdio()], tool_choice="get_weather", max_steps=1, max_tokens=32
    )
    result = agent.run("What's the weather in Paris?")
    assert agent.constrained is not False and agent.backend.supports_constraint
    step = result.trajectory.steps[0]
    assert step.parse_error is None and step.call_errors == []
    record = step.calls[0]
    assert record.verified is not None and record.verified["name"] == "get_weather"
    city = record.verified["arguments"]["city"]
    expected = f"{city}: sunny, 21 C" if city == "Paris" else None
    assert record.result == expected or "no weather station" in record.result["error"]
