"""Partial credit for runs of the BFCL benches: per category, the cases passed, the expected
calls the model made right (whatever its count) and the calls it made that match none, for
two or more results files of the same cases side by side.

BFCL passes a parallel case only when every call is right and none is extra; a change that
makes two of four calls right where one was shows nowhere in its pass rate. This reads the
`results-*.jsonl` files that `bench/copy_bias.py` (and the other BFCL benches) write:

    python bench/matched_calls.py --data <bfcl_eval's data> \\
        runs/base/results-calls-only-copy-mentions-shapes-listed.jsonl \\
        runs/new/results-calls-only-copy-mentions-shapes-listed.jsonl

Only the cases every file holds are counted; `--changed` lists those whose counts differ.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from lamagent.eval import CallMatch, load_bfcl, matched_calls

ROOT = Path(__file__).resolve().parent.parent


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {row["id"]: row for row in rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("results", nargs="+", type=Path, help="results-*.jsonl files, base first")
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--changed", action="store_true", help="list the cases whose counts differ")
    a = p.parse_args()

    runs = [_rows(path) for path in a.results]
    ids = [i for i in runs[0] if all(i in run for run in runs[1:])]
    categories = sorted({runs[0][i]["category"] for i in ids})
    cases = {c.id: c for c in load_bfcl(a.data, categories)}
    # per run and category: cases, passed, matched, expected, extra
    totals: list[dict[str, list[int]]] = [defaultdict(lambda: [0] * 5) for _ in runs]
    for case_id in ids:
        case = cases[case_id]
        matches: list[CallMatch] = []
        for run, total in zip(runs, totals, strict=True):
            row = run[case_id]
            match = matched_calls(case.record, case.ground_truth or [], row.get("calls") or [])
            matches.append(match)
            for key in (row["category"], "overall"):
                counts = total[key]
                counts[0] += 1
                counts[1] += bool(row["passed"])
                counts[2] += match.matched
                counts[3] += match.expected
                counts[4] += match.extra
        if a.changed and len(set(matches)) > 1:
            shown = " -> ".join(f"{m.matched}/{m.expected} +{m.extra}" for m in matches)
            print(f"{case_id}: {shown}")
    names = [path.parent.name for path in a.results]
    header = " | ".join(f"{n}: passed, calls right, extra" for n in names)
    print(f"\n| category (n) | {header} |")
    print("|---|" + "---:|" * len(names))
    for key in [*categories, "overall"]:
        cells = []
        for total in totals:
            n, passed, matched, expected, extra = total[key]
            cells.append(
                f"{passed}, {matched}/{expected} ({matched / max(expected, 1):.0%}), {extra}"
            )
        n = totals[0][key][0]
        print(f"| {key} ({n}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
