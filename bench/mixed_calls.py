"""Mixed calls: calls whose values two asks of an enumerating request write, none all.

    python bench/mixed_calls.py --data <bfcl_eval's data> \\
        [runs/x/results-calls-only-copy-mentions-shapes-listed.jsonl ...]

For the BFCL cases whose request enumerates its asks ("First, ... Then, ... Finally, ...":
`lamagent.gate.parts.request_parts`), counts the calls `lamagent.gate.parts.mixed_calls`
reads as mixed: among the answers' calls (each argument at its first acceptable value),
and among the calls of each results file given, with how many of those match an expected
call (`lamagent.eval.matched_calls`). A rule that reads mixed calls as garbled is as good as
the answers hold few and the runs' mixed calls are mostly wrong.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lamagent.eval import load_bfcl, matched_calls
from lamagent.eval.bfcl_data import BFCLCase, first_acceptable_calls
from lamagent.gate.parts import mixed_calls, request_parts
from lamagent.messages import ToolCall

ROOT = Path(__file__).resolve().parent.parent


def _query(case: BFCLCase) -> str:
    return " ".join(str(m.get("content") or "") for m in case.messages if m.get("role") == "user")


def _calls(raw: Any) -> list[ToolCall]:
    calls = []
    for call in raw or []:
        if isinstance(call, dict) and isinstance(call.get("arguments"), dict):
            calls.append(ToolCall(name=str(call.get("name")), arguments=call["arguments"]))
    return calls


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("results", nargs="*", type=Path, help="results-*.jsonl files of bench runs")
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument(
        "-c", "--category", action="append", help="categories (default: all with answers)"
    )
    p.add_argument("--list", action="store_true", help="print each mixed call")
    a = p.parse_args()

    cases = {c.id: c for c in load_bfcl(a.data, a.category) if c.ground_truth}
    queries = {i: q for i, c in cases.items() if request_parts(q := _query(c)) is not None}
    print(f"{len(queries)} of {len(cases)} cases enumerate their asks\n")
    print("| calls of | calls | mixed | mixed and right |")
    print("|---|---:|---:|---:|")
    total = mixed = 0
    for case_id, query in queries.items():
        case = cases[case_id]
        calls = _calls(first_acceptable_calls(case.ground_truth or [], case.functions))
        found = mixed_calls(calls, query)
        total, mixed = total + len(calls), mixed + len(found)
        for call in found if a.list else ():
            print(f"answer {case_id}: {call.to_xlam()}")
    print(f"| the answers | {total} | {mixed} | {mixed} |")
    for path in a.results:
        rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
        total = mixed = right = 0
        for row in rows:
            if row["id"] not in queries:
                continue
            case, calls = cases[row["id"]], _calls(row.get("calls"))
            total += len(calls)
            for call in mixed_calls(calls, queries[row["id"]]):
                mixed += 1
                one = matched_calls(case.record, case.ground_truth or [], [call.to_xlam()])
                right += one.matched
                if a.list:
                    print(f"{path.parent.name} {row['id']} ({one.matched}): {call.to_xlam()}")
        print(f"| {path.parent.name} | {total} | {mixed} | {right} |")


if __name__ == "__main__":
    main()
