"""BFCL accuracy of one model in the three decoding settings, side by side, with the gold oracle.

    python bench/bfcl_model.py                                   # the embedded model, 50 cases
    python bench/bfcl_model.py --model runs/x/tuned-f16.gguf --limit 100 --out runs/bfcl-tuned

Runs `lamagent.eval.evaluate_bfcl` on the same cases (the first `--limit` of each category) in
each setting: free, constrained (the Format's call grammar, text allowed) and
constrained-required (calls only; not run on irrelevance categories, where it fails by
construction). The gold oracle runs on the same cases first, as the baseline that proves the
pipeline scores a perfect answer 100%. Results go to `<out>/results-<setting>.jsonl`, so an
interrupted run resumes; the combined table is printed as Markdown and written to
`<out>/table.md`, the chart to `<out>/accuracy.png`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.backends import load_model  # noqa: E402
from lamagent.eval import EvalReport, evaluate_bfcl, load_bfcl  # noqa: E402
from lamagent.eval.bfcl_data import select_cases  # noqa: E402
from lamagent.eval.report import SETTINGS, markdown_comparison, plot_accuracy  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402

CATEGORIES = ("simple_python", "multiple", "parallel", "irrelevance")


def markdown(reports: dict[str, EvalReport], seconds: dict[str, float]) -> str:
    """One row per category, one column per setting: passed/total and accuracy."""
    names = list(reports)
    lines = markdown_comparison(reports)
    lines.append(
        "| seconds per case (median) | "
        + " | ".join(f"{seconds[name]:.2f}" for name in names)
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="default", help='"default" (embedded), a .gguf, ...')
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--category", "-c", action="append", help="repeatable; default: 4 kinds")
    p.add_argument("--limit", type=int, default=50, help="first N cases per category")
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    p.add_argument("--format", default=None)
    p.add_argument("--out", default="runs/bfcl-embedded")
    a = p.parse_args()

    out = Path(a.out)
    cases = select_cases(load_bfcl(a.data, a.category or list(CATEGORIES)), limit=a.limit)
    kwargs = {} if a.threads is None else {"n_threads": a.threads}
    backend = load_model(None if a.model == "default" else a.model, **kwargs)
    reports: dict[str, EvalReport] = {}
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    for name, (constrained, tool_choice) in SETTINGS.items():
        chosen = cases
        if tool_choice == "required":
            chosen = [c for c in cases if "irrelevance" not in c.category]
        report = evaluate_bfcl(
            backend,
            chosen,
            format=a.format,
            constrained=constrained,
            tool_choice=tool_choice,
            out=out / f"results-{name}.jsonl",
            generation=GenerationParams(max_tokens=a.max_tokens),
        )
        report.save_json(out / f"report-{name}.json")
        reports[name] = report
        times = sorted(r.seconds for r in report.results)
        seconds[name] = times[len(times) // 2] if times else 0.0
    # The baseline: the oracle's answers through the same format, parser and checker.
    gold = evaluate_bfcl("gold", cases, format=reports["free"].format, progress=False)
    reports = {"gold (baseline)": gold, **reports}
    seconds["gold (baseline)"] = 0.0
    table = markdown(reports, seconds)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.md").write_text(table + "\n", encoding="utf-8")
    chart = plot_accuracy(list(reports.values()), out / "accuracy.png")
    print(f"\n{backend.info.model_id}, format {gold.format}, first {a.limit} cases per category\n")
    print(table)
    print(f"\ntable: {out / 'table.md'}  chart: {chart}  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
