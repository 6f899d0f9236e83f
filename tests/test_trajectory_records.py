"""One record per call: the loop fills `CallRecord`s, events carry them, version 1 still loads."""

from __future__ import annotations

import json
import shutil
import typing
from pathlib import Path

import pytest

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.events import ToolCallEvent, ToolResultEvent
from lamagent.records import (
    CALL_ERROR_KINDS,
    TOOL_ERROR_KINDS,
    TOOL_FAILURE_KINDS,
    CallError,
    CallErrorKind,
    CallRecord,
    Repair,
    ToolError,
)
from lamagent.trajectory import (
    OUTCOMES,
    SCHEMA_VERSION,
    Outcome,
    SQLiteStore,
    Step,
    Trajectory,
    read_jsonl,
    to_record,
)

V1 = Path(__file__).parent / "data" / "trajectory_v1"


@tool
def get_weather(city: str, days: int = 1) -> dict:
    """Weather for a city.

    Args:
        city: the city
        days: how many days
    """
    return {"city": city, "temp_c": 18, "days": days}


@tool
def fail(reason: str) -> str:
    """Always fails.

    Args:
        reason: why
    """
    raise RuntimeError(reason)


def _run_mixed_turn() -> Trajectory:
    calls = [
        ToolCall(name="get_weather", arguments={"city": "Paris", "days": "2"}, id="call_a"),
        ToolCall(name="get_forecast", arguments={"city": "Paris"}, id="call_b"),
        ToolCall(name="get_weather", arguments={"city": "Paris", "days": 2}, id="call_c"),
        ToolCall(name="fail", arguments={"reason": "boom"}, id="call_d"),
    ]
    agent = Agent(ScriptedBackend.calls([calls, "18 C"]), tools=[get_weather, fail])
    return agent.run("Weather in Paris?").trajectory


def test_literal_names_are_derived_once() -> None:
    assert typing.get_args(CallErrorKind) == CALL_ERROR_KINDS
    assert (*TOOL_FAILURE_KINDS, "duplicate") == TOOL_ERROR_KINDS
    assert typing.get_args(Outcome) == OUTCOMES
    from lamagent import records
    from lamagent.tools import execute, verify

    assert verify.CallError is CallError and verify.Repair is Repair  # moved, re-exported
    assert execute.ToolErrorKind is records.ToolErrorKind  # defined once


def test_each_call_has_one_record_linking_everything_by_call_id() -> None:
    step = _run_mixed_turn().steps[0]
    ids = [c.call_id for c in step.calls]
    assert len(set(ids)) == 4 and all(ids)  # the ids the conversation used for each call
    assert [c.index for c in step.calls] == [0, 1, 2, 3]

    repaired, unknown, duplicate, failed = step.calls
    # as written, as run, the repair that links them, the result and the run time
    assert repaired.call == {"name": "get_weather", "arguments": {"city": "Paris", "days": "2"}}
    assert repaired.verified == {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}
    assert [(r.argument, r.original, r.repaired) for r in repaired.repairs] == [("days", "2", 2)]
    assert repaired.error is None
    assert repaired.result == {"city": "Paris", "temp_c": 18, "days": 2}
    assert repaired.seconds is not None and repaired.seconds >= 0

    assert isinstance(unknown.error, CallError) and unknown.error.kind == "unknown_tool"
    assert unknown.verified is None and unknown.seconds is None
    assert unknown.result == {"error": unknown.error.message}

    # a duplicate reuses the first result and is not an error
    assert duplicate.duplicate_of == 0 and duplicate.error is None
    assert duplicate.result == repaired.result and duplicate.seconds is None

    assert isinstance(failed.error, ToolError)
    assert (failed.error.kind, failed.error.message) == ("exception", "RuntimeError: boom")
    assert failed.seconds is not None

    # the old readers are projections of the same records
    assert step.error_kinds == ["unknown_tool", "exception"]
    assert [e.index for e in step.tool_errors] == [3]
    assert step.call_errors == [unknown.error] and step.repairs == repaired.repairs
    assert step.next_observation == [c.result for c in step.calls]
    assert step.tool_calls[0] == repaired.verified and step.tool_calls[1] == unknown.call


def test_the_messages_pair_results_with_the_records_call_ids() -> None:
    result = Agent(
        ScriptedBackend.calls(
            [[ToolCall(name="get_weather", arguments={"city": "Rome"})] * 2, "ok"]
        ),
        tools=[get_weather],
    ).run("x")
    ids = [c.call_id for c in result.trajectory.steps[0].calls]
    msgs = result.trajectory.to_messages()
    assert [c["id"] for c in msgs[1]["tool_calls"]] == ids
    assert [m["tool_call_id"] for m in msgs[2:4]] == ids
    # the same ids the model was shown during the run
    assert [m.tool_call_id for m in result.messages if m.role == "tool"] == ids


def test_a_tool_that_mutates_its_arguments_does_not_rewrite_the_record() -> None:
    @tool
    def grab(items: list[int]) -> int:
        """Pop an item."""
        return items.pop()

    agent = Agent(
        ScriptedBackend.calls([[ToolCall(name="grab", arguments={"items": [1, 2]})], "ok"]),
        tools=[grab],
    )
    record = agent.run("x").trajectory.steps[0].calls[0]
    assert record.result == 2
    assert record.call["arguments"] == {"items": [1, 2]}
    assert record.verified is not None and record.verified["arguments"] == {"items": [1, 2]}


def test_events_carry_the_call_record() -> None:
    calls = [
        ToolCall(name="get_weather", arguments={"city": "Oslo"}, id="c1"),
        ToolCall(name="nope", arguments={}, id="c2"),
        ToolCall(name="get_weather", arguments={"city": "Oslo"}, id="c3"),
    ]
    agent = Agent(ScriptedBackend.calls([calls, "done"]), tools=[get_weather])
    events = list(agent.stream("x"))
    started = [e for e in events if isinstance(e, ToolCallEvent)]
    ended = [e for e in events if isinstance(e, ToolResultEvent)]
    assert [e.record.index for e in started] == [0, 1, 2]
    assert started[0].record.result is None  # the call has not run yet
    assert started[1].error is not None and started[1].error.kind == "unknown_tool"
    assert [(e.index, e.call.name) for e in ended] == [
        (0, "get_weather"),
        (1, "nope"),
        (2, "get_weather"),
    ]
    assert [e.call.id for e in ended] == [e.record.call_id for e in started]
    assert ended[0].record.seconds is not None and ended[0].result["city"] == "Oslo"
    assert [e.error_kind for e in ended] == [None, "invalid", None]  # a duplicate is no error
    assert ended[2].record.duplicate_of == 0
    final = events[-1].result.trajectory.steps[0]  # type: ignore[union-attr]
    assert [e.record for e in ended] == final.calls


def test_a_v2_record_round_trips_exactly_and_keeps_figure_4_in_the_json() -> None:
    traj = _run_mixed_turn()
    record = traj.to_record()
    assert record["schema_version"] == SCHEMA_VERSION == 2
    step = record["steps"][0]
    assert list(step)[:5] == ["thought", "tool_calls", "step_id", "next_observation", "user_input"]
    assert step["calls"][2]["duplicate_of"] == 0
    again = Trajectory.from_unified(json.loads(json.dumps(record)))
    assert again == traj
    assert again.steps[0].calls == traj.steps[0].calls


def test_a_step_without_calls_keeps_its_observation() -> None:
    step = Step(step_id=3, parse_error="bad", observation="Your reply could not be read")
    assert step.next_observation == "Your reply could not be read"
    assert step.to_unified()["next_observation"] == "Your reply could not be read"
    again = Step.model_validate_json(step.model_dump_json())
    assert again == step and again.calls == []


def test_a_call_cut_short_has_no_observation_yet() -> None:
    step = Step(
        step_id=1,
        calls=[CallRecord(index=0, call_id="c", call={"name": "f", "arguments": {}})],
    )
    assert step.next_observation is None and step.tool_calls == [{"name": "f", "arguments": {}}]


def _v1_expected() -> dict[str, typing.Any]:
    return json.loads((V1 / "v1_projections.json").read_text())


def _check_v1(traj: Trajectory) -> None:
    expected = _v1_expected()
    assert traj.schema_version == 2
    assert to_record(traj, "unified", strict=True) == expected["unified_strict"]
    assert traj.to_messages() == expected["messages"]
    for fmt in ("openai", "actionstudio", "apigen-mt", "xlam60k"):
        assert to_record(traj, fmt) == expected[fmt], fmt
    first = traj.steps[0]
    assert [c.call_id for c in first.calls] == ["call_1_0", "call_1_1", "call_1_2", "call_1_3"]
    weather, unknown, duplicate, failed = first.calls
    assert [r.argument for r in weather.repairs] == ["days"] and weather.error is None
    # v1 kept only the repaired call; the call as written is rebuilt from the repairs
    assert weather.call["arguments"] == {"city": "Paris", "days": "2"}
    assert weather.verified == {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}
    assert isinstance(unknown.error, CallError) and unknown.verified is None
    assert duplicate.duplicate_of == 0 and duplicate.error is None
    assert isinstance(failed.error, ToolError) and failed.error.kind == "exception"
    assert traj.steps[1].parse_error is not None and traj.steps[1].calls == []
    assert traj.steps[1].next_observation.startswith("Your last reply could not be read")
    assert traj.steps[-2].user_input == "And tomorrow?"


def test_a_version_1_jsonl_record_written_by_lamagent_0_1_loads() -> None:
    raw = json.loads((V1 / "v1_trajectory.jsonl").read_text())
    assert raw["schema_version"] == 1 and "calls" not in raw["steps"][0]
    loaded, issues = read_jsonl(V1 / "v1_trajectory.jsonl")
    assert issues == []
    _check_v1(loaded[0])


def test_a_version_1_sqlite_store_written_by_lamagent_0_1_loads(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    shutil.copy(V1 / "v1_store.sqlite", path)
    with SQLiteStore(path) as store:
        [traj] = list(store)
        _check_v1(traj)
        assert [t.id for t in store.query(error_kind="unknown_tool")] == [traj.id]
        assert store.query(error_kind="duplicate") == []  # a duplicate is not an error now
        # a v1 row and a v2 row live side by side
        store.add_step(traj.id, _run_mixed_turn().steps[0].model_copy(update={"step_id": 9}))
        again = store.get(traj.id)
        assert again is not None and again.steps[-1].calls[2].duplicate_of == 0
        assert again.steps[0] == traj.steps[0]


def test_a_newer_record_version_is_refused() -> None:
    with pytest.raises(ValueError, match="newer"):
        Trajectory.from_unified({"query": "q", "steps": [], "schema_version": 3})
