"""`lamagent eval calibrate-gate`: fit the auto-mode call gate on BFCL train cases."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from lamagent.errors import LamagentError

if TYPE_CHECKING:
    from lamagent.gate.calibration import GateSample

_DEFAULT_CATEGORIES = ["simple_python", "multiple", "live_simple", "irrelevance"]


def calibrate_gate(
    data: Annotated[
        Path, typer.Option("--data", help="A BFCL directory (BFCL_v*_<category>.json).")
    ],
    model: Annotated[
        str,
        typer.Option("--model", help='"default" (the embedded GGUF), a .gguf file or a model id.'),
    ] = "default",
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            help="A category (repeatable); irrelevance ones want text, the others a call. "
            f"Default: {', '.join(_DEFAULT_CATEGORIES)}.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="Train cases per category (first N).")] = 30,
    train_fraction: Annotated[
        float, typer.Option(help="Share of each category that is train (the rest is held out).")
    ] = 0.5,
    seed: Annotated[int, typer.Option(help="Seed of the train / held-out split.")] = 0,
    out: Annotated[
        Path, typer.Option(help="Where to save the fitted gate (JSON; CallGate.load reads it).")
    ] = Path("gate.json"),
    samples: Annotated[
        Path | None,
        typer.Option(
            help="JSON Lines of drafted samples (one file per model): each draft is appended as "
            "it is made, cases already in it are not drafted again (resume, or refit at once)."
        ),
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", help="Prompt format name (default: detected).")
    ] = None,
    max_tokens: Annotated[int, typer.Option(help="Most tokens per draft.")] = 256,
    threads: Annotated[int | None, typer.Option(help="CPU threads of a llama.cpp model.")] = None,
    copy_bias: Annotated[
        float, typer.Option(help="Copy-aware decoding of the drafts' string values (0: off).")
    ] = 0.0,
) -> None:
    """Fit the call gate's weights and threshold on BFCL train cases; print the sweep."""
    from lamagent.gate.calibration import fit

    console = Console(soft_wrap=False, width=120)
    try:
        drafted = _draft(
            data,
            model,
            category or _DEFAULT_CATEGORIES,
            limit,
            train_fraction,
            seed,
            format,
            max_tokens,
            threads,
            samples,
            copy_bias,
        )
        calibration = fit(drafted)
    except LamagentError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    weights = ", ".join(f"{k} {v:g}" for k, v in calibration.gate.weights.items())
    table = Table(title=f"Call gate sweep (weights: {weights})")
    for column in (
        "threshold",
        "balanced pass",
        "decision acc.",
        "relevance kept",
        "relevance right",
        "irrelevance text",
    ):
        table.add_column(column, justify="right")
    for row in calibration.rows:
        style = "bold green" if row.threshold == calibration.gate.threshold else None
        table.add_row(
            f"{row.threshold:.2f}",
            f"{row.balanced_pass:.3f}",
            f"{row.decision_accuracy:.3f}",
            f"{row.kept_relevance:.0%}",
            f"{row.pass_relevance:.0%}",
            f"{row.text_irrelevance:.0%}",
            style=style,
        )
    console.print(table)
    calibration.save(out)
    counts = ", ".join(f"{k} {v}" for k, v in calibration.cases.items())
    console.print(
        f"gate: threshold {calibration.gate.threshold:.2f}; cases: {counts}; saved to {out}"
    )


def _draft(
    data: Path,
    model: str,
    categories: list[str],
    limit: int,
    train_fraction: float,
    seed: int,
    format: str | None,
    max_tokens: int,
    threads: int | None,
    samples: Path | None,
    copy_bias: float = 0.0,
) -> list[GateSample]:
    """The train cases' samples: those already in `samples`, the others drafted now."""
    import json

    import anyio
    from rich.progress import Progress

    from lamagent.cli.eval import _load
    from lamagent.eval.bfcl_data import load_bfcl, select_cases
    from lamagent.eval.split import split_cases
    from lamagent.gate.calibration import adraft_samples, load_samples, remeasure
    from lamagent.generation import GenerationParams
    from lamagent.turns import turn_source

    train, _ = split_cases(load_bfcl(data, categories), train_fraction=train_fraction, seed=seed)
    cases = select_cases(train, limit=limit)
    wanted = {c.id for c in cases}
    done = {
        s.id: s
        for s in (load_samples(samples) if samples is not None and samples.exists() else [])
        if s.id in wanted
    }
    pending = [c for c in cases if c.id not in done]
    if pending:
        source = turn_source(_load(model, threads, None, "completions"), format)
        sink = None
        if samples is not None:
            samples.parent.mkdir(parents=True, exist_ok=True)
            sink = samples.open("a", encoding="utf-8")
        try:
            with Progress() as bar:
                task = bar.add_task("drafting calls", total=len(pending))

                def record(sample: GateSample) -> None:
                    done[sample.id] = sample
                    if sink is not None:
                        sink.write(json.dumps(sample.to_dict()) + "\n")
                        sink.flush()
                    bar.advance(task)

                anyio.run(
                    lambda: adraft_samples(
                        source,
                        pending,
                        generation=GenerationParams(max_tokens=max_tokens, copy_bias=copy_bias),
                        on_sample=record,
                    )
                )
        finally:
            if sink is not None:
                sink.close()
    # drafts saved earlier are measured again: the signals follow the code that runs the gate
    return remeasure([done[c.id] for c in cases], cases)
