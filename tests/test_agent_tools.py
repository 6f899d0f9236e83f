"""Tool execution inside the loop: concurrency, timeouts, failures, duplicates, output caps."""

from __future__ import annotations

import dataclasses
import threading
import time

import anyio
import pytest
from pydantic import BaseModel

from lamagent import Agent, ScriptedBackend, Tool, ToolCall, tool
from lamagent.tools.execute import cap_output, to_jsonable


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@tool
def sleep_sync(i: int) -> int:
    """Sleep 0.2 s in a thread (I/O-bound), return i."""
    time.sleep(0.2)
    return i


@tool
async def sleep_async(i: int) -> int:
    """Sleep 0.2 s without blocking, return i."""
    await anyio.sleep(0.2)
    return i


def eight_calls(name: str) -> ScriptedBackend:
    return ScriptedBackend.calls([[call(name, i=i) for i in range(8)], "done"])


@pytest.mark.parametrize("name", ["sleep_sync", "sleep_async"])
def test_calls_in_one_turn_really_overlap(name: str) -> None:
    agent = Agent(eight_calls(name), tools=[sleep_sync, sleep_async])
    start = time.perf_counter()
    result = agent.run("go")
    elapsed = time.perf_counter() - start
    assert result.trajectory.steps[0].next_observation == list(range(8))
    assert elapsed < 0.5, f"eight 0.2 s tools took {elapsed:.2f} s"


def test_parallel_tool_calls_false_runs_them_one_by_one() -> None:
    backend = ScriptedBackend.calls([[call("sleep_async", i=i) for i in range(3)], "done"])
    start = time.perf_counter()
    result = Agent(backend, tools=[sleep_async], parallel_tool_calls=False).run("go")
    assert time.perf_counter() - start >= 0.6
    assert result.trajectory.steps[0].next_observation == [0, 1, 2]


def test_max_concurrency_bounds_running_tools() -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    @tool
    def track(i: int) -> int:
        """Count how many run at once."""
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return i

    backend = ScriptedBackend.calls([[call("track", i=i) for i in range(6)], "done"])
    Agent(backend, tools=[track], max_concurrency=2).run("go")
    assert peak == 2


@tool(timeout=0.2)
def hangs() -> str:
    """Never returns in time."""
    time.sleep(1.0)
    return "late"


@tool
async def hangs_async() -> str:
    """Never returns in time."""
    await anyio.sleep(5)
    return "late"


def test_a_sync_tool_timeout_becomes_an_error_observation_promptly() -> None:
    backend = ScriptedBackend.calls([[call("hangs")], "gave up"])
    start = time.perf_counter()
    result = Agent(backend, tools=[hangs]).run("x")
    assert time.perf_counter() - start < 0.8
    step = result.trajectory.steps[0]
    assert step.next_observation == [
        {"error": "TimeoutError: tool 'hangs' did not finish within 0.2 s"}
    ]
    assert [(e.kind, e.tool, e.index) for e in step.tool_errors] == [("timeout", "hangs", 0)]
    assert "did not finish within 0.2 s" in backend.requests[1][0]
    assert result.outcome == "answer"


def test_the_agent_tool_timeout_applies_to_tools_without_their_own() -> None:
    backend = ScriptedBackend.calls([[call("hangs_async")], "gave up"])
    start = time.perf_counter()
    result = Agent(backend, tools=[hangs_async], tool_timeout=0.1).run("x")
    assert time.perf_counter() - start < 1.0
    assert result.trajectory.steps[0].tool_errors[0].kind == "timeout"


def test_a_tool_exception_is_an_observation_not_a_crash() -> None:
    @tool
    def divide(a: float, b: float) -> float:
        """Divide a by b."""
        return a / b

    backend = ScriptedBackend.calls([[call("divide", a=1, b=0)], "cannot divide by zero"])
    result = Agent(backend, tools=[divide]).run("1/0")
    step = result.trajectory.steps[0]
    assert step.next_observation == [{"error": "ZeroDivisionError: float division by zero"}]
    assert step.tool_errors[0].kind == "exception"
    assert "ZeroDivisionError" in backend.requests[1][0]
    assert result.outcome == "answer"


def test_identical_calls_in_a_turn_run_once() -> None:
    runs: list[str] = []

    @tool
    def lookup(key: str) -> str:
        """Look a key up."""
        runs.append(key)
        return key.upper()

    same = [call("lookup", key="a"), call("lookup", key="b"), call("lookup", key="a")]
    result = Agent(ScriptedBackend.calls([same, "ok"]), tools=[lookup]).run("x")
    step = result.trajectory.steps[0]
    assert sorted(runs) == ["a", "b"]
    assert step.next_observation == ["A", "B", "A"]
    # a duplicate is not an error: it points at the call whose result it shares
    assert [c.duplicate_of for c in step.calls] == [None, None, 0]
    assert step.tool_errors == [] and step.error_kinds == []
    assert step.calls[2].seconds is None and step.calls[0].seconds is not None


def test_allow_duplicates_runs_every_copy() -> None:
    runs: list[int] = []

    def roll() -> int:
        """Roll a die."""
        runs.append(1)
        return len(runs)

    dice = Tool.from_function(roll, allow_duplicates=True)
    backend = ScriptedBackend.calls([[call("roll"), call("roll")], "ok"])
    step = Agent(backend, tools=[dice]).run("x").trajectory.steps[0]
    assert len(runs) == 2
    assert sorted(step.next_observation) == [1, 2]
    assert step.tool_errors == []


def test_huge_output_is_truncated_with_a_note() -> None:
    @tool
    def dump() -> str:
        """A lot of text."""
        return "x" * 10_000

    backend = ScriptedBackend.calls([[call("dump")], "ok"])
    step = Agent(backend, tools=[dump], max_output_chars=500).run("x").trajectory.steps[0]
    observed = step.next_observation[0]
    assert observed.startswith("x" * 500)
    assert "[output truncated: showing 500 of 10000 characters]" in observed
    assert len(observed) < 600


class Point(BaseModel):
    x: int
    y: int


@dataclasses.dataclass
class Box:
    name: str
    tags: set[str]


def test_results_are_made_json_able() -> None:
    assert to_jsonable(Point(x=1, y=2)) == {"x": 1, "y": 2}
    assert to_jsonable(Box("b", {"z", "a"})) == {"name": "b", "tags": ["a", "z"]}
    assert to_jsonable(b"\x00\x01\x02") == "<3 bytes of binary data>"
    assert to_jsonable((1, {2})) == [1, [2]]
    assert to_jsonable(object).startswith("<class")
    assert cap_output({"k": "v"}, 100) == {"k": "v"}


def test_pydantic_results_reach_the_model_as_json() -> None:
    @tool
    def where() -> Point:
        """Where am I."""
        return Point(x=3, y=4)

    backend = ScriptedBackend.calls([[call("where")], "ok"])
    step = Agent(backend, tools=[where]).run("x").trajectory.steps[0]
    assert step.next_observation == [{"x": 3, "y": 4}]
    assert '{"x": 3, "y": 4}' in backend.requests[1][0]


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Delete a file."""
    return f"deleted {path}"


def test_approval_hook_allows_a_call() -> None:
    asked: list[tuple[str, str]] = []

    def approve(c: ToolCall, t: Tool) -> bool:
        asked.append((c.name, t.name))
        return True

    backend = ScriptedBackend.calls([[call("delete_file", path="/tmp/a")], "done"])
    step = Agent(backend, tools=[delete_file], approval=approve).run("x").trajectory.steps[0]
    assert asked == [("delete_file", "delete_file")]
    assert step.next_observation == ["deleted /tmp/a"]


def test_async_approval_hook_can_refuse() -> None:
    async def refuse(c: ToolCall, t: Tool) -> bool:
        await anyio.sleep(0)
        return c.arguments["path"] != "/etc/passwd"

    calls = [call("delete_file", path="/etc/passwd"), call("delete_file", path="/tmp/b")]
    backend = ScriptedBackend.calls([calls, "done"])
    step = Agent(backend, tools=[delete_file], approval=refuse).run("x").trajectory.steps[0]
    assert step.next_observation[0] == {"error": "the user refused to run tool 'delete_file'"}
    assert step.next_observation[1] == "deleted /tmp/b"
    assert [(e.kind, e.index) for e in step.tool_errors] == [("refused", 0)]


def test_no_approval_hook_means_refusal() -> None:
    backend = ScriptedBackend.calls([[call("delete_file", path="/tmp/c")], "done"])
    step = Agent(backend, tools=[delete_file]).run("x").trajectory.steps[0]
    assert "refused" in step.next_observation[0]["error"]
    assert "no approval hook" in step.next_observation[0]["error"]
    assert step.tool_errors[0].kind == "refused"


def test_a_tools_own_isolation_wins_over_the_agents() -> None:
    def where() -> str:
        """Name the thread running the call."""
        return threading.current_thread().name

    local = Tool.from_function(where, isolation="thread")  # a closure: no process could run it
    backend = ScriptedBackend.calls([[call("where")], "ok"])
    result = Agent(backend, tools=[local], isolation="process").run("x")
    assert [m.content for m in result.messages if m.role == "tool"] == ["lamagent-tool where"]
