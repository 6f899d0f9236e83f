"""Replay recorded calls-only turns through the call rules of this checkout.

The turn rules (`listed_items`, `example_shapes`: lists, clauses, calls nobody asked for,
numbers and lists as written, percentages) run after the model's generation and generate
nothing, so a calls-only run's raw outputs (each row's `output` in the results files
`bench/copy_bias.py` and `lamagent eval` write) give the same calls under any version of the
rules, byte for byte. This script parses each row's output with the row's Format, applies
this checkout's rules with the row's settings, scores the calls with lamagent's checker, and
prints the verdicts before (as recorded) and after, with the cases won, lost and changed.

    python bench/replay_rules.py runs/copy-bias/results-calls-only-copy-mentions-shapes-listed.jsonl
    python bench/replay_rules.py --data <bfcl-eval's data> results.jsonl --show
    python bench/replay_rules.py --data <bfcl-eval's data> results.jsonl --out replayed.jsonl
    python bench/replay_rules.py --data <bfcl-eval's data> results.jsonl --recorded-calls

`--recorded-calls` replays the rules that read the turn's final call list, after the drafts
that added calls (`lamagent.gate.final_calls`), on each row's recorded calls.

`--out` writes each row again with the replayed calls and verdict, in the results files' form:
replayed from two checkouts (a git worktree for the base), the two files compare call by call
with `bench/matched_calls.py`.

Gated rows are refused: the gate decides on the turn after the rules, and a draft it threw
away for a text answer is not recorded; measure the gate with runs of both versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.eval import load_bfcl  # noqa: E402
from lamagent.eval.checker import check_bfcl  # noqa: E402
from lamagent.eval.runner import MAX_CALLS  # noqa: E402
from lamagent.formats import get as get_format  # noqa: E402
from lamagent.generation import Generation, GenerationParams  # noqa: E402
from lamagent.messages import AssistantTurn  # noqa: E402
from lamagent.tools import Tool  # noqa: E402
from lamagent.turns import ModelTurn, TurnRequest, with_call_rules  # noqa: E402


def ruled_calls(
    turn: AssistantTurn, case: Any, params: GenerationParams, output: str
) -> list[dict[str, Any]]:
    """The calls this checkout's turn rules (`with_call_rules`) make of a calls-only `turn`
    the model wrote (`output`) for a BFCL case, under `params`."""
    request = TurnRequest(
        messages=case.messages,
        tools=[Tool.from_spec(f) for f in case.prompt_functions],
        params=params,
        tool_choice="required",
        constrained=True,
        max_calls=MAX_CALLS,
    )
    model_turn = with_call_rules(ModelTurn(turn, Generation(text=output)), request)
    return [call.to_xlam() for call in model_turn.turn.calls]


def replay(row: dict[str, Any], case: Any) -> list[dict[str, Any]]:
    """The calls this checkout's rules make of the row's raw output."""
    turn = get_format(row["format"]).parse(row["output"])
    params = GenerationParams(
        listed_items=bool(row.get("listed_items")),
        example_shapes=bool(row.get("example_shapes")),
        mentioned_arguments=bool(row.get("mentioned_arguments")),
    )
    return ruled_calls(turn, case, params, row["output"])


def replay_recorded(row: dict[str, Any], case: Any) -> list[dict[str, Any]]:
    """The calls the rules that read a turn's final call list (`lamagent.gate.final_calls`:
    other tools' asks, values of another ask; the last step of `PromptTurns.sentence_calls`)
    make of the row's recorded calls."""
    from lamagent.gate.final_calls import final_calls
    from lamagent.gate.signals import query_text
    from lamagent.messages import ToolCall

    calls = [ToolCall(name=c["name"], arguments=c["arguments"]) for c in row["calls"]]
    tools = [Tool.from_spec(f) for f in case.prompt_functions]
    floats = bool(row.get("example_shapes"))
    final = final_calls(calls, query_text(case.messages), tools, floats=floats)
    return [call.to_xlam() for call in final.calls]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("results", nargs="+", help="results files (JSON lines) of calls-only runs")
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--show", action="store_true", help="print each changed case's calls")
    p.add_argument("--out", help="write the replayed rows (JSON lines) to this file")
    p.add_argument(
        "--recorded-calls",
        action="store_true",
        help="apply the rules that read the turn's final calls (other tools' asks) to the "
        "recorded calls, not the rules to the raw output (the drafts that added calls are "
        "not in the output)",
    )
    a = p.parse_args()
    before = after = total = 0
    won: list[str] = []
    lost: list[str] = []
    changed: list[str] = []
    replayed: list[dict[str, Any]] = []
    for path in a.results:
        rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
        gated = [r["id"] for r in rows if r.get("gate") or r.get("tool_choice") != "required"]
        if gated:
            sys.exit(f"{path}: {len(gated)} rows are not calls-only turns (e.g. {gated[0]})")
        cases = {c.id: c for c in load_bfcl(a.data, sorted({r["category"] for r in rows}))}
        for row in rows:
            case = cases[row["id"]]
            calls = replay_recorded(row, case) if a.recorded_calls else replay(row, case)
            passed = check_bfcl(case.record, case.ground_truth, calls, category=case.category)
            verdict = {"passed": passed.passed, "reason": passed.reason, "detail": passed.detail}
            replayed.append({**row, "calls": calls, **verdict})
            total += 1
            before += bool(row["passed"])
            after += passed.passed
            if calls != row["calls"]:
                changed.append(row["id"])
                if a.show:
                    print(f"{row['id']}: {row['passed']} -> {passed.passed}")
                    print(f"  recorded: {json.dumps(row['calls'])}")
                    print(f"  replayed: {json.dumps(calls)}")
            if passed.passed and not row["passed"]:
                won.append(row["id"])
            elif row["passed"] and not passed.passed:
                lost.append(row["id"])
    if a.out:
        Path(a.out).write_text("".join(json.dumps(r) + "\n" for r in replayed))
    print("| cases | recorded | replayed | won | lost | calls changed |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {total} | {before} | {after} | {len(won)} | {len(lost)} | {len(changed)} |")
    print(f"\nwon: {', '.join(won) or '-'}\nlost: {', '.join(lost) or '-'}")
    print(f"changed: {', '.join(changed) or '-'}")


if __name__ == "__main__":
    main()
