"""Hostile tools: whatever a tool returns, raises, blocks on or mutates, the run goes on.

Each case runs the real Agent on the ScriptedBackend and asserts the run's outcome, the
observation the model reads on its next turn, and the bound (time, live threads, processes).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from child_signals import default_sigint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lamagent import Agent, ScriptedBackend, Tool, ToolCall, tool
from lamagent.messages import Message
from lamagent.result import RunResult
from lamagent.tools.execute import ExecutionPolicy
from lamagent.tools.isolation import POOL
from lamagent.tools.observation import cap_output, observe, to_jsonable
from lamagent.tools.workers import THREADS, abandoned_running
from lamagent.trajectory import MemoryStore

sys.path.insert(0, str(Path(__file__).parent))
import isolated_tools

ROOT = Path(__file__).resolve().parents[1]


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def observations(result: RunResult) -> list[Any]:
    """What the model read back from its tools, in call order."""
    return [m.content for m in result.messages if m.role == "tool"]


def run_one(t: Tool, *, answer: str = "done", **settings: Any) -> tuple[RunResult, float, str]:
    """One call of `t`, then an answer: the result, the seconds it took, the second prompt."""
    backend = ScriptedBackend.calls([[call(t.name)], answer])
    start = time.perf_counter()
    result = Agent(backend, tools=[t], **settings).run("go")
    seconds = time.perf_counter() - start
    return result, seconds, backend.requests[1][0] if len(backend.requests) > 1 else ""


def tool_threads() -> int:
    """Threads busy with a tool call (idle reusable ones are named "lamagent-tool-idle")."""
    return sum(1 for t in threading.enumerate() if t.name.startswith("lamagent-tool "))


def all_tool_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("lamagent-tool"))


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds blocking tools until the test ends, so no thread outlives it."""
    event = threading.Event()
    yield event
    event.set()
    assert wait_until(lambda: tool_threads() == 0), "tool threads outlived the test"


# -- class 4: bad return values become observations ------------------------------------------


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class Huge:
    def __str__(self) -> str:
        return "h" * 3_000_000


class BadMessage(Exception):
    def __str__(self) -> str:
        raise RuntimeError("cannot describe myself")


def _cyclic_list() -> list[Any]:
    value: list[Any] = [1]
    value.append(value)
    return value


def _cyclic_dict() -> dict[str, Any]:
    value: dict[str, Any] = {"a": 1}
    value["self"] = value
    return value


def _deep() -> list[Any]:
    value: list[Any] = []
    for _ in range(50_000):
        value = [value]
    return value


class BrokenMapping(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise OSError("cannot list")


HOSTILE_VALUES: dict[str, tuple[Callable[[], Any], str]] = {
    "huge int": (lambda: 10**5000, "<integer with 5001 digits>"),
    "cyclic list": (_cyclic_list, "<cycle"),
    "cyclic dict": (_cyclic_dict, "<cycle"),
    "unprintable object": (Unprintable, "<unprintable Unprintable object>"),
    "huge str": (Huge, "[output truncated: showing 2000 of 3000000 characters]"),
    "deep nesting": (_deep, "<nested deeper than"),
    "nan and inf": (lambda: [math.nan, math.inf, -math.inf], '"nan"'),
    "broken mapping": (lambda: BrokenMapping(a=1), "OSError: cannot list"),
    "million items": (lambda: list(range(1_000_000)), "[output truncated"),
    "mixed set": (lambda: {1, "a", None}, '"a"'),
}


@pytest.mark.parametrize("name", list(HOSTILE_VALUES))
def test_a_bad_return_value_becomes_an_observation(name: str) -> None:
    make, expected = HOSTILE_VALUES[name]

    def hostile() -> Any:
        """Return something hard to show."""
        return make()

    result, seconds, next_prompt = run_one(Tool.from_function(hostile), max_output_chars=2000)
    assert result.outcome == "answer", result.error
    [observed] = observations(result)
    text = observed if isinstance(observed, str) else json.dumps(observed)
    assert expected in text
    assert len(text) < 2100
    assert text[:50] in next_prompt or json.dumps(text)[1:50] in next_prompt
    assert seconds < 5


@pytest.mark.parametrize("isolation", ["thread", "process", "loop"])
def test_an_exception_that_cannot_describe_itself_is_an_observation(isolation: str) -> None:
    def raises_badly() -> None:
        """Raise an exception whose message cannot be printed."""
        raise BadMessage

    async def araises_badly() -> None:
        """Raise an exception whose message cannot be printed."""
        raise BadMessage

    fn = araises_badly if isolation == "loop" else raises_badly
    t = isolated_tools.unprintable if isolation == "process" else Tool.from_function(fn)
    result, _, _ = run_one(t, isolation=isolation)
    assert result.outcome == "answer", result.error
    [observed] = observations(result)
    if isolation == "process":
        assert observed == "<unprintable Unprintable object>"
    else:
        assert observed == {"error": "BadMessage: <message could not be printed>"}


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=4300, max_value=4500).map(lambda n: 7 * 10**n)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.binary(max_size=20)
)
python_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=5)
        | st.frozensets(st.integers() | st.text(max_size=3), max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=python_values, cap=st.integers(min_value=1, max_value=300))
def test_any_value_becomes_bounded_json(value: Any, cap: int) -> None:
    observed = observe(value, cap)
    if isinstance(observed, str):
        text = observed
    else:
        text = json.dumps(observed, allow_nan=False, ensure_ascii=False)
    assert len(text) <= cap or "[output truncated:" in text
    assert len(text) <= cap + 80


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=python_values)
def test_any_return_value_reaches_the_model(value: Any) -> None:
    def anything() -> Any:
        """Return the value under test."""
        return value

    result, _, next_prompt = run_one(Tool.from_function(anything), max_output_chars=500)
    assert result.outcome == "answer", result.error
    [observed] = observations(result)
    assert observed == observe(value, 500)
    assert result.answer == "done"
    assert next_prompt.count("<|im_start|>") >= 3


def test_conversion_helpers_never_raise_on_hostile_objects() -> None:
    assert to_jsonable(Unprintable()) == "<unprintable Unprintable object>"
    assert to_jsonable({Unprintable(): 1}) == {"<unprintable Unprintable object>": 1}
    assert to_jsonable(10**5000) == "<integer with 5001 digits>"
    assert cap_output("x" * 10, 4) == "xxxx\n[output truncated: showing 4 of 10 characters]"


# -- class 5: BaseExceptions are the tool's failure, a real cancellation stops the run ----------


def _raise(exc: BaseException) -> Callable[[], None]:
    def fails() -> None:
        """Raise."""
        raise exc

    return fails


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (SystemExit(3), "SystemExit: 3"),
        (KeyboardInterrupt(), "KeyboardInterrupt"),
        (asyncio.CancelledError(), "CancelledError"),
        (GeneratorExit(), "GeneratorExit"),
        (BaseException("odd"), "BaseException: odd"),
    ],
)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_base_exception_from_a_tool_is_its_failure(
    exc: BaseException, expected: str, kind: str
) -> None:
    raising = _raise(exc)

    async def araising() -> None:
        """Raise."""
        raising()

    t = Tool.from_function(raising if kind == "sync" else araising, name="fails")
    result, seconds, next_prompt = run_one(t)
    assert result.outcome == "answer", result.error
    assert observations(result) == [{"error": expected}]
    assert expected in next_prompt
    assert seconds < 2


@pytest.mark.parametrize(
    ("exc", "expected"),
    [(SystemExit(4), "SystemExit: 4"), (asyncio.CancelledError(), "CancelledError")],
)
def test_on_the_runs_own_loop_a_tools_own_exit_or_cancel_is_its_failure(
    exc: BaseException, expected: str
) -> None:
    async def araising() -> None:
        """Raise on the run's loop."""
        await anyio.sleep(0)
        raise exc

    t = Tool.from_function(araising, isolation="loop")
    result, _, _ = run_one(t)
    assert result.outcome == "answer", result.error
    assert observations(result) == [{"error": expected}]


@pytest.mark.parametrize("isolation", ["thread", "loop"])
def test_the_callers_cancellation_stops_the_run_and_is_recorded(
    isolation: str, gate: threading.Event
) -> None:
    @tool
    async def waits() -> str:
        """Wait until the test ends."""
        await anyio.sleep(10)
        return "late"

    store = MemoryStore()
    backend = ScriptedBackend.calls([[call("waits")], "done"])
    agent = Agent(backend, tools=[waits], store=store, isolation=isolation)

    async def main() -> float:
        start = time.perf_counter()
        with anyio.move_on_after(0.3):
            await agent.arun("go")
            raise AssertionError("the run was not cancelled")
        return time.perf_counter() - start

    assert anyio.run(main) < 3
    [trajectory] = list(store)
    assert trajectory.outcome == "incomplete"


def test_a_real_ctrl_c_stops_the_run(tmp_path: Path) -> None:
    script = tmp_path / "ctrl_c.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from lamagent import Agent, ScriptedBackend, ToolCall, tool
            from lamagent.trajectory import MemoryStore

            @tool
            def slow() -> str:
                '''Sleep.'''
                print("started", flush=True)
                time.sleep(30)
                return "late"

            store = MemoryStore()
            backend = ScriptedBackend.calls([[ToolCall(name="slow", arguments={})], "done"])
            try:
                Agent(backend, tools=[slow], store=store).run("go")
            except KeyboardInterrupt:
                print("outcome", list(store)[0].outcome, flush=True)
                sys.exit(7)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=default_sigint,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    # at once: a Ctrl-C that lands in the middle of the loop's own bookkeeping stops it too
    # (`lamagent._loop.interrupt`; tests/test_interrupt.py shows the race it closes)
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert time.perf_counter() - start < 10
    assert proc.returncode == 7
    assert "outcome incomplete" in out


# -- class 6: timeouts stop the work, and abandoned work is bounded ----------------------------


def test_fifty_timed_out_calls_keep_at_most_max_concurrency_threads(
    gate: threading.Event,
) -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    @tool(timeout=0.1)
    def stuck(i: int) -> int:
        """Block until released."""
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        gate.wait(30)
        with lock:
            running -= 1
        return i

    backend = ScriptedBackend.calls([[call("stuck", i=i) for i in range(50)], "done"])
    before = tool_threads()
    start = time.perf_counter()
    result = Agent(backend, tools=[stuck], max_concurrency=4).run("go")
    assert time.perf_counter() - start < 4
    assert tool_threads() - before <= 4
    assert all_tool_threads() <= 4 + THREADS.max_idle
    assert peak == 4
    assert result.outcome == "answer"
    observed = observations(result)
    assert len(observed) == 50
    assert all(o["error"].startswith("TimeoutError") for o in observed)
    assert sum("did not finish within 0.1 s" in o["error"] for o in observed) == 4
    assert "is held by a call that timed out" in observed[-1]["error"]


def test_a_slot_returns_only_when_the_abandoned_thread_ends(gate: threading.Event) -> None:
    @tool(timeout=0.1)
    def stuck() -> str:
        """Block until released."""
        gate.wait(30)
        return "late"

    @tool
    def quick() -> str:
        """Answer at once."""
        return "quick"

    def script(prompt: str) -> str:
        turn = script.turns  # type: ignore[attr-defined]
        script.turns += 1  # type: ignore[attr-defined]
        if turn == 2:
            gate.set()  # the stuck thread ends; its slot comes back
            assert wait_until(lambda: tool_threads() == 0)
        names = ["stuck", "quick", "quick"]
        if turn < 3:
            return f'[{{"name": "{names[turn]}", "arguments": {{}}}}]'
        return "done"

    script.turns = 0  # type: ignore[attr-defined]
    agent = Agent(ScriptedBackend(script), tools=[stuck, quick], max_concurrency=1)
    result = agent.run("go")
    assert result.outcome == "answer"
    first, second, third = observations(result)
    assert "did not finish within 0.1 s" in first["error"]
    assert "was not started: every tool slot (max_concurrency=1)" in second["error"]
    assert third == "quick"


def test_abandoned_threads_are_bounded_across_runs(gate: threading.Event) -> None:
    @tool(timeout=0.1)
    def stuck(i: int) -> int:
        """Block until released."""
        gate.wait(30)
        return i

    policy = ExecutionPolicy(max_abandoned_threads=3)
    first = ScriptedBackend.calls([[call("stuck", i=i) for i in range(3)], "done"])
    Agent(first, tools=[stuck], execution=policy).run("go")
    assert abandoned_running() >= 3
    second = ScriptedBackend.calls([[call("stuck", i=9)], "done"])
    start = time.perf_counter()
    result = Agent(second, tools=[stuck], execution=policy).run("go")
    assert time.perf_counter() - start < 3
    [observed] = observations(result)
    assert "earlier tool calls that timed out are still running" in observed["error"]
    assert "max_abandoned_threads=3" in observed["error"]
    gate.set()
    assert wait_until(lambda: abandoned_running() == 0)


def test_a_script_with_a_stuck_tool_exits_after_its_answer(tmp_path: Path) -> None:
    script = tmp_path / "stuck.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from lamagent import Agent, ScriptedBackend, ToolCall, tool

            @tool(timeout=0.2)
            def stuck() -> str:
                '''Never ends in time.'''
                time.sleep(600)
                return "late"

            @tool(timeout=0.2)
            async def stuck_async() -> str:
                '''Blocks its event loop.'''
                time.sleep(600)
                return "late"

            calls = [ToolCall(name=n, arguments={}) for n in ("stuck", "stuck_async")]
            backend = ScriptedBackend.calls([calls, "the answer"])
            print(Agent(backend, tools=[stuck, stuck_async]).run("go").answer, flush=True)
            """
        )
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.stdout.strip() == "the answer", done.stderr
    assert time.perf_counter() - start < 20


def test_an_async_tool_that_blocks_its_loop_times_out(gate: threading.Event) -> None:
    @tool(timeout=0.2)
    async def blocks() -> str:
        """Block the event loop it runs on."""
        gate.wait(30)
        return "late"

    result, seconds, _ = run_one(blocks)
    assert seconds < 3
    assert observations(result) == [
        {"error": "TimeoutError: tool 'blocks' did not finish within 0.2 s"}
    ]


def test_an_async_tool_that_swallows_cancellation_times_out(gate: threading.Event) -> None:
    @tool(timeout=0.2)
    async def stubborn() -> str:
        """Ignore cancellation until released."""
        while not gate.is_set():
            try:
                await anyio.sleep(0.05)
            except anyio.get_cancelled_exc_class():
                await asyncio.sleep(0)  # swallowed; keep going
        return "late"

    result, seconds, _ = run_one(stubborn)
    assert seconds < 3
    assert "did not finish within 0.2 s" in observations(result)[0]["error"]


@pytest.mark.parametrize("kind", ["blocking", "stubborn"])
def test_max_wall_time_holds_against_a_misbehaving_async_tool(
    kind: str, gate: threading.Event
) -> None:
    @tool
    async def blocking() -> str:
        """Block the event loop it runs on."""
        gate.wait(30)
        return "late"

    @tool
    async def stubborn() -> str:
        """Ignore cancellation until released."""
        while not gate.is_set():
            try:
                await anyio.sleep(0.05)
            except anyio.get_cancelled_exc_class():
                await asyncio.sleep(0)
        return "late"

    t = blocking if kind == "blocking" else stubborn
    result, seconds, _ = run_one(t, tool_timeout=None, max_wall_time=0.4)
    assert seconds < 3
    assert result.outcome == "timeout"


def test_a_timeout_stops_a_cooperative_async_tools_work() -> None:
    finished = threading.Event()

    @tool(timeout=0.1)
    async def slow() -> str:
        """Finish after half a second."""
        await anyio.sleep(0.5)
        finished.set()
        return "late"

    result, _, _ = run_one(slow)
    assert "did not finish" in observations(result)[0]["error"]
    assert wait_until(lambda: tool_threads() == 0, 2)
    time.sleep(0.6)
    assert not finished.is_set()


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie still answers kill(0); its state says it is dead
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:  # reaped between the two checks (ProcessLookupError, FileNotFoundError)
        return True
    return state in ("Z", "X")


@pytest.fixture(scope="module")
def warm_pool() -> Iterator[None]:
    POOL.warm(1)
    yield
    POOL.shutdown()


def test_a_process_tool_is_killed_at_its_timeout(tmp_path: Path, warm_pool: None) -> None:
    POOL.warm(1)
    marker = str(tmp_path / "pid")
    backend = ScriptedBackend.calls([[call("spin_forever", marker=marker)], "done"])
    start = time.perf_counter()
    result = Agent(backend, tools=[isolated_tools.spin_forever], tool_timeout=1.0).run("go")
    assert time.perf_counter() - start < 5
    assert observations(result) == [
        {"error": "TimeoutError: tool 'spin_forever' did not finish within 1.0 s"}
    ]
    pid = int(Path(marker).read_text())
    assert pid != os.getpid()
    assert wait_until(lambda: _process_gone(pid))
    assert wait_until(lambda: tool_threads() == 0)
    assert not Path(marker + ".done").exists()


def test_process_tools_report_exits_and_the_pool_recovers(warm_pool: None) -> None:
    calls: list[list[ToolCall] | str] = [
        [call("exit_hard", code=3)],
        [call("exit_politely", code=5)],
        [call("worker_pid"), call("append_to", items=["a"])],
        "done",
    ]
    tools = [
        isolated_tools.exit_hard,
        isolated_tools.exit_politely,
        isolated_tools.worker_pid,
        isolated_tools.append_to,
    ]
    result = Agent(ScriptedBackend.calls(calls), tools=tools, tool_timeout=20).run("go")
    assert result.outcome == "answer"
    hard, polite, pid, appended = observations(result)
    assert "exited (code 3)" in hard["error"]
    assert polite == {"error": "SystemExit: 5"}
    assert isinstance(pid, int) and pid != os.getpid()
    assert appended == ["a", "MUTATED"]
    assistant_calls = [c for m in result.messages if m.role == "assistant" for c in m.tool_calls]
    assert [c.arguments for c in assistant_calls if c.name == "append_to"] == [{"items": ["a"]}]


def test_a_process_tool_must_be_importable(warm_pool: None) -> None:
    def local() -> str:
        """Defined inside a function."""
        return "x"

    result, _, _ = run_one(Tool.from_function(local, isolation="process"))
    [observed] = observations(result)
    assert "not importable by name" in observed["error"]


def test_max_wall_time_kills_a_process_tool(tmp_path: Path, warm_pool: None) -> None:
    POOL.warm(1)
    marker = str(tmp_path / "pid")
    backend = ScriptedBackend.calls([[call("spin_forever", marker=marker)], "done"])
    agent = Agent(
        backend, tools=[isolated_tools.spin_forever], tool_timeout=None, max_wall_time=1.0
    )
    start = time.perf_counter()
    result = agent.run("go")
    assert time.perf_counter() - start < 5
    assert result.outcome == "timeout"
    assert wait_until(lambda: Path(marker).exists())
    assert wait_until(lambda: _process_gone(int(Path(marker).read_text())))


# -- class 7: the tool contract -------------------------------------------------------------


def test_a_huge_exception_message_is_capped() -> None:
    @tool
    def shouts() -> None:
        """Raise with a megabyte of text."""
        raise ValueError("e" * 1_000_000)

    result, _, next_prompt = run_one(shouts, max_output_chars=1000)
    [observed] = observations(result)
    assert observed["error"].startswith("ValueError: eee")
    assert "[output truncated: showing 1000 of 1000012 characters]" in observed["error"]
    assert len(next_prompt) < 5000


def test_a_tools_own_timeout_error_is_its_exception() -> None:
    @tool
    def upstream() -> None:
        """Fail like a client library does."""
        raise TimeoutError("the upstream service did not answer")

    result, seconds, _ = run_one(upstream, tool_timeout=30)
    assert seconds < 3
    assert observations(result) == [{"error": "TimeoutError: the upstream service did not answer"}]
    assert "did not finish within" not in json.dumps(result.trajectory.model_dump(mode="json"))


@pytest.mark.parametrize("isolation", ["thread", "loop"])
def test_a_tool_that_mutates_its_arguments_does_not_rewrite_the_call(isolation: str) -> None:
    @tool
    async def meddle(items: list[str], options: dict[str, Any]) -> str:
        """Mutate both arguments."""
        items.append("MUTATED")
        options["nested"]["key"] = "MUTATED"
        options["added"] = "MUTATED"
        return "ok"

    arguments = {"items": ["a"], "options": {"nested": {"key": "v"}}}
    backend = ScriptedBackend.calls([[ToolCall(name="meddle", arguments=arguments)], "done"])
    result = Agent(backend, tools=[meddle], isolation=isolation).run("go")
    assert observations(result) == ["ok"]
    recorded = json.dumps(result.trajectory.model_dump(mode="json"))
    assert "MUTATED" not in recorded
    assert all("MUTATED" not in json.dumps(m.to_dict()) for m in result.messages)
    assert "MUTATED" not in backend.requests[1][0]


def test_deeply_nested_arguments_are_copied_without_recursion() -> None:
    from lamagent.tools.execute import copy_arguments

    deep: Any = "leaf"
    for _ in range(10_000):
        deep = {"a": [deep]}
    copied = copy_arguments({"x": deep})
    node: Any = copied["x"]
    original: Any = deep
    for _ in range(10_000):
        assert node is not original
        node, original = node["a"][0], original["a"][0]
    assert node == "leaf"


def test_messages_are_not_shared_with_the_tool() -> None:
    seen: list[dict[str, Any]] = []

    @tool
    def keep(options: dict[str, Any]) -> str:
        """Keep a reference to the argument."""
        seen.append(options)
        return "kept"

    backend = ScriptedBackend.calls([[call("keep", options={"k": 1})], "done"])
    result = Agent(backend, tools=[keep]).run("go")
    assistant = next(m for m in result.messages if isinstance(m, Message) and m.tool_calls)
    assert assistant.tool_calls[0].arguments["options"] is not seen[0]


def test_a_scripts_own_module_level_tool_runs_in_a_process(tmp_path: Path) -> None:
    script = tmp_path / "own_tool.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from lamagent import Agent, ScriptedBackend, ToolCall, tool

            @tool(isolation="process")
            def where() -> int:
                '''The id of the process running the call.'''
                return os.getpid()

            if __name__ == "__main__":
                backend = ScriptedBackend.calls([[ToolCall(name="where", arguments={})], "ok"])
                result = Agent(backend, tools=[where]).run("go")
                print(os.getpid(), [m.content for m in result.messages if m.role == "tool"][0])
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    parent, worker = done.stdout.split()
    assert parent != worker and worker.isdigit(), done.stderr


class SelfDumping:
    """A model-like object whose dump is itself, and whose enum-like value never ends."""

    def model_dump(self, mode: str = "python") -> Any:
        return self


class Shouting:
    """An object whose `__str__` raises a BaseException."""

    def __str__(self) -> str:
        raise SystemExit("from __str__")


@pytest.mark.parametrize(
    ("make", "expected"),
    [(SelfDumping, "<nested deeper than 64 levels>"), (Shouting, "SystemExit: from __str__")],
)
def test_conversion_that_never_ends_or_exits_is_still_an_observation(
    make: Callable[[], Any], expected: str
) -> None:
    def odd() -> Any:
        """Return an odd object."""
        return make()

    result, seconds, _ = run_one(Tool.from_function(odd))
    assert result.outcome == "answer", result.error
    assert expected in json.dumps(observations(result))
    assert seconds < 3


def test_an_unknown_isolation_is_refused_up_front() -> None:
    from lamagent.errors import ConfigError, ToolDefinitionError

    with pytest.raises(ConfigError, match="isolation must be one of thread, process, loop"):
        ExecutionPolicy(isolation="proces")  # type: ignore[arg-type]
    with pytest.raises(ToolDefinitionError, match="isolation must be one of"):
        tool(isolation="sandbox")(isolated_tools.worker_pid.fn)  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="max_abandoned_threads"):
        ExecutionPolicy(max_abandoned_threads=0)
