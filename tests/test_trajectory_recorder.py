"""The Recorder is the one writer: each step once, the outcome once, bugs still propagate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from store_conformance import answer_step, call_step, make_trajectory

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.errors import BackendError, UsageError
from lamagent.messages import Usage
from lamagent.trajectory import MemoryStore, Outcome, Recorder, SQLiteStore, Step, Trajectory


class CountingStore(MemoryStore):
    """A MemoryStore that counts every write it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: Counter[str] = Counter()
        self.outcomes: list[str] = []

    def start(self, trajectory: Trajectory) -> None:
        self.writes["start"] += 1
        super().start(trajectory)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        self.writes["add_step"] += 1
        super().add_step(trajectory_id, step)

    def update_step(self, trajectory_id: str, step: Step) -> None:
        self.writes["update_step"] += 1
        super().update_step(trajectory_id, step)

    def finish(self, trajectory_id: str, *, outcome: Outcome, **kwargs: Any) -> None:
        self.writes["finish"] += 1
        self.outcomes.append(outcome)
        super().finish(trajectory_id, outcome=outcome, **kwargs)


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_recorder_writes_each_step_and_the_outcome_once() -> None:
    store = CountingStore()
    traj = make_trajectory()
    recorder = Recorder(traj, store)
    recorder.start()
    recorder.add_step(call_step(1, ("get_weather", {"city": "Paris"}), obs=[{"t": 1}]))
    recorder.add_step(answer_step(2, "sunny"))
    recorder.finish("answer", answer="sunny")
    assert store.writes == Counter(start=1, add_step=2, finish=1)
    stored = store.get(traj.id)
    assert stored is not None and stored.outcome == "answer" and stored.answer == "sunny"
    assert stored.usage == traj.usage == traj.step_usage and traj.finished_at is not None
    with pytest.raises(UsageError, match="already finished"):
        recorder.finish("error")
    with pytest.raises(UsageError):
        recorder.add_step(answer_step(3, "late"))
    with pytest.raises(UsageError, match="already started"):
        recorder.start()
    assert store.writes["finish"] == 1


def test_recorder_needs_start_and_works_without_a_store() -> None:
    recorder = Recorder(Trajectory(query="q"))
    with pytest.raises(UsageError, match="start"):
        recorder.add_step(answer_step(1, "a"))
    recorder.start()
    recorder.add_partial_step(Step(step_id=1, raw_output="half"), seconds=0.5)
    recorder.finish("incomplete", error="stopped")
    traj = recorder.trajectory
    assert traj.outcome == "incomplete" and traj.steps[0].timings == {"total": 0.5}


def test_a_follow_up_reopens_the_run_and_lands_on_the_last_step(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        recorder = Recorder(make_trajectory(), store)
        recorder.start()
        recorder.add_step(answer_step(1, "Which city?"))
        recorder.finish("answer", answer="Which city?")
        recorder.follow_up("Paris")
        assert not recorder.finished and recorder.trajectory.outcome == "running"
        recorder.add_step(answer_step(2, "Sunny in Paris."))
        recorder.finish("answer", answer="Sunny in Paris.")
        stored = store.get(recorder.id)
        assert stored is not None and stored.steps[0].user_input == "Paris"
        assert stored.answer == "Sunny in Paris." and len(stored.steps) == 2


def test_a_run_writes_its_outcome_once() -> None:
    store = CountingStore()
    backend = ScriptedBackend.calls([[ToolCall(name="add", arguments={"a": 1, "b": 2})], "3"])
    result = Agent(backend, tools=[add], store=store).run("1+2?")
    assert result.outcome == "answer"
    assert store.writes == Counter(start=1, add_step=2, finish=1)
    assert store.outcomes == ["answer"]


def test_a_session_records_follow_ups_through_the_recorder() -> None:
    store = CountingStore()
    backend = ScriptedBackend.calls(
        ["Which numbers?", [ToolCall(name="add", arguments={"a": 2, "b": 2})], "4"]
    )
    session = Agent(backend, tools=[add], store=store).session()
    session.send("add two numbers")
    session.send("2 and 2")
    assert store.writes == Counter(start=1, add_step=3, update_step=1, finish=2)
    assert store.outcomes == ["answer", "answer"]
    stored = store.get(session.trajectory.id)  # type: ignore[union-attr]
    assert stored is not None and stored.steps[0].user_input == "2 and 2"
    assert stored.answer == "4"


def test_a_backend_failure_is_an_outcome() -> None:
    store = CountingStore()
    backend = ScriptedBackend([BackendError("server down")])
    result = Agent(backend, tools=[add], store=store).run("x")
    assert result.outcome == "error" and "server down" in (result.error or "")
    assert store.outcomes == ["error"]


def test_a_bug_in_a_format_propagates_and_the_outcome_is_still_written() -> None:
    from lamagent import formats

    fmt = formats.get("xlam2-qwen")
    real_render = fmt.render
    renders = [0]

    def buggy_render(messages: Any, tools: Any, **options: Any) -> str:
        renders[0] += 1
        if renders[0] == 2:
            raise TypeError("a bug inside the Format")
        return real_render(messages, tools, **options)

    object.__setattr__(fmt, "render", buggy_render)
    store = CountingStore()
    backend = ScriptedBackend.calls([[ToolCall(name="add", arguments={"a": 1, "b": 2})], "3"])
    agent = Agent(backend, tools=[add], store=store, format=fmt)
    with pytest.raises(TypeError, match="a bug inside the Format"):
        agent.run("1+2?")
    [stored] = list(store)
    assert stored.outcome == "error" and "TypeError" in (stored.error or "")
    assert len(stored.steps) == 2  # the finished step, and the step the bug cut short
    assert stored.steps[0].calls[0].result == 3
    assert store.outcomes == ["error"]


def test_a_cancelled_run_is_incomplete() -> None:
    store = CountingStore()

    @tool
    async def slow() -> str:
        """Sleep."""
        await anyio.sleep(10)
        return "late"

    backend = ScriptedBackend.calls([[ToolCall(name="slow", arguments={})], "done"])
    agent = Agent(backend, tools=[slow], store=store)

    async def main() -> None:
        with anyio.move_on_after(0.3):
            await agent.arun("x")

    anyio.run(main)
    [stored] = list(store)
    assert stored.outcome == "incomplete" and store.outcomes == ["incomplete"]
    assert stored.steps[0].tool_calls == [{"name": "slow", "arguments": {}}]


def test_usage_of_a_recorded_run_is_the_sum_of_its_steps() -> None:
    recorder = Recorder(Trajectory(query="q"))
    recorder.start()
    recorder.add_step(Step(step_id=1, usage=Usage(prompt_tokens=3, requests=1)))
    recorder.add_step(Step(step_id=2, usage=Usage(prompt_tokens=4, requests=1)))
    recorder.finish("max_steps")
    assert recorder.trajectory.usage == Usage(prompt_tokens=7, requests=2)
