"""bench/replay_rules.py: a recorded calls-only turn through this checkout's rules, and the
replayed rows it writes for `bench/matched_calls.py`."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "bfcl"


def _bench() -> ModuleType:
    path = ROOT / "bench" / "replay_rules.py"
    spec = importlib.util.spec_from_file_location("replay_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_replayed_rows_hold_the_rules_calls_and_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # BFCL parallel_6 as the embedded model drafts it: the first clause's call alone; the
    # clauses rule adds the other two
    first = {
        "name": "calculate_sales_tax",
        "arguments": {"purchase_amount": 30.45, "city": "Chicago", "state": "Illinois"},
    }
    row = {
        "id": "parallel_6",
        "category": "parallel",
        "format": "xlam2-qwen",
        "tool_choice": "required",
        "gate": None,
        "listed_items": True,
        "example_shapes": True,
        "passed": False,
        "reason": "wrong_count",
        "detail": "1 calls, expected 3",
        "output": json.dumps([first]),
        "calls": [first],
    }
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(row) + "\n")
    out = tmp_path / "replayed.jsonl"
    argv = ["replay_rules.py", "--data", str(DATA), "--out", str(out), str(results)]
    monkeypatch.setattr(sys, "argv", argv)
    _bench().main()
    assert "won: parallel_6" in capsys.readouterr().out
    (replayed,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert [c["arguments"]["city"] for c in replayed["calls"]] == [
        "Chicago",
        "Sacramento",
        "Portland",
    ]
    assert (replayed["passed"], replayed["reason"], replayed["detail"]) == (True, None, "")
    assert replayed["output"] == row["output"]  # the rest of the row as recorded


def test_recorded_calls_replay_the_rule_that_reads_the_final_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # BFCL parallel_multiple_93 as the embedded model's turn ended: a call of the geology
    # tool on the history tool's clause (`lamagent.gate.other_asks`)
    def tool(name: str, key: str) -> dict[str, Any]:
        properties = {key: {"type": "string"}, "calculate_years_ago": {"type": "boolean"}}
        parameters = {"type": "dict", "properties": properties, "required": [key]}
        return {"name": name, "description": f"The tool {name}.", "parameters": parameters}

    query = (
        "Could you tell me the estimated date of the Jurassic geological era? Also, could you "
        "provide the date of the signing of the Magna Carta?"
    )
    case = {
        "id": "parallel_multiple_93",
        "question": [[{"role": "user", "content": query}]],
        "function": [
            tool("geology.get_era", "era_name"),
            tool("history.get_event_date", "event_name"),
        ],
    }
    answer = {
        "id": case["id"],
        "ground_truth": [
            {"geology.get_era": {"era_name": ["Jurassic"], "calculate_years_ago": ["", False]}},
            {
                "history.get_event_date": {
                    "event_name": ["Magna Carta"],
                    "calculate_years_ago": ["", False],
                }
            },
        ],
    }
    data = tmp_path / "bfcl"
    (data / "possible_answer").mkdir(parents=True)
    (data / "BFCL_v4_parallel_multiple.json").write_text(json.dumps(case) + "\n")
    (data / "possible_answer" / "BFCL_v4_parallel_multiple.json").write_text(
        json.dumps(answer) + "\n"
    )
    calls = [
        {"name": "geology.get_era", "arguments": {"era_name": "Jurassic"}},
        {"name": "geology.get_era", "arguments": {"era_name": "Magna Carta"}},
        {"name": "history.get_event_date", "arguments": {"event_name": "Magna Carta"}},
    ]
    row = {
        "id": case["id"],
        "category": "parallel_multiple",
        "format": "xlam2-qwen",
        "tool_choice": "required",
        "gate": None,
        "listed_items": True,
        "passed": False,
        "output": json.dumps(calls[:1]),  # the first draft; the others added later
        "calls": calls,
    }
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(row) + "\n")
    out = tmp_path / "replayed.jsonl"
    argv = ["replay_rules.py", "--data", str(data), "--out", str(out), str(results)]
    monkeypatch.setattr(sys, "argv", [*argv, "--recorded-calls"])
    _bench().main()
    assert "won: parallel_multiple_93" in capsys.readouterr().out
    (replayed,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert replayed["calls"] == [calls[0], calls[2]] and replayed["passed"]
