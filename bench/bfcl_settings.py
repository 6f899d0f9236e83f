"""BFCL accuracy of one model with one generation per case and with the Agent, side by side.

    python bench/bfcl_settings.py single --limit 10 --threads 1 --out runs/bfcl-settings
    python bench/bfcl_settings.py multi --limit 1 --threads 1 --out runs/mt-settings

`single`: the first `--limit` cases of each single-turn category, in the one-generation settings
(free, constrained, constrained-required) and the agent settings (the same decodings with each
case run by the Agent: verification, repairs, error feedback, retries within `--max-steps`,
scored on the first calls that all verify). Calls-only settings skip irrelevance, which they
fail by construction. The gold oracle runs on the same cases (one generation and agent) as the
baseline that shows the pipeline scores a perfect answer 100%.

`multi`: the first `--limit` cases of each multi-turn category; every setting runs the Agent
loop per user turn: "free" (free decoding), "constrained" (the call grammar, text allowed) and
"agent" (the call grammar behind the built-in `CallGate()`, as docs/small-models.md sets up a
small model: each auto turn drafts calls under the calls-only grammar and keeps them when they
are grounded in the conversation). The settings of one case run one after another, so the
llama.cpp prefix cache reads its long prompt (every function doc of its environments) once.

Results go to `<out>/results-<setting>.jsonl` (resumable), the table to `<out>/table.md`
(printed as Markdown), reports to `<out>/report-<setting>.json`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.eval import EvalReport, evaluate_bfcl, load_bfcl  # noqa: E402
from lamagent.eval.bfcl_data import select_cases  # noqa: E402
from lamagent.eval.multi_turn import MultiTurnReport  # noqa: E402
from lamagent.eval.report import AGENT_SETTINGS, SETTINGS, markdown_comparison  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402
from lamagent.settings import Limits  # noqa: E402

SINGLE = ("simple_python", "multiple", "live_simple", "irrelevance")
MULTI = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)
MULTI_SETTINGS = ("free", "constrained", "agent")


def markdown(reports: dict[str, EvalReport]) -> str:
    """One row per category, one column per setting: accuracy (passed/total)."""
    names = list(reports)
    lines = markdown_comparison(reports)
    if any(isinstance(r, MultiTurnReport) for r in reports.values()):
        cells = []
        for name in names:
            turns = [t for r in reports[name].results for t in getattr(r, "turn_results", [])]
            cells.append(f"{sum(t.passed for t in turns)}/{len(turns)}")
        lines.append("| turns passed (of turns reached) | " + " | ".join(cells) + " |")
    else:
        retried = [str(reports[n].retried) for n in names]
        lines.append("| cases retried (steps > 1) | " + " | ".join(retried) + " |")
    lines.append(
        "| seconds per case (median) | "
        + " | ".join(
            f"{statistics.median(x.seconds for x in reports[n].results):.1f}"
            if reports[n].results
            else "-"
            for n in names
        )
        + " |"
    )
    return "\n".join(lines)


def failures(reports: dict[str, EvalReport]) -> str:
    """Failures by reason, one row per setting and category."""
    lines = ["| setting | category | failures by reason |", "|---|---|---|"]
    for name, report in reports.items():
        for cat, score in report.categories.items():
            if score.reasons:
                reasons = ", ".join(
                    f"{k} {v}" for k, v in sorted(score.reasons.items(), key=lambda kv: -kv[1])
                )
                lines.append(f"| {name} | {cat} | {reasons} |")
    return "\n".join(lines)


def _backend(a: argparse.Namespace):  # type: ignore[no-untyped-def]
    from lamagent.backends import load_model

    kwargs: dict[str, int] = {"n_ctx": a.n_ctx}
    if a.threads is not None:
        kwargs["n_threads"] = a.threads
    return load_model(None if a.model == "default" else a.model, **kwargs)


def single(a: argparse.Namespace) -> dict[str, EvalReport]:
    out = Path(a.out)
    cases = select_cases(load_bfcl(a.data, a.category or list(SINGLE)), limit=a.limit)
    backend = _backend(a)
    params = GenerationParams(max_tokens=a.max_tokens)
    limits = Limits(max_steps=a.max_steps)
    chosen = a.setting or [*SETTINGS, *AGENT_SETTINGS]
    reports: dict[str, EvalReport] = {}
    for name in chosen:
        agent = name in AGENT_SETTINGS
        constrained, tool_choice = (AGENT_SETTINGS if agent else SETTINGS)[name]
        run = cases
        if tool_choice == "required":
            run = [c for c in cases if "irrelevance" not in c.category]
        report = evaluate_bfcl(
            backend,
            run,
            format=a.format,
            constrained=constrained,
            tool_choice=tool_choice,  # type: ignore[arg-type]
            out=out / f"results-{name}.jsonl",
            generation=params,
            agent=agent,
            limits=limits if agent else None,
        )
        report.save_json(out / f"report-{name}.json")
        reports[name] = report
    fmt = next(iter(reports.values())).format
    gold = {
        "gold (baseline)": evaluate_bfcl("gold", cases, format=fmt, progress=False),
        "gold agent": evaluate_bfcl(
            "gold", cases, format=fmt, agent=True, limits=limits, progress=False
        ),
    }
    return {**gold, **reports}


def multi(a: argparse.Namespace) -> dict[str, EvalReport]:
    from lamagent.eval.multi_turn import evaluate_multi_turn, load_multi_turn
    from lamagent.gate import CallGate

    out = Path(a.out)
    categories = a.category or list(MULTI)
    loaded = load_multi_turn(categories)
    cases = [c for cat in categories for c in [x for x in loaded if x.category == cat][: a.limit]]
    backend = _backend(a)
    limits = Limits(max_steps=a.max_steps)
    params = GenerationParams(max_tokens=a.max_tokens)
    chosen = a.setting or list(MULTI_SETTINGS)
    reports: dict[str, EvalReport] = {}
    for case in cases:  # case by case: the settings share the case's prompt prefix
        for name in chosen:
            reports[name] = evaluate_multi_turn(
                backend,
                cases=[case],
                format=a.format,
                constrained=name != "free",
                gate=CallGate() if name == "agent" else None,
                limits=limits,
                generation=params,
                max_case_seconds=a.max_case_seconds,
                results=out / f"results-{name}.jsonl",
                store=out / "trajectories.db",
                progress=False,
            )
            print(f"{case.id} {name}: passed={reports[name].results[0].passed}", flush=True)
    # every case of each setting, read back from its results file (resumed, nothing runs)
    for name in chosen:
        reports[name] = evaluate_multi_turn(
            backend,
            cases=cases,
            format=a.format,
            constrained=name != "free",
            gate=CallGate() if name == "agent" else None,
            limits=limits,
            generation=params,
            results=out / f"results-{name}.jsonl",
            progress=False,
        )
        reports[name].save_json(out / f"report-{name}.json")
    gold = evaluate_multi_turn("gold", cases=cases, limits=limits, progress=False)
    return {"gold (baseline)": gold, **reports}


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("kind", choices=["single", "multi"])
    p.add_argument("--model", default="default", help='"default" (embedded), a .gguf, ...')
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--category", "-c", action="append", help="repeatable")
    p.add_argument("--setting", action="append", help="repeatable; default: all of the kind")
    p.add_argument("--limit", type=int, default=10, help="first N cases per category")
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--max-steps", type=int, default=3, help="Agent steps (per turn)")
    p.add_argument("--max-case-seconds", type=float, default=1800.0, help="multi-turn")
    p.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    p.add_argument("--n-ctx", type=int, default=8192)
    p.add_argument("--format", default=None)
    p.add_argument("--out", default="runs/bfcl-settings")
    a = p.parse_args(argv)
    started = time.perf_counter()
    reports = single(a) if a.kind == "single" else multi(a)
    table = markdown(reports) + "\n\n" + failures(reports)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.md").write_text(table + "\n", encoding="utf-8")
    print(f"\nfirst {a.limit} cases per category, max_steps {a.max_steps}\n")
    print(table)
    print(f"\ntable: {out / 'table.md'}  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
