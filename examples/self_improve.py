"""The closed loop: run, record, tune, measure, on BFCL-format data.

    python examples/self_improve.py                          # simple_python, runs/self_improve
    python examples/self_improve.py --category live_simple --eval-limit 20 --out runs/si-live
    python examples/self_improve.py -c simple_python -c irrelevance --eval-limit 30 ...

1. Split each BFCL category into a train half and a held-out half (seeded).
2. Measure the embedded SmolLM2-135M GGUF on the held-out half: free, constrained by the
   call grammar with text allowed, and constrained to calls only.
3. Record trajectories on the train half the way a user would: `Agent`s with a `SQLiteStore`.
   The correct calls come from a stronger source, here the ground truth through the scripted
   backend (standing in for a larger xLAM model), with tools built from the case's functions and
   a stub that returns a plausible observation (on irrelevance cases the teacher answers in
   text that no function fits); the small model's own runs are recorded too.
4. Filter the store (lamagent.finetune's filters, plus a judge that checks each run's calls
   against the ground truth: the small model's failed runs are removed here).
5. Build the SFT dataset with the Format the agent uses at run time (xlam2-qwen for SmolLM2) from
   each run's first turn (the calls, or the text on irrelevance), and check that every prompt
   is byte-identical to what the evaluation renders for that case.
6. LoRA fine-tune the SmolLM2 Hugging Face checkpoint, merge, export to GGUF.
7. Measure the tuned GGUF on the same held-out cases in the same settings.

Multi-turn categories (`-c multi_turn_base ...`, on their own) run the same stages over BFCL's
multi-turn cases: the teacher is the gold oracle replaying each case's ground truth through the
real Agent loop (`lamagent.eval.multi_turn`, one session trajectory per case), every assistant
turn of a teacher run becomes a training sample, checked byte for byte against the prompt the
loop sent for that turn (a `miss_func` case's turns after its held-out functions arrive are
rendered with the tools offered then), and the small model is measured before and after on
held-out cases, each user turn run by the Agent (free and constrained decoding):

    python examples/self_improve.py -c multi_turn_base --eval-limit 5 --train-cases 50 \
        --out runs/si-multi-turn

Everything lands in `--out`: the trajectory store, the SFT run, the GGUF, the results of each
evaluation (JSON Lines; the base model's are reused by a rerun into the same folder, the tuned
model's are always measured afresh), `report.json` (before/after per setting and category, stage
timings, filter report, settings) and `accuracy.png`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lamagent import Agent
from lamagent.backends.base import Backend, ModelInfo
from lamagent.backends.scripted import ScriptedBackend
from lamagent.errors import LamagentError
from lamagent.eval import BFCLCase, EvalReport, check_bfcl, evaluate_bfcl, load_bfcl
from lamagent.eval.bfcl_data import first_acceptable_calls
from lamagent.eval.multi_turn import (
    MultiTurnCase,
    evaluate_multi_turn,
    gold_backend,
    is_multi_turn,
    load_multi_turn,
)
from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.eval.report import SETTINGS as DECODING
from lamagent.eval.report import plot_accuracy
from lamagent.eval.split import split_cases
from lamagent.generation import GenerationParams
from lamagent.settings import Limits
from lamagent.tools import Tool
from lamagent.trajectory import SQLiteStore, Trajectory

FORMAT = "xlam2-qwen"
TEACHER_ID = "teacher (ground truth via scripted backend)"
#: The teacher's answer where no function fits (irrelevance cases).
NO_FIT_ANSWER = "None of the functions I have can answer this question."
#: The decoding settings measured (`lamagent.eval.report.SETTINGS`): free text, the call grammar
#: with text allowed (the model still decides whether to call), and the call grammar alone (a
#: JSON-schema grammar: calls only).
SETTINGS = tuple(DECODING)

console = Console()


@dataclass
class LoopSettings:
    """Every knob of the loop (the defaults are the ones the documented run used)."""

    data: str = "tests/data/bfcl"
    categories: tuple[str, ...] = ("simple_python",)
    out: str = "runs/self_improve"
    seed: int = 0
    train_fraction: float = 0.5
    #: Held-out cases measured per category (the first N of its held-out half, in file order).
    eval_limit: int = 100
    #: Train-half cases per category recorded through the teacher (None: all).
    train_cases: int | None = 96
    #: Train-half cases the small model itself runs (its failures are filtered out).
    own_runs: int = 4
    max_tokens: int = 128
    #: llama.cpp threads. On a machine shared with other jobs, 1 can be ten times faster than
    #: 2 (spinning threads wait on each other when the cores are oversubscribed).
    threads: int = 2
    #: torch threads for training (None: torch's default).
    train_threads: int | None = None
    #: llama.cpp context (None: 2048, or 8192 for multi-turn).
    n_ctx: int | None = None
    #: Agent steps per user turn when measuring multi-turn cases.
    turn_steps: int = 3
    #: Also train on the answer turn after the tool result (doubles the training tokens).
    train_answers: bool = False
    #: Longest training sample in tokens (None: 1024, or 8192 for multi-turn, whose prompts
    #: carry every function doc of the case's environments).
    max_length: int | None = None
    rank: int = 16
    alpha: int = 32
    #: LoRA on the last N decoder layers only (the backward pass stops there: faster on CPU,
    #: but 16 of 30 layers scored 60% free against 70% with all). None: every layer.
    lora_layers: int | None = None
    lr: float = 1e-3
    epochs: float = 2.0
    max_steps: int = -1
    batch_size: int = 4
    grad_accum: int = 1
    outtype: str = "f16"
    settings: tuple[str, ...] = SETTINGS
    extra: dict[str, Any] = field(default_factory=dict)


# -- 1. data -------------------------------------------------------------------------------


def load_split(s: LoopSettings) -> tuple[list[BFCLCase], list[BFCLCase]]:
    """The seeded train and held-out halves of each category (split per category)."""
    cases = load_bfcl(s.data, list(s.categories))
    return split_cases(cases, train_fraction=s.train_fraction, seed=s.seed)


Case = TypeVar("Case", BFCLCase, MultiTurnCase)


def first_per_category(
    cases: Sequence[Case], n: int | None, categories: Sequence[str]
) -> list[Case]:
    """The first `n` cases (None: all) of each category, category by category, in file order."""
    chosen: list[Case] = []
    for category in categories:
        group = [c for c in cases if c.category == category]
        chosen += group if n is None else group[:n]
    return chosen


def expects_calls(case: BFCLCase) -> bool:
    """False for irrelevance cases, whose right answer is no call."""
    return "irrelevance" not in case.category


def eval_tools(case: BFCLCase) -> list[Tool]:
    """The tools as the evaluation renders them (BFCL specs through `Tool.from_spec`)."""
    return [Tool.from_spec(f) for f in case.prompt_functions]


# -- 2 and 7. measuring ----------------------------------------------------------------------


def measure(
    backend: Backend, cases: Sequence[BFCLCase], s: LoopSettings, tag: str, *, resume: bool
) -> dict[str, EvalReport]:
    """`evaluate_bfcl` on `cases` in each setting, results in `<out>/eval/<tag>-<setting>.jsonl`.

    With `resume`, cases already in those files are not run again (right for the base model,
    which never changes); without it the files are started afresh (a newly tuned model must not
    inherit a previous model's results: both would carry the same model label).
    """
    reports = {}
    for setting in s.settings:
        constrained, tool_choice = DECODING[setting]
        chosen = list(cases)
        if tool_choice == "required":
            # calls only: irrelevance would fail by construction, so it is not measured here
            chosen = [c for c in cases if expects_calls(c)]
            if not chosen:
                continue
        path = Path(s.out) / "eval" / f"{tag}-{setting}.jsonl"
        if not resume and path.exists():
            path.unlink()
        reports[setting] = evaluate_bfcl(
            backend,
            chosen,
            format=FORMAT,
            constrained=constrained,
            tool_choice=tool_choice,
            out=path,
            generation=GenerationParams(max_tokens=s.max_tokens),
        )
        console.print(f"  {tag} {setting}: [bold]{reports[setting].overall:.0%}[/bold]")
    return reports


# -- 3. recording trajectories ---------------------------------------------------------------


def stub_for(name: str) -> Callable[..., dict[str, Any]]:
    """A tool function that returns a plausible observation for any arguments."""

    def stub(**arguments: Any) -> dict[str, Any]:
        return {"status": "success", "function": name, "arguments": arguments, "result": "done"}

    stub.__name__ = name.replace(".", "_")
    return stub


def case_tools(case: BFCLCase) -> list[Tool]:
    """The case's functions as runnable tools (same specs as `eval_tools`, with stubs)."""
    return [Tool.from_spec(f, fn=stub_for(str(f.get("name")))) for f in case.prompt_functions]


def single_question(case: BFCLCase) -> str | None:
    """The user's question when the first turn is exactly one user message (else None: the
    agent would render other messages differently from the evaluation)."""
    msgs = case.messages
    if len(msgs) == 1 and msgs[0].get("role") == "user":
        return str(msgs[0].get("content", ""))
    return None


def teacher_backend(case: BFCLCase) -> ScriptedBackend:
    """The stronger source: the first acceptable ground-truth calls, then a short answer; on an
    irrelevance case, an answer saying that no function fits."""
    if not expects_calls(case):
        return ScriptedBackend.calls(
            [NO_FIT_ANSWER], FORMAT, model_info=ModelInfo(model_id=TEACHER_ID)
        )
    assert case.ground_truth is not None
    calls = first_acceptable_calls(case.ground_truth, case.functions)
    names = ", ".join(c["name"] for c in calls)
    return ScriptedBackend.calls(
        [calls, f"Done: {names} returned its result."],
        FORMAT,
        model_info=ModelInfo(model_id=TEACHER_ID),
    )


def record(
    store: SQLiteStore,
    train: Sequence[BFCLCase],
    small: Backend | None,
    s: LoopSettings,
) -> dict[str, BFCLCase]:
    """Run the agents on the train cases; returns trajectory id -> case (for the judge)."""
    origin: dict[str, BFCLCase] = {}
    usable = [
        c
        for c in train
        if single_question(c) is not None and (c.ground_truth is not None or not expects_calls(c))
    ]
    teacher_cases = first_per_category(usable, s.train_cases, s.categories)
    own_cases = usable[: s.own_runs] if small is not None else []
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        t_task = bar.add_task("teacher runs", total=len(teacher_cases))
        o_task = bar.add_task("small model's own runs", total=len(own_cases))
        for case in teacher_cases:
            agent = Agent(
                teacher_backend(case),
                case_tools(case),
                format=FORMAT,
                store=store,
                constrained=False,
                max_steps=3,
            )
            result = agent.run(single_question(case) or "")
            origin[result.trajectory.unique_trajectory_id] = case
            bar.advance(t_task)
        for case in own_cases:
            assert small is not None
            agent = Agent(
                small,
                case_tools(case),
                format=FORMAT,
                store=store,
                constrained=False,
                limits=Limits(max_steps=2, max_retries=1),
                generation=GenerationParams(max_tokens=s.max_tokens),
                profile=None,  # the model's plain runs, as measured before tuning
            )
            result = agent.run(single_question(case) or "")
            origin[result.trajectory.unique_trajectory_id] = case
            bar.advance(o_task)
    skipped = len(train) - len(usable)
    if skipped:
        console.print(
            f"  skipped {skipped} train cases whose first turn is not one user message "
            "or that have no ground truth"
        )
    return origin


# -- 4. filtering ----------------------------------------------------------------------------


def ground_truth_judge(origin: dict[str, BFCLCase]) -> Callable[[Trajectory], bool | str]:
    """A judge for `filter_trajectories`: the run's first turn (its answer to the question) must
    pass BFCL's check: the right calls, or no call on an irrelevance case."""

    def judge(traj: Trajectory) -> bool | str:
        case = origin.get(traj.unique_trajectory_id)
        if case is None:
            return "not a run of this loop"
        if not traj.steps:
            return "no step"
        calls = traj.steps[0].tool_calls
        if not calls and expects_calls(case):
            return "no call"
        verdict = check_bfcl(case.record, case.ground_truth, calls, category=case.category)
        return True if verdict.passed else f"ground truth: {verdict.reason}"

    return judge


# -- 5. the dataset --------------------------------------------------------------------------


def check_prompts(dataset: Any, kept: Sequence[Trajectory], origin: dict[str, BFCLCase]) -> int:
    """Compare each first call turn's training prompt with the evaluation's prompt, byte for
    byte; returns how many were checked. Raises `LamagentError` at the first difference."""
    from lamagent import formats

    fmt = formats.get(FORMAT)
    first_step = {t.unique_trajectory_id: t.steps[0].step_id for t in kept if t.steps}
    checked = 0
    for row in dataset:
        tid = row["trajectory_id"]
        if row["variant"] != 0 or first_step.get(tid) != row["step_id"] or tid not in origin:
            continue
        case = origin[tid]
        expected = fmt.render(case.messages, eval_tools(case))
        if row["prompt"] != expected:
            at = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(row["prompt"], expected, strict=False))
                    if a != b
                ),
                min(len(row["prompt"]), len(expected)),
            )
            raise LamagentError(
                f"the training prompt of {case.id} differs from the evaluation prompt at "
                f"character {at}: training {row['prompt'][at : at + 60]!r}, evaluation "
                f"{expected[at : at + 60]!r}; train and measure with the same Format and tools"
            )
        checked += 1
    return checked


def build_dataset(
    kept: Sequence[Trajectory], origin: dict[str, BFCLCase], s: LoopSettings, model_dir: Path
) -> tuple[Any, dict[str, Any]]:
    """Tokenized SFT samples and their statistics: each run's first turn (the calls, or the
    text on an irrelevance case) and its other call turns; also the answers after tool results
    with `train_answers`."""
    from transformers import AutoTokenizer

    from lamagent.finetune import SFTStats, build_sft_dataset

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    stats = SFTStats()
    dataset = build_sft_dataset(
        kept, FORMAT, tokenizer, max_length=s.max_length or 1024, stats=stats
    )
    checked = check_prompts(dataset, kept, origin)
    if not s.train_answers:
        targets = {
            (t.unique_trajectory_id, st.step_id)
            for t in kept
            for i, st in enumerate(t.steps)
            if st.tool_calls or i == 0
        }
        dataset = dataset.filter(lambda row: (row["trajectory_id"], row["step_id"]) in targets)
    info = {
        "samples": len(dataset),
        "dropped_too_long": stats.too_long,
        "tokens": sum(len(ids) for ids in dataset["input_ids"]),
        "prompts_checked_identical": checked,
    }
    return dataset, info


# -- 6. training and export ------------------------------------------------------------------


def train_and_export(dataset: Any, s: LoopSettings, model_dir: Path) -> tuple[Path, Any]:
    """LoRA SFT on the HF checkpoint, then the merged model as a GGUF file."""
    from lamagent.finetune import LoraSettings, export_gguf, sft

    if s.train_threads is not None:
        import torch

        torch.set_num_threads(s.train_threads)
    n_layers = int(json.loads((model_dir / "config.json").read_text())["num_hidden_layers"])
    layers = None
    if s.lora_layers is not None and s.lora_layers < n_layers:
        layers = tuple(range(n_layers - s.lora_layers, n_layers))
    result = sft(
        str(model_dir),
        dataset,
        out_dir=Path(s.out) / "sft",
        lora=LoraSettings(r=s.rank, alpha=s.alpha, dropout=0.0, layers=layers),
        epochs=s.epochs,
        lr=s.lr,
        batch_size=s.batch_size,
        grad_accum=s.grad_accum,
        max_steps=s.max_steps,
        group_by_length=True,
        seed=s.seed,
        format=FORMAT,
    )
    if result.model_dir is None:
        raise LamagentError("the SFT run saved no model; run sft with save=True")
    gguf = export_gguf(
        result.model_dir, Path(s.out) / f"tuned-{s.outtype}.gguf", outtype=s.outtype, format=FORMAT
    )
    return gguf, result


# -- the loop --------------------------------------------------------------------------------


def _llama(path: Path, s: LoopSettings) -> Backend:
    from lamagent.backends.llamacpp import LlamaCppBackend

    multi = any(is_multi_turn(c) for c in s.categories)
    n_ctx = s.n_ctx or (8192 if multi else 2048)
    return LlamaCppBackend(path, n_threads=s.threads, n_ctx=n_ctx)


def _stage(n: int, title: str) -> float:
    console.rule(f"[bold]{n}/7 {title}")
    return time.perf_counter()


def summary_table(before: dict[str, EvalReport], after: dict[str, EvalReport]) -> Table:
    """Before/after accuracy on the held-out cases: per setting, each category and overall."""
    table = Table(title="Held-out accuracy, before and after fine-tuning")
    for col in ("setting", "category", "cases", "before", "after", "change"):
        table.add_column(col, justify="left" if col in ("setting", "category") else "right")
    for setting in before:
        b, a = before[setting], after[setting]
        rows = [(name, b.categories[name], score) for name, score in a.categories.items()]
        for name, bs, as_ in rows:
            table.add_row(
                setting,
                name,
                str(as_.total),
                f"{bs.accuracy:.0%}",
                f"{as_.accuracy:.0%}",
                f"{100 * (as_.accuracy - bs.accuracy):+.0f} pts",
            )
        if len(rows) > 1:
            table.add_row(
                setting,
                "overall",
                str(len(a.results)),
                f"{b.overall:.0%}",
                f"{a.overall:.0%}",
                f"{100 * (a.overall - b.overall):+.0f} pts",
                style="bold",
            )
        table.add_section()
    return table


def _report_dict(r: EvalReport) -> dict[str, Any]:
    fails: dict[str, int] = {}
    for res in r.results:
        if not res.passed:
            key = res.reason or "failed"
            fails[key] = fails.get(key, 0) + 1
    return {
        "accuracy": r.overall,
        "cases": len(r.results),
        "passed": sum(res.passed for res in r.results),
        "failures": fails,
        "categories": {
            name: {
                "accuracy": score.accuracy,
                "cases": score.total,
                "passed": score.passed,
                "failures": score.reasons,
            }
            for name, score in r.categories.items()
        },
    }


def run_loop(s: LoopSettings) -> dict[str, Any]:
    """Run the seven stages; returns (and writes to `<out>/report.json`) the report."""
    from lamagent.finetune import filter_trajectories
    from lamagent.models import default_gguf_path, default_hf_checkpoint

    multi = [c for c in s.categories if is_multi_turn(c)]
    if multi and len(multi) != len(s.categories):
        raise LamagentError("run multi-turn categories in a loop of their own")
    if multi:
        return run_multi_turn_loop(s)
    out = Path(s.out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    t = _stage(1, f"split {', '.join(s.categories)} (seed {s.seed})")
    train, held_out = load_split(s)
    evaluated = first_per_category(held_out, s.eval_limit, s.categories)
    console.print(
        f"  {len(train)} train, {len(held_out)} held-out cases; measuring {len(evaluated)}"
    )
    timings["split"] = time.perf_counter() - t

    t = _stage(2, "measure the embedded model on the held-out cases")
    base = _llama(default_gguf_path(), s)
    before = measure(base, evaluated, s, "before", resume=True)
    timings["measure_before"] = time.perf_counter() - t

    t = _stage(3, "record trajectories on the train cases")
    db = out / "trajectories.db"
    if db.exists():
        db.unlink()
    store = SQLiteStore(db)
    try:
        origin = record(store, train, base if s.own_runs > 0 else None, s)
        runs = list(store)
    finally:
        store.close()
    base_id = base.info.model_id
    own = [r for r in runs if r.model_id == base_id]
    own_calls = sum(any(st.tool_calls for st in r.steps) for r in own)
    console.print(
        f"  {len(runs)} runs in {db} ({len(runs) - len(own)} teacher, {len(own)} small model; "
        f"the small model made a call in {own_calls})"
    )
    timings["record"] = time.perf_counter() - t

    t = _stage(4, "filter")
    kept, freport = filter_trajectories(runs, judge=ground_truth_judge(origin), mode="trim")
    freport.print(console)
    timings["filter"] = time.perf_counter() - t

    t = _stage(5, f"SFT dataset ({FORMAT})")
    model_dir = default_hf_checkpoint()
    dataset, dinfo = build_dataset(kept, origin, s, model_dir)
    console.print(
        f"  {dinfo['samples']} samples, {dinfo['tokens']} tokens; "
        f"{dinfo['prompts_checked_identical']} prompts byte-identical to the evaluation's"
    )
    timings["dataset"] = time.perf_counter() - t

    head = {
        "split": {
            "train": len(train),
            "held_out": len(held_out),
            "evaluated": len(evaluated),
            "by_category": {
                cat: {
                    "train": sum(c.category == cat for c in train),
                    "held_out": sum(c.category == cat for c in held_out),
                    "evaluated": sum(c.category == cat for c in evaluated),
                }
                for cat in s.categories
            },
        }
    }
    middle = {
        "trajectories": {"total": len(runs), "small_model": len(own)},
        "filter": freport.to_dict(),
        "dataset": dinfo,
    }
    return tune_and_measure(
        s,
        dataset=dataset,
        model_dir=model_dir,
        base=base,
        before=before,
        measure_after=lambda tuned: measure(tuned, evaluated, s, "after", resume=False),
        evaluated=evaluated,
        timings=timings,
        started=started,
        head=head,
        middle=middle,
    )


def tune_and_measure(
    s: LoopSettings,
    *,
    dataset: Any,
    model_dir: Path,
    base: Any,
    before: dict[str, EvalReport],
    measure_after: Callable[[Any], dict[str, EvalReport]],
    evaluated: Sequence[Any],
    timings: dict[str, float],
    started: float,
    head: dict[str, Any],
    middle: dict[str, Any],
) -> dict[str, Any]:
    """Stages 6 and 7 of either loop: fine-tune and export, measure the tuned model as `base`
    was measured, then the summary, the chart and report.json (the loop's own fields `head`
    before the scores, `middle` after them). Returns the report."""
    out = Path(s.out)
    t = _stage(6, "LoRA fine-tune, merge, export GGUF")
    gguf, trained = train_and_export(dataset, s, model_dir)
    losses = trained.losses
    console.print(
        f"  loss {losses[0]:.3f} -> {losses[-1]:.3f} over {len(losses)} logged steps; {gguf}"
        if losses
        else f"  {gguf}"
    )
    timings["train_export"] = time.perf_counter() - t

    t = _stage(7, "measure the tuned model on the same held-out cases")
    tuned = _llama(gguf, s)
    after = measure_after(tuned)
    timings["measure_after"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started

    console.print(summary_table(before, after))
    relabelled = [
        r.model_copy(update={"model": f"{tag}:"})
        for tag, reports in (("before", before), ("after", after))
        for r in reports.values()
    ]
    chart = plot_accuracy(relabelled, out / "accuracy.png")
    report = {
        "settings": {k: v for k, v in asdict(s).items() if k != "extra"},
        "format": FORMAT,
        **head,
        "held_out_ids": [c.id for c in evaluated],
        "before": {k: _report_dict(v) for k, v in before.items()},
        "after": {k: _report_dict(v) for k, v in after.items()},
        **middle,
        "training": {
            "losses": losses,
            "runtime_s": trained.train_runtime,
            "tokens": trained.train_tokens,
            "run_dir": str(trained.run_dir),
        },
        "gguf": str(gguf),
        "chart": str(chart),
        "timings_s": timings,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    console.print(f"report: {out / 'report.json'}  chart: {chart}  total {timings['total']:.0f} s")
    for backend in (base, tuned):
        anyio.run(backend.aclose)
    return report


# -- multi-turn ------------------------------------------------------------------------------

#: Multi-turn settings by name: constrained or not. Every one runs the Agent per user turn (the
#: calls-only grammar is no multi-turn setting: the agent must be able to answer and ask).
MULTI_TURN_SETTINGS: dict[str, bool] = {"free": False, "constrained": True}
#: The teacher's replies are the ground truth, however long (no cut at max_tokens).
TEACHER_TOKENS = 1 << 16


@dataclass
class TeacherRun:
    """One teacher run of a multi-turn case: its verdict and the prompt of every model turn."""

    case: MultiTurnCase
    passed: bool
    reason: str | None
    #: The prompt the loop sent for each model turn, in step order (what inference saw).
    prompts: list[str]
    #: Steps taken on each user turn, in turn order.
    turn_steps: list[int]


def load_multi_turn_split(s: LoopSettings) -> tuple[list[MultiTurnCase], list[MultiTurnCase]]:
    """The seeded train and held-out halves of each multi-turn category."""
    cases = load_multi_turn(list(s.categories))
    return split_cases(cases, train_fraction=s.train_fraction, seed=s.seed)


def measure_multi_turn(
    backend: Backend, cases: Sequence[MultiTurnCase], s: LoopSettings, tag: str, *, resume: bool
) -> dict[str, EvalReport]:
    """`evaluate_multi_turn` on `cases` in each multi-turn setting of `s.settings`."""
    reports: dict[str, EvalReport] = {}
    for setting in s.settings:
        if setting not in MULTI_TURN_SETTINGS:
            continue
        path = Path(s.out) / "eval" / f"{tag}-{setting}.jsonl"
        if not resume and path.exists():
            path.unlink()
        reports[setting] = evaluate_multi_turn(
            backend,
            cases=cases,
            format=FORMAT,
            constrained=MULTI_TURN_SETTINGS[setting],
            limits=Limits(max_steps=s.turn_steps),
            generation=GenerationParams(max_tokens=s.max_tokens),
            max_case_seconds=None,
            results=path,
            progress=False,
        )
        console.print(f"  {tag} {setting}: [bold]{reports[setting].overall:.0%}[/bold]")
    return reports


def record_multi_turn(
    store: SQLiteStore, train: Sequence[MultiTurnCase], s: LoopSettings
) -> dict[str, TeacherRun]:
    """The teacher (the gold oracle through the Agent loop) on the train cases, each one
    session trajectory in `store`; returns trajectory id -> its run."""
    runs: dict[str, TeacherRun] = {}
    for case in first_per_category(train, s.train_cases, s.categories):
        teacher = gold_backend(case, FORMAT)
        assert isinstance(teacher, ScriptedBackend)  # it records every prompt it was sent
        report = evaluate_multi_turn(
            teacher,
            cases=[case],
            format=FORMAT,
            generation=GenerationParams(max_tokens=TEACHER_TOKENS),
            max_case_seconds=None,
            store=store,
            progress=False,
        )
        (result,) = report.results
        assert result.trajectory_id is not None
        runs[result.trajectory_id] = TeacherRun(
            case,
            result.passed,
            result.reason,
            [prompt for prompt, _ in teacher.requests],
            [t.steps for t in result.turn_results],
        )
    return runs


def teacher_judge(runs: dict[str, TeacherRun]) -> Callable[[Trajectory], bool | str]:
    """A judge for `filter_trajectories`: the run passed the multi-turn checker on every turn
    (a case whose ground truth breaks its own docs does not)."""

    def judge(traj: Trajectory) -> bool | str:
        run = runs.get(traj.unique_trajectory_id)
        if run is None:
            return "not a run of this loop"
        return True if run.passed else f"ground truth: {run.reason}"

    return judge


def tool_phases(traj: Trajectory, run: TeacherRun) -> list[tuple[Trajectory, set[int]]]:
    """The trajectory once per set of tools it was offered, with the step ids run under it.

    A `miss_func` case offers its held-out functions from a later turn on; the trajectory
    records the first turn's tools, so the later turns are rendered from a copy that holds
    the tools of their turn (as the loop rendered them).
    """
    from lamagent.tools import Tool

    phases: list[tuple[Trajectory, set[int]]] = []
    position = 0
    for turn, steps in enumerate(run.turn_steps):
        ids = {st.step_id for st in traj.steps[position : position + steps]}
        position += steps
        if turn == 0 or run.case.added_at(turn):
            docs = bfcl_prompt_docs(run.case.functions_at(turn), run.case.category)
            tools = [Tool.from_spec(doc).spec() for doc in docs]
            copy = traj.model_copy(
                update={
                    "tools": tools,
                    "unique_trajectory_id": f"{traj.unique_trajectory_id}#{turn}",
                }
            )
            phases.append((copy, set()))
        phases[-1][1].update(ids)
    return phases


def build_multi_turn_dataset(
    kept: Sequence[Trajectory], runs: dict[str, TeacherRun], s: LoopSettings, model_dir: Path
) -> tuple[Any, dict[str, Any]]:
    """One SFT sample per assistant turn of each kept run, each prompt checked to be the prompt
    the loop sent for that turn, byte for byte."""
    from transformers import AutoTokenizer

    from lamagent.finetune import SFTStats, build_sft_dataset

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    copies: list[Trajectory] = []
    owner: dict[str, tuple[Trajectory, TeacherRun, set[int]]] = {}
    for traj in kept:
        run = runs[traj.unique_trajectory_id]
        for copy, ids in tool_phases(traj, run):
            copies.append(copy)
            owner[copy.unique_trajectory_id] = (traj, run, ids)
    stats = SFTStats()
    dataset = build_sft_dataset(
        copies, FORMAT, tokenizer, max_length=s.max_length or 8192, stats=stats
    )
    dataset = dataset.filter(
        lambda row: row["step_id"] in owner[row["trajectory_id"]][2] and row["variant"] == 0
    )
    checked = 0
    for row in dataset:
        traj, run, _ = owner[row["trajectory_id"]]
        index = [st.step_id for st in traj.steps].index(row["step_id"])
        if row["prompt"] != run.prompts[index]:
            raise LamagentError(
                f"the training prompt of {run.case.id}, step {row['step_id']}, differs from the "
                "prompt the loop sent for that turn; train and run with the same Format and tools"
            )
        checked += 1
    info = {
        "samples": len(dataset),
        "dropped_too_long": stats.too_long,
        "tokens": sum(len(ids) for ids in dataset["input_ids"]),
        "prompts_checked_identical": checked,
    }
    return dataset, info


def run_multi_turn_loop(s: LoopSettings) -> dict[str, Any]:
    """The seven stages over multi-turn categories; returns (and writes) the report."""
    from lamagent.finetune import filter_trajectories
    from lamagent.models import default_gguf_path, default_hf_checkpoint

    out = Path(s.out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    t = _stage(1, f"split {', '.join(s.categories)} (seed {s.seed})")
    train, held_out = load_multi_turn_split(s)
    evaluated = first_per_category(held_out, s.eval_limit, s.categories)
    console.print(
        f"  {len(train)} train, {len(held_out)} held-out cases; measuring {len(evaluated)}"
    )
    timings["split"] = time.perf_counter() - t

    t = _stage(2, "measure the embedded model on the held-out cases (the Agent, per user turn)")
    base = _llama(default_gguf_path(), s)
    before = measure_multi_turn(base, evaluated, s, "before", resume=True)
    timings["measure_before"] = time.perf_counter() - t

    t = _stage(3, "record the teacher (the gold oracle through the loop) on the train cases")
    db = out / "trajectories.db"
    if db.exists():
        db.unlink()
    store = SQLiteStore(db)
    try:
        runs = record_multi_turn(store, train, s)
        recorded = list(store)
    finally:
        store.close()
    console.print(f"  {len(recorded)} session trajectories in {db}")
    timings["record"] = time.perf_counter() - t

    t = _stage(4, "filter")
    kept, freport = filter_trajectories(recorded, judge=teacher_judge(runs), mode="trim")
    freport.print(console)
    timings["filter"] = time.perf_counter() - t

    t = _stage(5, f"SFT dataset ({FORMAT}), every assistant turn")
    model_dir = default_hf_checkpoint()
    dataset, dinfo = build_multi_turn_dataset(kept, runs, s, model_dir)
    console.print(
        f"  {dinfo['samples']} samples, {dinfo['tokens']} tokens; "
        f"{dinfo['prompts_checked_identical']} prompts byte-identical to the loop's"
    )
    timings["dataset"] = time.perf_counter() - t

    head = {
        "multi_turn": True,
        "split": {"train": len(train), "held_out": len(held_out), "evaluated": len(evaluated)},
    }
    middle = {
        "trajectories": {
            "total": len(recorded),
            "teacher_passed": sum(r.passed for r in runs.values()),
        },
        "filter": freport.to_dict(),
        "dataset": dinfo,
    }
    return tune_and_measure(
        s,
        dataset=dataset,
        model_dir=model_dir,
        base=base,
        before=before,
        measure_after=lambda tuned: measure_multi_turn(tuned, evaluated, s, "after", resume=False),
        evaluated=evaluated,
        timings=timings,
        started=started,
        head=head,
        middle=middle,
    )


def parse_args(argv: Sequence[str] | None = None) -> LoopSettings:
    d = LoopSettings()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=d.data, help="BFCL directory")
    p.add_argument(
        "--category",
        "-c",
        action="append",
        help=f"BFCL category (repeatable; default: {', '.join(d.categories)})",
    )
    p.add_argument("--out", default=d.out, help="run folder")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--train-fraction", type=float, default=d.train_fraction)
    p.add_argument(
        "--eval-limit", type=int, default=d.eval_limit, help="held-out cases measured per category"
    )
    p.add_argument(
        "--train-cases", type=int, default=d.train_cases, help="teacher runs per category"
    )
    p.add_argument("--own-runs", type=int, default=d.own_runs, help="small model's own runs")
    p.add_argument("--max-tokens", type=int, default=d.max_tokens)
    p.add_argument("--threads", type=int, default=d.threads, help="llama.cpp threads")
    p.add_argument("--train-threads", type=int, default=None, help="torch threads")
    p.add_argument("--train-answers", action="store_true", help="train on answer turns too")
    p.add_argument("--max-length", type=int, default=d.max_length)
    p.add_argument("--n-ctx", type=int, default=d.n_ctx, help="llama.cpp context")
    p.add_argument(
        "--turn-steps", type=int, default=d.turn_steps, help="multi-turn: steps per user turn"
    )
    p.add_argument("--rank", type=int, default=d.rank)
    p.add_argument("--alpha", type=int, default=d.alpha)
    p.add_argument("--lora-layers", type=int, default=d.lora_layers, help="last N layers only")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--epochs", type=float, default=d.epochs)
    p.add_argument("--max-steps", type=int, default=d.max_steps)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--grad-accum", type=int, default=d.grad_accum)
    p.add_argument("--outtype", default=d.outtype, choices=["f16", "q8_0", "f32", "bf16"])
    a = p.parse_args(argv)
    return LoopSettings(
        data=a.data,
        categories=tuple(a.category) if a.category else d.categories,
        out=a.out,
        seed=a.seed,
        train_fraction=a.train_fraction,
        eval_limit=a.eval_limit,
        train_cases=a.train_cases,
        own_runs=a.own_runs,
        max_tokens=a.max_tokens,
        threads=a.threads,
        train_threads=a.train_threads,
        train_answers=a.train_answers,
        max_length=a.max_length,
        n_ctx=a.n_ctx,
        turn_steps=a.turn_steps,
        rank=a.rank,
        alpha=a.alpha,
        lora_layers=a.lora_layers,
        lr=a.lr,
        epochs=a.epochs,
        max_steps=a.max_steps,
        batch_size=a.batch_size,
        grad_accum=a.grad_accum,
        outtype=a.outtype,
    )


def main(argv: Sequence[str] | None = None) -> None:
    run_loop(parse_args(argv))


if __name__ == "__main__":
    main()
