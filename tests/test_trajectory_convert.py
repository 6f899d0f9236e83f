"""Converters and JSONL files: round trips for every shape, and damaged input handled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from store_conformance import TIME, WEATHER, answer_step, call_step, full_trajectory

from lamagent.errors import TrajectoryError
from lamagent.trajectory import (
    FORMATS,
    ImportIssue,
    Trajectory,
    detect_format,
    from_record,
    read_jsonl,
    to_record,
    trajectory_from_messages,
    write_jsonl,
)


def multi_turn() -> Trajectory:
    """Parallel calls, sequential calls, a follow-up question and its answer."""
    traj = Trajectory(
        unique_trajectory_id="mt-1",
        task_instruction="Be brief.",
        query="Weather and time in Paris?",
        tools=[WEATHER, TIME],
        steps=[
            call_step(
                1,
                ("get_weather", {"city": "Paris"}),
                ("get_time", {"city": "Paris"}),
                obs=[{"temp_c": 18, "sky": "clear"}, "14:05"],
                thought="Two lookups.",
            ),
            answer_step(2, "18°C and clear; 14:05.", user_input="And in Rome?"),
            call_step(
                3,
                ("get_weather", {"city": "Rome", "unit": "C"}),
                obs=[{"temp_c": 22}],
                thought="Rome now.",
            ),
            answer_step(4, "22°C in Rome."),
        ],
        outcome="answer",
        answer="22°C in Rome.",
    )
    return traj


def calls_of(traj: Trajectory) -> list[list[dict[str, Any]]]:
    return [
        [{"name": c["name"], "arguments": c["arguments"]} for c in s.tool_calls] for s in traj.steps
    ]


def kept(a: Trajectory, b: Trajectory) -> None:
    """What every conversation shape must keep: query, tools, calls, observations, follow-ups."""
    assert b.query == a.query
    assert b.tools == a.tools
    assert calls_of(b) == calls_of(a)
    assert [s.next_observation for s in b.steps] == [s.next_observation for s in a.steps]
    assert [s.user_input for s in b.steps] == [s.user_input for s in a.steps]
    assert [s.answer for s in b.steps] == [s.answer for s in a.steps]


@pytest.mark.parametrize("fmt", ["openai", "actionstudio", "apigen-mt"])
def test_conversation_shapes_round_trip(fmt: str) -> None:
    traj = multi_turn()
    record = json.loads(json.dumps(to_record(traj, fmt)))
    assert detect_format(record) == fmt
    back = from_record(record, fmt)
    kept(traj, back)
    assert back.task_instruction == "Be brief."
    assert back.outcome == "answer" and back.answer == "22°C in Rome."


@pytest.mark.parametrize("fmt", ["openai", "actionstudio"])
def test_thoughts_and_ids_survive_message_shapes(fmt: str) -> None:
    traj = multi_turn()
    back = from_record(to_record(traj, fmt), fmt)
    assert back.unique_trajectory_id == "mt-1"
    assert [s.thought for s in back.steps if s.tool_calls] == ["Two lookups.", "Rome now."]


def test_openai_shape_is_the_chat_completions_wire_shape() -> None:
    record = to_record(multi_turn(), "openai")
    assert record["tools"][0] == {"type": "function", "function": WEATHER}
    assert record["messages"][0] == {"role": "system", "content": "Be brief."}
    call = record["messages"][2]["tool_calls"][0]
    assert call["type"] == "function"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    tool_msgs = [m for m in record["messages"] if m["role"] == "tool"]
    assert all(isinstance(m["content"], str) for m in tool_msgs)
    assert tool_msgs[1]["content"] == "14:05"


def test_openai_results_are_matched_to_calls_by_id() -> None:
    messages = [
        {"role": "user", "content": "both"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"city": "A"}'},
                },
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"city": "B"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "b", "content": "B-time"},
        {"role": "tool", "tool_call_id": "a", "content": "A-time"},
        {"role": "assistant", "content": "done"},
    ]
    traj = from_record(
        {"messages": messages, "tools": [{"type": "function", "function": TIME}]}, "openai"
    )
    assert traj.tools == [TIME]
    assert traj.steps[0].next_observation == ["A-time", "B-time"]
    assert traj.steps[0].tool_calls[1]["arguments"] == {"city": "B"}
    assert from_record(messages, "openai").query == "both"  # a bare message list works too


def test_actionstudio_record_shape() -> None:
    record = to_record(multi_turn(), "actionstudio")
    assert set(record) == {"unique_trajectory_id", "task_instruction", "tools", "conversation"}
    call = record["conversation"][1]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": {"city": "Paris"}}
    assert record["conversation"][0] == {"role": "user", "content": "Weather and time in Paris?"}


APIGEN_MT: dict[str, Any] = {
    "system": "You are an airline agent. Follow the policy.",
    "tools": json.dumps(
        [
            {
                "name": "get_user_details",
                "description": "Get a user.",
                "parameters": {
                    "type": "object",
                    "properties": {"user_id": {"type": "string"}},
                    "required": ["user_id"],
                },
            }
        ]
    ),
    "conversations": [
        {"from": "human", "value": "Hi, I'm mia_li_3668. What's my membership?"},
        {
            "from": "function_call",
            "value": '{"name": "get_user_details", "arguments": {"user_id": "mia_li_3668"}}',
        },
        {"from": "observation", "value": '{"membership": "gold", "name": "Mia Li"}'},
        {"from": "gpt", "value": "You are a gold member, Mia."},
        {"from": "human", "value": "Thanks!"},
        {"from": "gpt", "value": "You're welcome."},
    ],
}


def test_apigen_mt_dataset_record_is_read() -> None:
    traj = from_record(APIGEN_MT)  # detected
    assert traj.task_instruction.startswith("You are an airline agent")
    assert traj.tools[0]["name"] == "get_user_details"
    assert traj.query == "Hi, I'm mia_li_3668. What's my membership?"
    assert calls_of(traj)[0] == [
        {"name": "get_user_details", "arguments": {"user_id": "mia_li_3668"}}
    ]
    assert traj.steps[0].next_observation == [{"membership": "gold", "name": "Mia Li"}]
    assert traj.steps[1].answer == "You are a gold member, Mia."
    assert traj.steps[1].user_input == "Thanks!"
    assert traj.outcome == "answer" and traj.answer == "You're welcome."
    # the same record twice gets the same id, so a re-import is caught as a duplicate
    assert from_record(APIGEN_MT).unique_trajectory_id == traj.unique_trajectory_id
    again = from_record(json.loads(json.dumps(to_record(traj, "apigen-mt"))), "apigen-mt")
    kept(traj, again)


def test_apigen_mt_parallel_calls_are_one_step() -> None:
    record = to_record(multi_turn(), "apigen-mt")
    kinds = [t["from"] for t in record["conversations"]]
    assert kinds[:5] == ["human", "function_call", "function_call", "observation", "observation"]
    assert isinstance(record["tools"], str)
    back = from_record(record, "apigen-mt")
    assert len(back.steps[0].tool_calls) == 2


XLAM_60K: dict[str, Any] = {
    "id": 17,
    "query": "Where can I find live giveaways for beta access and games?",
    "tools": json.dumps(
        [
            {
                "name": "live_giveaways_by_type",
                "description": "Retrieve live giveaways by type.",
                "parameters": {
                    "type": {"description": "beta, game or loot", "type": "str", "default": "game"}
                },
            }
        ]
    ),
    "answers": json.dumps(
        [
            {"name": "live_giveaways_by_type", "arguments": {"type": "beta"}},
            {"name": "live_giveaways_by_type", "arguments": {"type": "game"}},
        ]
    ),
}


def test_xlam60k_round_trip() -> None:
    traj = from_record(XLAM_60K)
    assert traj.unique_trajectory_id == "xlam60k-17"
    assert traj.tools[0]["parameters"]["type"]["default"] == "game"  # kept as given
    assert calls_of(traj) == [
        [
            {"name": "live_giveaways_by_type", "arguments": {"type": "beta"}},
            {"name": "live_giveaways_by_type", "arguments": {"type": "game"}},
        ]
    ]
    assert traj.outcome == "answer"
    out = to_record(traj, "xlam60k")
    assert out["id"] == 17 and out["query"] == XLAM_60K["query"]
    assert json.loads(out["answers"]) == json.loads(XLAM_60K["answers"])
    assert json.loads(out["tools"]) == json.loads(XLAM_60K["tools"])


def test_xlam60k_keeps_the_first_calls_of_a_longer_run() -> None:
    out = to_record(multi_turn(), "xlam60k", index=5)
    assert out["id"] == 5
    assert json.loads(out["answers"]) == calls_of(multi_turn())[0]
    back = from_record(out, "xlam60k")
    assert back.query == multi_turn().query and back.tools == multi_turn().tools
    assert calls_of(back) == [calls_of(multi_turn())[0]]


def test_unified_keeps_everything_and_strict_keeps_figure_4() -> None:
    traj = full_trajectory()
    assert from_record(to_record(traj), "unified") == traj
    strict = to_record(traj, strict=True)
    assert strict == traj.to_unified()
    back = from_record(strict, "unified")
    assert back.to_unified() == traj.to_unified()
    assert back.steps[0].call_errors == []


def test_messages_before_any_reply_and_stray_results() -> None:
    traj = trajectory_from_messages(
        [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "a"},
            {"role": "user", "content": "b"},
            {"role": "assistant", "content": "ok"},
        ]
    )
    assert traj.task_instruction == "sys" and traj.query == "a\nb"
    with pytest.raises(ValueError, match="before any assistant"):
        trajectory_from_messages(
            [{"role": "user", "content": "q"}, {"role": "tool", "content": "x"}]
        )
    with pytest.raises(ValueError, match="unknown role"):
        trajectory_from_messages([{"role": "robot", "content": "q"}])


def test_detect_format_and_unknown_formats() -> None:
    assert detect_format({"query": "q", "steps": []}) == "unified"
    assert detect_format({"messages": []}) == "openai"
    with pytest.raises(ValueError, match="cannot tell"):
        detect_format({"foo": 1})
    with pytest.raises(TrajectoryError, match="unknown record format"):
        to_record(multi_turn(), "sharegpt")


# -- JSONL ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_jsonl_round_trip_in_every_format(tmp_path: Path, fmt: str) -> None:
    runs = [multi_turn(), full_trajectory()]
    path = tmp_path / "out" / f"{fmt}.jsonl"
    assert write_jsonl(runs, path, fmt) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(isinstance(json.loads(x), dict) for x in lines)
    assert not list(tmp_path.glob("out/*.partial"))
    loaded, issues = read_jsonl(path)  # format detected per line
    assert issues == []
    assert [t.query for t in loaded] == [r.query for r in runs]
    if fmt != "xlam60k":
        kept(runs[0], loaded[0])


def test_damaged_lines_are_reported_with_numbers_and_skipped(tmp_path: Path) -> None:
    good = json.dumps(multi_turn().to_record(), ensure_ascii=False)
    path = tmp_path / "damaged.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good.encode(),  # 1 ok
                b"{this is not json",  # 2 corrupt
                b"",  # 3 blank: ignored
                json.dumps({"query": "q", "steps": "nope"}).encode(),  # 4 wrong shape
                b"[1, 2, 3]",  # 5 not a record
                b"\xff\xfe garbage",  # 6 not UTF-8
                json.dumps(XLAM_60K).encode(),  # 7 ok
                good.encode()[: len(good) // 2],  # 8 truncated by a crash
            ]
        )
    )
    loaded, issues = read_jsonl(path)
    assert [t.unique_trajectory_id for t in loaded] == ["mt-1", "xlam60k-17"]
    assert [i.line for i in issues] == [2, 4, 5, 6, 8]
    assert all(isinstance(i, ImportIssue) for i in issues)
    assert "invalid JSON" in issues[0].message
    assert "steps" in issues[1].message
    assert "UTF-8" in issues[3].message
    assert "truncated" in issues[4].message
    assert str(issues[0]).startswith("line 2: ")


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryError, match="cannot read"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_forced_format_reports_records_of_another_shape(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(XLAM_60K) + "\n" + json.dumps(APIGEN_MT) + "\n")
    loaded, issues = read_jsonl(path, "apigen-mt")
    assert len(loaded) == 1 and loaded[0].task_instruction.startswith("You are an airline")
    assert [i.line for i in issues] == [1]
    assert "conversations" in issues[0].message


def test_unicode_is_written_as_is(tmp_path: Path) -> None:
    traj = Trajectory(query="Température à Zürich ?", steps=[answer_step(1, "18 °C")])
    path = tmp_path / "u.jsonl"
    write_jsonl([traj], path)
    assert "Température à Zürich" in path.read_text(encoding="utf-8")
