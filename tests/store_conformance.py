"""The conformance suite every `TrajectoryStore` implementation must pass.

A test module subclasses `StoreConformance` and provides a `store` fixture (a fresh, empty,
open store); every test here then runs against that implementation. Builders for sample
trajectories live here too, so all trajectory tests share them.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from lamagent.errors import TrajectoryError
from lamagent.messages import Usage
from lamagent.records import CallRecord, ToolError
from lamagent.tools.verify import CallError, Repair
from lamagent.trajectory import Step, ToolErrorRecord, Trajectory, TrajectoryStore

V1_DIR = Path(__file__).parent / "data" / "trajectory_v1"

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city"],
    },
}
TIME = {
    "name": "get_time",
    "description": "Local time in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def call_step(
    step_id: int, *calls: tuple[str, dict[str, Any]], obs: Any = None, **extra: Any
) -> Step:
    """A step that called tools (`calls` as (name, arguments) pairs)."""
    return Step(
        step_id=step_id,
        thought=extra.pop("thought", f"step {step_id}"),
        tool_calls=[{"name": n, "arguments": a} for n, a in calls],
        next_observation=obs,
        usage=extra.pop(
            "usage", Usage(prompt_tokens=100, evaluated_tokens=20, completion_tokens=10, requests=1)
        ),
        timings=extra.pop("timings", {"generate": 0.25, "tools": 0.01}),
        **extra,
    )


def record_step(step_id: int) -> Step:
    """A step written as version-2 CallRecords: repaired, rejected, failed, duplicate calls."""
    weather = {"name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}}
    return Step(
        step_id=step_id,
        thought="three calls",
        calls=[
            CallRecord(
                index=0,
                call_id="call_x",
                call={"name": "get_weather", "arguments": {"city": " Paris", "unit": "C"}},
                verified=weather,
                repairs=[
                    Repair(argument="city", kind="strip", original=" Paris", repaired="Paris")
                ],
                result={"temp_c": 18, "nested": [[{"a": None}]], "text": "é ✓"},
                seconds=0.125,
            ),
            CallRecord(
                index=1,
                call_id="call_y",
                call={"name": "get_time", "arguments": {"city": ["Paris"]}},
                error=CallError(
                    kind="wrong_type", tool="get_time", argument="city", message="not a list"
                ),
                result={"error": "not a list"},
            ),
            CallRecord(
                index=2,
                call_id="call_z",
                call={"name": "get_weather", "arguments": {"city": "Rome"}},
                verified={"name": "get_weather", "arguments": {"city": "Rome"}},
                error=ToolError(kind="timeout", tool="get_weather", message="too slow"),
                result={"error": "too slow"},
                seconds=30.0,
            ),
            CallRecord(
                index=3,
                call_id="call_w",
                call=weather,
                verified=weather,
                result={"temp_c": 18, "nested": [[{"a": None}]], "text": "é ✓"},
                duplicate_of=0,
            ),
        ],
        usage=Usage(prompt_tokens=10, completion_tokens=5, requests=1),
        timings={"total": 1.5},
    )


def answer_step(step_id: int, answer: str, **extra: Any) -> Step:
    """A step that answered in text."""
    return Step(
        step_id=step_id,
        answer=answer,
        raw_output=answer,
        usage=Usage(prompt_tokens=150, completion_tokens=5, requests=1),
        **extra,
    )


def make_trajectory(
    query: str = "What's the weather and time in Paris?", **extra: Any
) -> Trajectory:
    """A two-tool trajectory header with no steps yet."""
    return Trajectory(
        task_instruction=extra.pop("task_instruction", "You are a helpful assistant."),
        query=query,
        tools=[WEATHER, TIME],
        model_id=extra.pop("model_id", "smollm2-135m"),
        format=extra.pop("format", "xlam2-qwen"),
        **extra,
    )


def full_trajectory(**extra: Any) -> Trajectory:
    """A finished trajectory exercising every extension: errors, repairs, follow-ups."""
    traj = make_trajectory(**extra)
    traj.steps = [
        call_step(
            1,
            ("get_weather", {"city": "Paris"}),
            ("get_time", {"city": "Paris"}),
            ("get_forecast", {"city": "Paris"}),
            obs=[{"temp_c": 18, "sky": "clear"}, "14:05", "Error: unknown tool get_forecast"],
            call_errors=[
                CallError(
                    kind="unknown_tool",
                    tool="get_forecast",
                    argument=None,
                    message="get_forecast is not a tool; use get_weather",
                )
            ],
            repairs=[Repair(argument="city", kind="strip", original=" Paris", repaired="Paris")],
        ),
        call_step(
            2,
            ("get_weather", {"city": "Paris", "unit": "F"}),
            obs=["Error: TimeoutError after 30s"],
            tool_errors=[
                ToolErrorRecord(
                    index=0, tool="get_weather", kind="timeout", message="no result after 30s"
                )
            ],
        ),
        Step(
            step_id=3,
            raw_output="[{'name': oops",
            parse_error="invalid JSON at 1:3",
            next_observation="Your output could not be parsed: invalid JSON at 1:3",
        ),
        answer_step(
            4,
            "It is 18°C and clear in Paris; the local time is 14:05.",
            user_input="And in Celsius only?",
        ),
        answer_step(5, "18°C."),
    ]
    traj.outcome = "answer"
    traj.answer = "18°C."
    traj.usage = traj.step_usage
    traj.finished_at = traj.created_at + 2.0
    return traj


class StoreConformance:
    """Subclass and provide a `store` fixture yielding an empty store of the implementation."""

    # -- writing and reading one run -----------------------------------------------------------

    def test_implements_protocol(self, store: TrajectoryStore) -> None:
        assert isinstance(store, TrajectoryStore)

    def test_start_then_get_returns_the_header(self, store: TrajectoryStore) -> None:
        traj = make_trajectory(metadata={"user": "ana"})
        store.start(traj)
        got = store.get(traj.unique_trajectory_id)
        assert got is not None
        assert got.query == traj.query
        assert got.tools == [WEATHER, TIME]
        assert got.model_id == "smollm2-135m" and got.format == "xlam2-qwen"
        assert got.metadata == {"user": "ana"}
        assert got.created_at == traj.created_at
        assert got.outcome == "running" and not got.is_finished
        assert got.steps == []

    def test_get_unknown_is_none(self, store: TrajectoryStore) -> None:
        assert store.get("no-such-id") is None

    def test_steps_come_back_in_order_with_every_extension(self, store: TrajectoryStore) -> None:
        full = full_trajectory()
        header = full.model_copy(
            update={
                "steps": [],
                "outcome": "running",
                "answer": None,
                "usage": Usage(),
                "finished_at": None,
            }
        )
        store.start(header)
        for step in full.steps:
            store.add_step(full.unique_trajectory_id, step)
        got = store.get(full.unique_trajectory_id)
        assert got is not None
        assert [s.step_id for s in got.steps] == [1, 2, 3, 4, 5]
        assert got.steps == full.steps
        assert got.steps[0].call_errors[0].kind == "unknown_tool"
        assert got.steps[0].repairs[0].original == " Paris"
        assert got.steps[1].tool_errors[0].kind == "timeout"
        assert got.steps[2].parse_error == "invalid JSON at 1:3"
        assert got.steps[0].timings == {"generate": 0.25, "tools": 0.01}

    def test_start_keeps_steps_it_is_given(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        traj.steps = [call_step(1, ("get_time", {"city": "Oslo"}), obs=["09:00"])]
        store.start(traj)
        store.add_step(traj.unique_trajectory_id, answer_step(2, "09:00"))
        got = store.get(traj.unique_trajectory_id)
        assert got is not None
        assert [s.step_id for s in got.steps] == [1, 2]

    def test_start_twice_is_an_error(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        with pytest.raises(TrajectoryError, match="already"):
            store.start(traj)

    def test_update_step_replaces_it_in_place(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        tid = traj.unique_trajectory_id
        store.add_step(tid, answer_step(1, "Which city?"))
        store.add_step(tid, call_step(2, ("get_time", {"city": "Oslo"}), obs=["09:00"]))
        first = answer_step(1, "Which city?")
        first.user_input = "Oslo"
        store.update_step(tid, first)
        got = store.get(tid)
        assert got is not None
        assert [s.step_id for s in got.steps] == [1, 2]
        assert got.steps[0].user_input == "Oslo"
        assert store.query(tool="get_time")[0].unique_trajectory_id == tid
        with pytest.raises(TrajectoryError, match="no step"):
            store.update_step(tid, answer_step(9, "x"))

    def test_add_step_to_unknown_run_is_an_error(self, store: TrajectoryStore) -> None:
        with pytest.raises(TrajectoryError, match="start"):
            store.add_step("missing", answer_step(1, "hi"))

    def test_finish_records_the_outcome(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        store.add_step(traj.unique_trajectory_id, answer_step(1, "Sunny."))
        usage = Usage(prompt_tokens=7, evaluated_tokens=3, completion_tokens=2, requests=1)
        store.finish(traj.unique_trajectory_id, outcome="answer", answer="Sunny.", usage=usage)
        got = store.get(traj.unique_trajectory_id)
        assert got is not None
        assert got.outcome == "answer" and got.is_finished
        assert got.answer == "Sunny." and got.error is None
        assert got.usage == usage
        assert got.finished_at is not None and got.finished_at >= got.created_at

    def test_finish_without_usage_sums_the_steps(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        store.add_step(traj.unique_trajectory_id, call_step(1, ("get_time", {"city": "Rome"})))
        store.add_step(traj.unique_trajectory_id, answer_step(2, "noon"))
        store.finish(traj.unique_trajectory_id, outcome="error", error="backend died")
        got = store.get(traj.unique_trajectory_id)
        assert got is not None
        assert got.error == "backend died" and got.outcome == "error"
        assert got.usage == Usage(
            prompt_tokens=250, evaluated_tokens=20, completion_tokens=15, requests=2
        )

    def test_finish_rejects_an_unknown_outcome(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        with pytest.raises(TrajectoryError, match="outcome"):
            store.finish(traj.unique_trajectory_id, outcome="done")  # type: ignore[arg-type]

    def test_finish_unknown_run_is_an_error(self, store: TrajectoryStore) -> None:
        with pytest.raises(TrajectoryError):
            store.finish("missing", outcome="answer")

    def test_a_live_run_of_this_process_reads_as_running(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        store.add_step(traj.unique_trajectory_id, call_step(1, ("get_time", {"city": "Rome"})))
        got = store.get(traj.unique_trajectory_id)
        assert got is not None and got.outcome == "running"
        assert [t.unique_trajectory_id for t in store.query(outcome="running")] == [traj.id]
        assert store.query(outcome="incomplete") == []

    def test_call_records_round_trip_exactly(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        step = record_step(1)
        store.add_step(traj.id, step)
        got = store.get(traj.id)
        assert got is not None
        assert got.steps[0].calls == step.calls and got.steps[0] == step
        assert got.steps[0].to_unified() == step.to_unified()
        assert got.steps[0].error_kinds == ["wrong_type", "timeout"]

    def test_a_version_1_record_loads_into_call_records(self, store: TrajectoryStore) -> None:
        v1 = json.loads((V1_DIR / "v1_trajectory.jsonl").read_text())
        traj = Trajectory.from_unified(v1)
        store.start(traj)
        got = store.get(traj.id)
        assert got is not None and got == traj
        assert got.steps[0].calls[2].duplicate_of == 0
        assert (
            got.to_unified()
            == json.loads((V1_DIR / "v1_projections.json").read_text())["unified_strict"]
        )

    def test_returned_trajectories_are_copies(self, store: TrajectoryStore) -> None:
        traj = make_trajectory()
        store.start(traj)
        traj.query = "changed after start"
        got = store.get(traj.unique_trajectory_id)
        assert got is not None
        got.steps.append(answer_step(9, "x"))
        again = store.get(traj.unique_trajectory_id)
        assert again is not None
        assert again.query != "changed after start" and again.steps == []

    # -- queries -------------------------------------------------------------------------------

    def _populate(self, store: TrajectoryStore) -> dict[str, Trajectory]:
        base = 1_700_000_000.0
        runs = {
            "weather": make_trajectory("weather?", created_at=base + 1),
            "time": make_trajectory("time?", created_at=base + 2),
            "broken": make_trajectory("broken?", created_at=base + 3),
            "running": make_trajectory("still going", created_at=base + 4),
        }
        w, t, b, r = (
            runs[k].unique_trajectory_id for k in ("weather", "time", "broken", "running")
        )
        for traj in runs.values():
            store.start(traj)
        store.add_step(w, call_step(1, ("get_weather", {"city": "Paris"}), obs=[{"t": 1}]))
        store.add_step(w, answer_step(2, "1 degree"))
        store.finish(w, outcome="answer", answer="1 degree")
        store.add_step(
            t,
            call_step(
                1,
                ("get_time", {"city": "Rome"}),
                tool_errors=[
                    ToolErrorRecord(index=0, tool="get_time", kind="exception", message="boom")
                ],
            ),
        )
        store.finish(t, outcome="max_steps")
        store.add_step(b, Step(step_id=1, raw_output="{", parse_error="unterminated"))
        store.add_step(
            b,
            call_step(
                2,
                ("get_weather", {"town": "Rome"}),
                call_errors=[
                    CallError(
                        kind="unknown_argument",
                        tool="get_weather",
                        argument="town",
                        message="no argument town",
                    )
                ],
            ),
        )
        store.finish(b, outcome="max_retries")
        store.add_step(r, call_step(1, ("get_time", {"city": "Oslo"})))
        return runs

    def test_query_without_filters_is_newest_first(self, store: TrajectoryStore) -> None:
        runs = self._populate(store)
        assert [t.query for t in store.query()] == ["still going", "broken?", "time?", "weather?"]
        assert [t.query for t in store] == [t.query for t in store.query()]
        assert len(store) == len(runs)

    def test_query_by_outcome(self, store: TrajectoryStore) -> None:
        self._populate(store)
        assert [t.query for t in store.query(outcome="answer")] == ["weather?"]
        assert [t.query for t in store.query(outcome="max_retries")] == ["broken?"]
        assert [t.query for t in store.query(outcome="running")] == ["still going"]
        assert store.query(outcome="timeout") == []

    def test_query_by_outcome_rejects_unknown_names(self, store: TrajectoryStore) -> None:
        with pytest.raises(TrajectoryError, match="outcome"):
            store.query(outcome="finished")

    def test_query_by_tool_called(self, store: TrajectoryStore) -> None:
        self._populate(store)
        assert [t.query for t in store.query(tool="get_weather")] == ["broken?", "weather?"]
        assert [t.query for t in store.query(tool="get_time")] == ["still going", "time?"]
        assert store.query(tool="send_email") == []

    def test_query_by_error_kind(self, store: TrajectoryStore) -> None:
        self._populate(store)
        assert [t.query for t in store.query(error_kind="parse_error")] == ["broken?"]
        assert [t.query for t in store.query(error_kind="unknown_argument")] == ["broken?"]
        assert [t.query for t in store.query(error_kind="exception")] == ["time?"]
        assert store.query(error_kind="timeout") == []

    def test_query_by_time_range(self, store: TrajectoryStore) -> None:
        runs = self._populate(store)
        start = runs["time"].created_at
        end = runs["broken"].created_at
        assert [t.query for t in store.query(since=start)] == ["still going", "broken?", "time?"]
        assert [t.query for t in store.query(until=start)] == ["time?", "weather?"]
        assert [t.query for t in store.query(since=start, until=end)] == ["broken?", "time?"]
        from datetime import datetime, timezone

        as_dt = datetime.fromtimestamp(end, tz=timezone.utc)
        assert [t.query for t in store.query(since=as_dt)] == ["still going", "broken?"]

    def test_query_limit_and_combined_filters(self, store: TrajectoryStore) -> None:
        self._populate(store)
        assert [t.query for t in store.query(limit=2)] == ["still going", "broken?"]
        assert store.query(limit=0) == []
        assert [t.query for t in store.query(tool="get_weather", outcome="answer")] == ["weather?"]
        assert store.query(tool="get_time", error_kind="parse_error") == []
        assert [t.query for t in store.query(outcome="running", limit=1)] == ["still going"]

    def test_queried_trajectories_are_whole(self, store: TrajectoryStore) -> None:
        runs = self._populate(store)
        (weather,) = store.query(outcome="answer")
        assert weather.unique_trajectory_id == runs["weather"].unique_trajectory_id
        assert len(weather.steps) == 2 and weather.answer == "1 degree"

    # -- concurrency ---------------------------------------------------------------------------

    def test_many_threads_write_their_own_runs(self, store: TrajectoryStore) -> None:
        n_threads, n_steps = 16, 20
        ids: list[str] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(n_threads)

        def run(i: int) -> None:
            try:
                traj = make_trajectory(f"query {i}")
                ids.append(traj.unique_trajectory_id)
                barrier.wait(timeout=60)
                store.start(traj)
                for s in range(1, n_steps + 1):
                    store.add_step(
                        traj.unique_trajectory_id, call_step(s, ("get_time", {"city": f"c{i}-{s}"}))
                    )
                store.finish(traj.unique_trajectory_id, outcome="max_steps")
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert not errors, errors[:3]
        assert time.perf_counter() - started < 120
        assert len(store) == n_threads
        for tid in ids:
            got = store.get(tid)
            assert got is not None and got.outcome == "max_steps"
            assert [s.step_id for s in got.steps] == list(range(1, n_steps + 1))
            city = got.steps[0].tool_calls[0]["arguments"]["city"]
            assert got.query == f"query {city.split('-')[0][1:]}"
        assert len(store.query(tool="get_time")) == n_threads

    # -- lifecycle -----------------------------------------------------------------------------

    def test_closed_store_refuses_work(self, store: TrajectoryStore) -> None:
        store.close()
        with pytest.raises(TrajectoryError, match="closed"):
            store.start(make_trajectory())
