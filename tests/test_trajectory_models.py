"""The trajectory records: figure-4 fidelity, extensions, chat reconstruction, helpers."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from store_conformance import TIME, WEATHER, answer_step, call_step, full_trajectory

from lamagent.messages import Usage
from lamagent.trajectory import Step, ToolErrorRecord, Trajectory

FIGURE_4 = {
    "unique_trajectory_id": "traj-0001",
    "task_instruction": "Answer with the tools.",
    "few_shot_examples": [],
    "query": "What's the weather in Paris?",
    "tools": [WEATHER],
    "steps": [
        {
            "thought": "I need the weather.",
            "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
            "step_id": 1,
            "next_observation": [{"temp_c": 18}],
            "user_input": None,
        },
        {
            "thought": "It is 18 degrees.",
            "tool_calls": [],
            "step_id": 2,
            "next_observation": None,
            "user_input": None,
        },
    ],
}


def test_to_unified_is_exactly_figure_4() -> None:
    traj = full_trajectory()
    unified = traj.to_unified()
    assert list(unified) == [
        "unique_trajectory_id",
        "task_instruction",
        "few_shot_examples",
        "query",
        "tools",
        "steps",
    ]
    for step in unified["steps"]:
        assert list(step) == ["thought", "tool_calls", "step_id", "next_observation", "user_input"]
        for call in step["tool_calls"]:
            assert list(call) == ["name", "arguments"]
    assert unified["steps"][0]["tool_calls"][0] == {
        "name": "get_weather",
        "arguments": {"city": "Paris"},
    }
    assert unified["steps"][3]["user_input"] == "And in Celsius only?"
    json.dumps(unified)  # plain JSON


def test_from_unified_reads_a_plain_figure_4_record() -> None:
    traj = Trajectory.from_unified(FIGURE_4)
    assert traj.unique_trajectory_id == "traj-0001"
    assert traj.query == "What's the weather in Paris?"
    assert traj.tools == [WEATHER]
    assert traj.steps[0].tool_calls == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert traj.steps[0].next_observation == [{"temp_c": 18}]
    # extensions default; finished data ending on text reads as an answer
    assert traj.schema_version == 2 and traj.model_id is None  # read into the v2 layout
    assert traj.steps[0].call_errors == [] and traj.steps[0].usage == Usage()
    assert traj.outcome == "answer" and traj.answer == "It is 18 degrees."
    assert traj.to_unified() == FIGURE_4


def test_from_unified_is_lenient_about_real_world_records() -> None:
    record = {
        "query": "Time in Rome?",
        "tools": json.dumps([TIME]),  # some datasets store tools as a JSON string
        "steps": [
            {
                "thought": None,
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {"name": "get_time", "arguments": '{"city": "Rome"}'},
                    }
                ],
            },
        ],
        "source": "my-dataset",
    }
    traj = Trajectory.from_unified(record)
    assert traj.tools == [TIME]
    assert traj.steps[0].step_id == 1 and traj.steps[0].thought == ""
    assert traj.steps[0].tool_calls == [{"name": "get_time", "arguments": {"city": "Rome"}}]
    assert traj.metadata == {"source": "my-dataset"}
    assert traj.outcome == "max_steps"  # ended on calls
    assert len(traj.unique_trajectory_id) == 32


def test_unreadable_call_arguments_are_kept_not_dropped() -> None:
    step = Step(step_id=1, tool_calls=[{"name": "f", "arguments": "{not json"}])
    assert step.tool_calls == [{"name": "f", "arguments": "{not json"}]


def test_full_record_round_trips_through_json() -> None:
    traj = full_trajectory()
    again = Trajectory.from_unified(json.loads(json.dumps(traj.to_record())))
    assert again == traj
    assert again.steps[0].call_errors[0].message.startswith("get_forecast is not a tool")
    assert again.steps[1].tool_errors[0] == ToolErrorRecord(
        index=0, tool="get_weather", kind="timeout", message="no result after 30s"
    )


def test_invalid_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Trajectory(query="q", outcome="finished")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ToolErrorRecord(index=0, tool="f", kind="crashed")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Trajectory.from_unified({"query": "q", "steps": "not a list"})


def test_helpers_summarise_the_run() -> None:
    traj = full_trajectory()
    assert traj.is_finished
    assert traj.tools_called == ["get_weather", "get_time", "get_forecast"]
    assert traj.num_calls == 4
    assert traj.error_kinds == ["parse_error", "timeout", "unknown_tool"]
    assert traj.steps[0].error_kinds == ["unknown_tool"]
    assert traj.step_usage.requests == 4  # two call steps + two answers; the parse step had none
    assert Trajectory(query="q").is_finished is False
    assert Trajectory(query="q", outcome="incomplete").is_finished is False


def test_to_messages_rebuilds_the_conversation() -> None:
    msgs = full_trajectory().to_messages()
    assert [m["role"] for m in msgs] == [
        "user",
        "assistant",
        "tool",
        "tool",
        "tool",  # three parallel calls, results in call order
        "assistant",
        "tool",
        "assistant",
        "user",  # unparseable output, then the feedback the loop gave
        "assistant",
        "user",  # an answer, then the user's follow-up
        "assistant",
    ]
    assert msgs[0] == {"role": "user", "content": "What's the weather and time in Paris?"}
    first = msgs[1]
    assert first["content"] == "step 1"
    assert [c["function"]["name"] for c in first["tool_calls"]] == [
        "get_weather",
        "get_time",
        "get_forecast",
    ]
    assert [m["tool_call_id"] for m in msgs[2:5]] == [c["id"] for c in first["tool_calls"]]
    assert msgs[2]["content"] == {"temp_c": 18, "sky": "clear"}  # JSON values kept
    assert msgs[7]["content"] == "[{'name': oops"
    assert msgs[8]["content"].startswith("Your output could not be parsed")
    assert msgs[10] == {"role": "user", "content": "And in Celsius only?"}
    assert msgs[11] == {"role": "assistant", "content": "18°C."}


def test_to_messages_can_lead_with_the_instruction() -> None:
    traj = full_trajectory()
    assert traj.to_messages(system=True)[0] == {
        "role": "system",
        "content": "You are a helpful assistant.",
    }
    assert traj.to_messages()[0]["role"] == "user"


def test_call_ids_are_stable_or_recorded() -> None:
    step = call_step(3, ("get_time", {"city": "Oslo"}), obs=["09:00"])
    traj = Trajectory(query="q", steps=[step])
    assert traj.to_messages()[1]["tool_calls"][0]["id"] == "call_3_0"
    step.calls[0].call_id = "call_abc"
    assert traj.to_messages()[2]["tool_call_id"] == "call_abc"


def test_a_single_observation_for_several_calls_is_not_split() -> None:
    step = call_step(1, ("get_time", {"city": "A"}), ("get_time", {"city": "B"}), obs="both: 09:00")
    msgs = Trajectory(query="q", steps=[step, answer_step(2, "9")]).to_messages()
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "assistant"]
    assert msgs[2]["content"] == "both: 09:00"
