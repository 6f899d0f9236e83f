"""The call rules on right answers: each case's expected calls as the draft, through the rules.

A value rule is judged by what it mends and by what it breaks. What it mends shows on the
model's drafts (`bench/replay_rules.py`); what it breaks shows best on drafts that are
already right: the answers' own calls. This script takes each BFCL case's expected calls
(each argument at its first acceptable value, `first_acceptable_calls`) as a calls-only
draft, applies this checkout's turn rules (`with_call_rules`, with `example_shapes` and
`listed_items` on, as the evaluation runs them) and scores the result with lamagent's
checker. A rule that breaks an answer shows here as a case lost.

    python bench/answer_drafts.py --data <bfcl-eval's data> [-c simple_python ...] [--show]

Run it in two checkouts (a git worktree for the base) to see which answers a change breaks
or mends (an answer the base rules break and the change does not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from replay_rules import ruled_calls  # noqa: E402  (bench/, beside this script)

from lamagent.eval import load_bfcl  # noqa: E402
from lamagent.eval.bfcl_data import first_acceptable_calls  # noqa: E402
from lamagent.eval.checker import check_bfcl  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402
from lamagent.messages import AssistantTurn, ToolCall  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument(
        "-c", "--category", action="append", help="categories (default: all with answers)"
    )
    p.add_argument("--show", action="store_true", help="print each answer the rules change")
    a = p.parse_args()
    params = GenerationParams(listed_items=True, example_shapes=True, mentioned_arguments=True)
    total = kept = changed = 0
    broken: list[str] = []
    for case in load_bfcl(a.data, a.category):
        if not case.ground_truth:
            continue
        answers = first_acceptable_calls(case.ground_truth, case.functions)
        if not check_bfcl(case.record, case.ground_truth, answers, category=case.category).passed:
            continue  # an answer the checker does not take as written (a language's types)
        draft = [ToolCall(name=c["name"], arguments=c["arguments"]) for c in answers]
        calls = ruled_calls(AssistantTurn(calls=draft), case, params, json.dumps(answers))
        verdict = check_bfcl(case.record, case.ground_truth, calls, category=case.category)
        total += 1
        kept += verdict.passed
        changed += calls != answers
        if not verdict.passed:
            broken.append(case.id)
        if a.show and calls != answers:
            print(f"{case.id} ({'kept' if verdict.passed else 'broken'}):")
            print(f"  answer: {json.dumps(answers)}\n  rules:  {json.dumps(calls)}")
    print("| answers | still right | broken | calls changed |")
    print("|---:|---:|---:|---:|")
    print(f"| {total} | {kept} | {len(broken)} | {changed} |")
    print(f"\nbroken: {', '.join(broken) or '-'}")


if __name__ == "__main__":
    main()
