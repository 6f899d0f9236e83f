"""`lamagent eval`: evaluate a model on BFCL-format function-calling data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from lamagent.cli.calibrate import calibrate_gate
from lamagent.cli.run import CopyBiasOpt, ListedOpt, MentionsOpt, ShapesOpt
from lamagent.errors import LamagentError
from lamagent.generation import GenerationParams

app = typer.Typer(
    name="eval",
    help="Evaluate function calling on benchmark data.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Evaluate function calling on benchmark data (BFCL format)."""


#: The context window an in-process GGUF model gets for multi-turn and memory categories: their
#: prompts (many tools, many turns) outgrow the engine's default of 4096 tokens.
MULTI_TURN_N_CTX = 8192


def _load(
    model: str,
    threads: int | None,
    served_model: str | None,
    server_mode: str,
    n_ctx: int | None = None,
) -> Any:
    """The backend for --model (or "gold", which the runner answers itself)."""
    if model == "gold":
        return model
    from lamagent.backends import load_model

    kwargs: dict[str, Any] = {}
    spec = None if model == "default" else model
    if model.startswith(("http://", "https://")):
        if served_model:
            kwargs["model"] = served_model
        kwargs["mode"] = server_mode
    elif spec is None or model.endswith(".gguf"):
        if threads is not None:
            kwargs["n_threads"] = threads
        if n_ctx is not None:
            kwargs["n_ctx"] = n_ctx
    return load_model(spec, **kwargs)


def _gate(spec: str | None) -> Any:
    """The CallGate for --gate: None, the built-in one ("default"), or one saved to a file."""
    if spec is None:
        return None
    from lamagent.gate import CallGate

    return CallGate() if spec == "default" else CallGate.load(spec)


@app.command()
def bfcl(
    data: Annotated[
        Path, typer.Option("--data", help="A BFCL directory (BFCL_v*_<category>.json) or file.")
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help='"gold" (the ground-truth oracle), "default" (the embedded GGUF model), '
            "a .gguf file, a transformers folder or hub id, or an http(s):// server URL.",
        ),
    ] = "gold",
    category: Annotated[
        list[str] | None,
        typer.Option("--category", "-c", help="Only this category (repeatable)."),
    ] = None,
    constrained: Annotated[
        bool,
        typer.Option(
            "--constrained/--free", help="Constrain generations to the format's call grammar."
        ),
    ] = False,
    tool_choice: Annotated[
        str,
        typer.Option(
            "--tool-choice",
            help='With --constrained: "auto" (the grammar allows text or calls) or "required" '
            "(calls only; every irrelevance case then fails).",
        ),
    ] = "auto",
    limit: Annotated[int | None, typer.Option(help="The first N cases per category.")] = None,
    sample: Annotated[
        int | None, typer.Option(help="N random cases per category (seeded).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of --sample.")] = 0,
    format: Annotated[
        str | None,
        typer.Option("--format", help="Prompt format name (default: detected for the model)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output directory: results-<setting>.jsonl (resumable), report-<setting>.json, "
            "accuracy.png."
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(help="Generations at once (servers); keep 1 for in-process engines.")
    ] = 1,
    max_tokens: Annotated[int, typer.Option(help="Most tokens per generation.")] = 512,
    threads: Annotated[int | None, typer.Option(help="CPU threads of a llama.cpp model.")] = None,
    served_model: Annotated[
        str | None, typer.Option(help="Model name to request from an http(s) server.")
    ] = None,
    server_mode: Annotated[
        str,
        typer.Option(
            "--server-mode",
            help='For an http(s) server: "completions" (lamagent renders and parses) or "chat" '
            "(the server's chat template and tool parser).",
        ),
    ] = "completions",
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    agent: Annotated[
        bool,
        typer.Option(
            "--agent/--one-generation",
            help="Run each single-turn case through the Agent (verification feedback and "
            "retries, up to --max-steps) and score its first calls that all verify. "
            "Multi-turn and memory categories always run the Agent.",
        ),
    ] = False,
    max_steps: Annotated[
        int | None,
        typer.Option(
            help="Agent steps per run: per case with --agent (default 3), per user turn on "
            "multi-turn and memory categories (default 20)."
        ),
    ] = None,
    gate: Annotated[
        str | None,
        typer.Option(
            help='A call gate for auto turns: a JSON file from calibrate-gate, or "default".'
        ),
    ] = None,
    copy_bias: CopyBiasOpt = 0.0,
    mentioned_arguments: MentionsOpt = False,
    example_shapes: ShapesOpt = False,
    listed_items: ListedOpt = False,
    n_ctx: Annotated[
        int | None,
        typer.Option(
            "--n-ctx",
            help="Context window of an in-process GGUF model, tokens (default: the engine's "
            f"4096, or {MULTI_TURN_N_CTX} for multi-turn and memory categories).",
        ),
    ] = None,
) -> None:
    """Run a model over BFCL cases, check every answer, print accuracy per category."""
    from lamagent.eval.categories import is_memory
    from lamagent.eval.multi_turn import MultiTurnReport, is_multi_turn
    from lamagent.eval.report import (
        AGENT_SETTINGS,
        SETTINGS,
        TOOL_CHOICES,
        EvalReport,
        plot_accuracy,
        setting_name,
    )
    from lamagent.eval.runner import evaluate_bfcl
    from lamagent.settings import Limits

    if tool_choice not in TOOL_CHOICES:
        raise typer.BadParameter(f"one of {', '.join(TOOL_CHOICES)}", param_hint="--tool-choice")
    if tool_choice != "auto" and not constrained:
        raise typer.BadParameter("needs --constrained", param_hint="--tool-choice")
    multi_turn = any(is_multi_turn(c) for c in category or ())
    # multi-turn and memory cases always run the Agent, over long prompts
    always_agent = multi_turn or any(is_memory(c) for c in category or ())
    if max_steps is not None and not (agent or always_agent):
        raise typer.BadParameter(
            "needs --agent (or multi-turn or memory categories)", param_hint="--max-steps"
        )
    local_gguf = model == "default" or model.endswith(".gguf")
    if n_ctx is not None and (n_ctx < 1 or not local_gguf):
        raise typer.BadParameter(
            "a positive number of tokens, for the default model or a .gguf file",
            param_hint="--n-ctx",
        )
    if n_ctx is None and always_agent and local_gguf:
        n_ctx = MULTI_TURN_N_CTX
    if max_steps is not None and max_steps < 1:
        raise typer.BadParameter("at least 1", param_hint="--max-steps")
    limits = Limits(max_steps=max_steps) if max_steps is not None else None
    console = Console(soft_wrap=False, width=120)
    # the evaluation runs the setting its options name, no profile: not given is off
    copy_bias = copy_bias or 0.0
    mentioned_arguments, example_shapes = bool(mentioned_arguments), bool(example_shapes)
    listed_items = bool(listed_items)
    if copy_bias > 0 and not (constrained or gate):
        raise typer.BadParameter("needs --constrained or --gate", param_hint="--copy-bias")
    if mentioned_arguments and not (constrained or gate):
        raise typer.BadParameter(
            "needs --constrained or --gate", param_hint="--mentioned-arguments"
        )
    if example_shapes and not (constrained or gate):
        raise typer.BadParameter("needs --constrained or --gate", param_hint="--example-shapes")
    setting = (
        setting_name(constrained, tool_choice, agent and not always_agent)
        + ("-gate" if gate else "")
        + (f"-copy{copy_bias:g}" if copy_bias > 0 else "")
        + ("-mentions" if mentioned_arguments else "")
        + ("-shapes" if example_shapes else "")
        + ("-listed" if listed_items else "")
    )
    try:
        call_gate = _gate(gate)
        backend = _load(model, threads, served_model, server_mode, n_ctx)
        report = evaluate_bfcl(
            backend,
            data,
            category or None,
            format=format,
            constrained=constrained,
            tool_choice=tool_choice,
            limit=limit,
            sample=sample,
            seed=seed,
            out=out / f"results-{setting}.jsonl" if out else None,
            concurrency=concurrency,
            generation=GenerationParams(
                max_tokens=max_tokens,
                copy_bias=copy_bias,
                mentioned_arguments=mentioned_arguments,
                example_shapes=example_shapes,
                listed_items=listed_items,
            ),
            progress=progress,
            gate=call_gate,
            agent=agent,
            limits=limits,
        )
    except LamagentError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from exc
    console.print(report.table())
    if isinstance(report, MultiTurnReport):
        console.print(report.turn_table())
    else:
        for skipped, reason in report.skipped.items():
            console.print(f"[yellow]left out[/yellow] {skipped}: {reason}")
    if out is not None:
        report.save_json(out / f"report-{setting}.json")
        # every setting run into this folder, side by side (known ones in their usual order)
        order = {f"report-{name}.json": i for i, name in enumerate([*SETTINGS, *AGENT_SETTINGS])}
        found = sorted(out.glob("report-*.json"), key=lambda p: (order.get(p.name, len(order)), p))
        reports = [EvalReport.load_json(p) for p in found]
        chart = plot_accuracy(reports, out / "accuracy.png")
        console.print(f"report: {out / f'report-{setting}.json'}  chart: {chart}")


app.command("calibrate-gate")(calibrate_gate)
