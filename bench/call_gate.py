"""Calls-only, auto and auto with the call gate, on the same held-out BFCL cases.

    python bench/call_gate.py --threads 2                         # the embedded model
    python bench/call_gate.py --gate runs/gate.json --limit 50

The cases are the held-out half of `lamagent.eval.split.split_cases` (seed 0), so a gate
calibrated with `lamagent eval calibrate-gate` (which fits on the train half) is measured on
cases it never saw; `--limit` keeps the first N of each category. The three settings run one
after the other on one loaded model, each scored by lamagent's checker, and the table (passed
per category; the seconds the cases took, summed per setting) is printed as Markdown and
written to `<out>/table.md`. Results go to `<out>/results-<setting>.jsonl`, so an interrupted
run resumes (and `--setting` runs some settings only, e.g. in a second process).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.backends import load_model  # noqa: E402
from lamagent.eval import EvalReport, evaluate_bfcl, load_bfcl  # noqa: E402
from lamagent.eval.bfcl_data import select_cases  # noqa: E402
from lamagent.eval.split import split_cases  # noqa: E402
from lamagent.gate import CallGate  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402

CATEGORIES = ("simple_python", "multiple", "live_simple", "irrelevance")
#: name -> (tool_choice, gated)
SETTINGS: dict[str, tuple[str, bool]] = {
    "calls only": ("required", False),
    "auto": ("auto", False),
    "auto + gate": ("auto", True),
}


def markdown(reports: dict[str, EvalReport], seconds: dict[str, float]) -> str:
    """One row per category, one column per setting: passed/total (accuracy)."""
    names = list(reports)
    categories = [c for c in CATEGORIES if any(c in r.categories for r in reports.values())]
    lines = ["| category (n) | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cat in categories:
        total = next(r.categories[cat].total for r in reports.values() if cat in r.categories)
        cells = []
        for name in names:
            score = reports[name].categories.get(cat)
            cells.append(f"{score.passed} ({score.accuracy:.0%})" if score else "not run")
        lines.append(f"| {cat} ({total}) | " + " | ".join(cells) + " |")
    lines.append(
        "| seconds (sum over cases) | " + " | ".join(f"{seconds[n]:.0f}" for n in names) + " |"
    )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="default", help='"default" (embedded) or a .gguf file')
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--category", "-c", action="append", help="repeatable; default: 4 kinds")
    p.add_argument("--limit", type=int, default=30, help="first N held-out cases per category")
    p.add_argument("--gate", default=None, help="a gate JSON (calibrate-gate); default: built in")
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--threads", type=int, default=2, help="llama.cpp threads")
    p.add_argument("--out", default="runs/call-gate")
    p.add_argument(
        "--setting", action="append", choices=list(SETTINGS), help="repeatable; default: all"
    )
    a = p.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    _, held_out = split_cases(load_bfcl(a.data, a.category or list(CATEGORIES)))
    cases = select_cases(held_out, limit=a.limit)
    backend = load_model(None if a.model == "default" else a.model, n_threads=a.threads)
    params = GenerationParams(max_tokens=a.max_tokens)
    reports: dict[str, EvalReport] = {}
    seconds: dict[str, float] = {}
    gate = CallGate()
    for name, (choice, gated) in SETTINGS.items():
        if a.setting and name not in a.setting:
            continue
        if gated and a.gate:
            gate = CallGate.load(a.gate)  # read when needed: a calibration may still be running
        reports[name] = evaluate_bfcl(
            backend,
            cases,
            constrained=True,
            tool_choice=choice,
            gate=gate if gated else None,
            generation=params,
            out=out / f"results-{name.replace(' ', '').replace('+', '-')}.jsonl",
        )
        # the cases' own seconds: right even when a run was resumed or split across processes
        seconds[name] = sum(r.seconds for r in reports[name].results)
    table = markdown(reports, seconds)
    print(f"gate: {gate.to_dict()}")
    print(table)
    (out / "table.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
