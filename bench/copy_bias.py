"""lamagent's decoding settings, with and without copy-aware decoding, beside llama-cpp-python's
own `chatml-function-calling` handler, on the same held-out BFCL cases and the same GGUF.

    python bench/copy_bias.py --threads 1 --limit 20                 # the embedded model
    python bench/copy_bias.py --setting "calls only" --setting "calls only + copy"
    python bench/copy_bias.py --split train --limit 30 -c simple_python -c multiple \
        -c parallel -c live_simple --setting "calls only" --setting "calls only + copy" \
        --copy-bias 3 --out runs/copy-bias-train           # how the strength was chosen
    python bench/copy_bias.py --limit 200 --word many --word much \
        --setting "gate + copy + mentions + shapes + listed"  # only questions with these words
    python bench/copy_bias.py --match "[a-z][0-9]" ...       # only questions matching a pattern
    python bench/copy_bias.py --skip 100 --limit 100 ...     # the next 100 of each category
    python bench/copy_bias.py --ids cases.txt --limit 1000 ... # only these case ids

The cases are the held-out half of `lamagent.eval.split.split_cases` (seed 0), the first
`--limit` of each category, so the built-in `CallGate` (fitted on the train half) and the copy
bias strength (chosen on the train half) are measured on cases they never saw. Every setting is
scored by lamagent's checker (`check_bfcl`):

- free: no grammar; constrained: the Format's "text or calls" grammar (tool_choice auto);
  calls only: the calls-only grammar (tool_choice required); gate: auto with the built-in call
  gate. "+ copy" adds `GenerationParams(copy_bias=--copy-bias)`. The bias acts only inside the
  JSON string values of a call grammar: free decoding has none, so "free + copy" is not run.
  "+ mentions" adds `GenerationParams(mentioned_arguments=True)`: a turn that must call (the
  gate's draft too) is generated again when a call left out an argument the user asked for.
  "+ shapes" adds `GenerationParams(example_shapes=True)`: a string parameter whose
  description shows its value's shape by example ("e.g. San Francisco, CA") takes it.
  "+ listed" adds `GenerationParams(listed_items=True)`: a call that took one item of a list
  the user wrote ("the factorial of 5, 10 and 15") gains the same call for each other item.
- chatml-function-calling: `llama_cpp.Llama(chat_format="chatml-function-calling")` on the same
  file, `create_chat_completion(messages, tools, tool_choice="auto")`, greedy, same token
  limit; its `tool_calls` are the calls.

Each setting writes `<out>/results-<setting>.jsonl` as it goes (an interrupted run resumes, and
`--setting` runs some settings only); the table (passed per category, seconds summed over the
cases) is rewritten to `<out>/table.md` after each setting, the chart to `<out>/accuracy.png`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lamagent.backends import load_model  # noqa: E402
from lamagent.eval import evaluate_bfcl, load_bfcl  # noqa: E402
from lamagent.eval.bfcl_data import BFCLCase, select_cases  # noqa: E402
from lamagent.eval.checker import check_bfcl  # noqa: E402
from lamagent.eval.split import split_cases  # noqa: E402
from lamagent.gate import CallGate  # noqa: E402
from lamagent.generation import GenerationParams  # noqa: E402
from lamagent.models import default_gguf_path  # noqa: E402
from lamagent.tools import Tool  # noqa: E402

CATEGORIES = ("simple_python", "multiple", "parallel", "live_simple", "irrelevance")
HANDLER = "chatml-function-calling"
#: The copy bias chosen on the train half (docs/small-models.md, "Copy-aware decoding").
DEFAULT_BIAS = 3.0


@dataclass(frozen=True)
class Setting:
    constrained: bool
    tool_choice: str = "auto"
    gated: bool = False
    copy: bool = False
    mentions: bool = False
    shapes: bool = False
    listed: bool = False


SETTINGS: dict[str, Setting] = {
    "calls only": Setting(True, "required"),
    "calls only + copy": Setting(True, "required", copy=True),
    "gate": Setting(True, gated=True),
    "gate + copy": Setting(True, gated=True, copy=True),
    "calls only + copy + mentions": Setting(True, "required", copy=True, mentions=True),
    "gate + copy + mentions": Setting(True, gated=True, copy=True, mentions=True),
    "calls only + copy + mentions + shapes": Setting(
        True, "required", copy=True, mentions=True, shapes=True
    ),
    "gate + copy + mentions + shapes": Setting(
        True, gated=True, copy=True, mentions=True, shapes=True
    ),
    "calls only + copy + mentions + shapes + listed": Setting(
        True, "required", copy=True, mentions=True, shapes=True, listed=True
    ),
    "gate + copy + mentions + shapes + listed": Setting(
        True, gated=True, copy=True, mentions=True, shapes=True, listed=True
    ),
    HANDLER: Setting(False),
    "constrained": Setting(True),
    "constrained + copy": Setting(True, copy=True),
    "free": Setting(False),
}


@dataclass(frozen=True)
class Row:
    """One case of one setting: passed, and the seconds it took."""

    id: str
    category: str
    passed: bool
    seconds: float


def slug(name: str) -> str:
    return name.replace(" + ", "-").replace(" ", "-")


def run_lamagent(
    backend: Any, cases: Sequence[BFCLCase], setting: Setting, bias: float, max_tokens: int,
    out: Path,
) -> list[Row]:  # fmt: skip
    report = evaluate_bfcl(
        backend,
        cases,
        constrained=setting.constrained,
        tool_choice=setting.tool_choice,  # type: ignore[arg-type]
        gate=CallGate() if setting.gated else None,
        generation=GenerationParams(
            max_tokens=max_tokens,
            copy_bias=bias if setting.copy else 0,
            mentioned_arguments=setting.mentions,
            example_shapes=setting.shapes,
            listed_items=setting.listed,
        ),
        out=out,
    )
    return [Row(r.id, r.category, r.passed, r.seconds) for r in report.results]


def handler_calls(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The handler's tool calls as xLAM dicts (arguments parsed from their JSON strings)."""
    message = response["choices"][0]["message"]
    calls = []
    for call in message.get("tool_calls") or []:
        function = call["function"]
        calls.append({"name": function["name"], "arguments": json.loads(function["arguments"])})
    return calls


def handler_model(
    messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], threads: int, budget: int
) -> Any:
    """The GGUF under llama-cpp-python's handler, with a context that ends a runaway call.

    In auto mode the handler generates a call's arguments with `max_tokens=None`, so a small
    model under its JSON grammar can write until the context is full (thousands of tokens,
    minutes a case). The context is sized to the prompt (its words and the tools' JSON, counted
    generously) plus `budget` tokens, so a call past the budget is cut there and fails to
    parse, as lamagent's settings stop at `--max-tokens`.
    """
    import llama_cpp

    text = json.dumps([list(messages), list(tools)], ensure_ascii=False)
    probe = llama_cpp.Llama(str(default_gguf_path()), vocab_only=True, verbose=False)
    prompt = len(probe.tokenize(text.encode("utf-8"), add_bos=False))
    probe.close()
    return llama_cpp.Llama(
        str(default_gguf_path()),
        chat_format=HANDLER,
        n_ctx=prompt + 128 + budget,  # 128: the handler's own system text and turn markers
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )


def run_handler(cases: Sequence[BFCLCase], threads: int, max_tokens: int, out: Path) -> list[Row]:
    """llama-cpp-python's own function-calling chat handler, case by case (resumable)."""

    done = {r.id: r for r in read_rows(out, cases)} if out.exists() else {}
    pending = [c for c in cases if c.id not in done]
    if pending:
        with out.open("a", encoding="utf-8") as sink:
            for case in pending:
                started = time.perf_counter()
                error = None
                calls: list[dict[str, Any]] = []
                try:
                    tools = [Tool.from_spec(f).openai_spec() for f in case.prompt_functions]
                    llm = handler_model(case.messages, tools, threads, max_tokens)
                    response = llm.create_chat_completion(
                        messages=case.messages,  # type: ignore[arg-type]
                        tools=tools,  # type: ignore[arg-type]
                        tool_choice="auto",
                        temperature=0.0,
                        max_tokens=max_tokens,
                    )
                    llm.close()
                    calls = handler_calls(response)  # type: ignore[arg-type]
                except Exception as exc:  # the handler's own failures count as failures
                    error = f"{type(exc).__name__}: {exc}"
                verdict = check_bfcl(
                    case.record, case.ground_truth, calls, category=case.category,
                    parse_error=error,
                )  # fmt: skip
                # a crash of the handler is a failure, even where "no call" would pass
                passed = verdict.passed and error is None
                row = Row(case.id, case.category, passed, time.perf_counter() - started)
                done[case.id] = row
                sink.write(json.dumps({**row.__dict__, "calls": calls, "error": error}) + "\n")
                sink.flush()
    return [done[c.id] for c in cases]


def read_rows(path: Path, cases: Sequence[BFCLCase]) -> list[Row]:
    """The rows of a results file (lamagent's or the handler's) for `cases`, as far as it got."""
    found: dict[str, Row] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            found[data["id"]] = Row(data["id"], data["category"], data["passed"], data["seconds"])
    return [found[c.id] for c in cases if c.id in found]


def markdown(results: dict[str, list[Row]], categories: Sequence[str]) -> str:
    names = list(results)
    lines = ["| category (n) | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cat in categories:
        cells = []
        total = 0
        for name in names:
            rows = [r for r in results[name] if r.category == cat]
            total = total or len(rows)
            passed = sum(r.passed for r in rows)
            cells.append(f"{passed} ({passed / len(rows):.0%})" if rows else "not run")
        lines.append(f"| {cat} ({total}) | " + " | ".join(cells) + " |")
    overall = []
    for name in names:
        rows = results[name]
        passed = sum(r.passed for r in rows)
        overall.append(f"**{passed / len(rows):.0%}** ({passed}/{len(rows)})" if rows else "")
    lines.append("| **overall** | " + " | ".join(overall) + " |")
    seconds = [f"{sum(r.seconds for r in results[n]):.0f}" for n in names]
    lines.append("| seconds (sum over cases) | " + " | ".join(seconds) + " |")
    return "\n".join(lines)


def chart(results: dict[str, list[Row]], categories: Sequence[str], path: Path) -> Path:
    """Accuracy per category, one bar per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    width = 0.8 / max(1, len(names))
    # one colour per setting: tab10 repeats past ten
    colours = plt.get_cmap("tab20" if len(names) > 10 else "tab10").colors
    fig, ax = plt.subplots(figsize=(max(8.0, 1.6 * len(categories)), 5.5))
    for i, name in enumerate(names):
        values = []
        for cat in categories:
            rows = [r for r in results[name] if r.category == cat]
            values.append(100 * sum(r.passed for r in rows) / len(rows) if rows else 0.0)
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(categories))]
        ax.bar(xs, values, width, label=name, color=colours[i % len(colours)])
    ax.set_xticks(range(len(categories)), list(categories))
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.set_title("BFCL held-out cases, SmolLM2-135M Q4_1 GGUF, by decoding setting")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT / "tests" / "data" / "bfcl"))
    p.add_argument("--category", "-c", action="append", help="repeatable; default: 5 kinds")
    p.add_argument("--limit", type=int, default=20, help="first N cases per category")
    p.add_argument(
        "--skip", type=int, default=0, help="leave out the first N cases per category first"
    )
    p.add_argument(
        "--word",
        action="append",
        help="repeatable: only the cases whose question holds one of these words",
    )
    p.add_argument(
        "--match",
        help="only the cases whose question matches this regular expression (with --word: either)",
    )
    p.add_argument(
        "--ids",
        help="only the cases whose ids this file lists, one per line (e.g. bench/place_cases.py's)",
    )
    p.add_argument(
        "--split",
        choices=("held-out", "train"),
        default="held-out",
        help="which half of split_cases (seed 0): held-out measures, train chooses the bias",
    )
    p.add_argument("--copy-bias", type=float, default=DEFAULT_BIAS)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--threads", type=int, default=1, help="llama.cpp threads")
    p.add_argument("--out", default="runs/copy-bias")
    p.add_argument(
        "--setting", action="append", choices=list(SETTINGS), help="repeatable; default: all"
    )
    a = p.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    categories = a.category or list(CATEGORIES)
    train, held_out = split_cases(load_bfcl(a.data, categories))
    pool = train if a.split == "train" else held_out
    patterns = [rf"\b(?:{'|'.join(map(re.escape, a.word))})\b"] if a.word else []
    patterns += [a.match] if a.match else []
    if patterns:
        wanted = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
        pool = [c for c in pool if wanted.search(json.dumps(c.messages[-1].get("content")))]
    if a.ids:
        listed = set(Path(a.ids).read_text().split())
        pool = [c for c in pool if c.id in listed]
    if a.skip:  # cases an earlier run measured: the next ones, same order
        seen: dict[str, int] = {}
        kept = []
        for case in pool:
            seen[case.category] = seen.get(case.category, 0) + 1
            if seen[case.category] > a.skip:
                kept.append(case)
        pool = kept
    cases = select_cases(pool, limit=a.limit)
    backend = None
    results: dict[str, list[Row]] = {}
    chosen = [n for n in SETTINGS if not a.setting or n in a.setting]
    for name in SETTINGS:
        target = out / f"results-{slug(name)}.jsonl"
        if name not in chosen:  # what another process ran (or is running) is shown as it is
            if target.exists():
                results[name] = read_rows(target, cases)
            continue
        if name == HANDLER:
            results[name] = run_handler(cases, a.threads, a.max_tokens, target)
        else:
            if backend is None:
                backend = load_model(None, n_threads=a.threads)
            results[name] = run_lamagent(
                backend, cases, SETTINGS[name], a.copy_bias, a.max_tokens, target
            )
        write(results, categories, out)
        print(f"\n## after {name}\n\n{markdown(results, categories)}", flush=True)
    # the settings in SETTINGS order, those read from files included
    results = {name: results[name] for name in SETTINGS if name in results}
    table = write(results, categories, out)
    print(f"\n## all settings, copy bias {a.copy_bias}\n\n{table}")
    print(f"\ntable: {out / 'table.md'}  chart: {out / 'accuracy.png'}")


def write(results: dict[str, list[Row]], categories: Sequence[str], out: Path) -> str:
    """Write the table and the chart of `results`; the table."""
    table = markdown(results, categories)
    (out / "table.md").write_text(table + "\n", encoding="utf-8")
    chart(results, categories, out / "accuracy.png")
    return table


if __name__ == "__main__":
    main()
