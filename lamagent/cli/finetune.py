"""`lamagent finetune`: SFT and DPO from recorded trajectories, and export to GGUF.

    lamagent finetune sft MODEL --data runs.db --format xlam2-qwen --out runs/sft
    lamagent finetune dpo runs/sft/merged --data runs.db --out runs/dpo
    lamagent finetune sft MODEL --data runs.db --out runs/sft --deepspeed zero3 --processes 8
    lamagent finetune export runs/sft/model --out model-f16.gguf --outtype f16

Engines (torch, transformers, peft, trl) are imported only when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from lamagent.finetune import TrainSettings

app = typer.Typer(
    name="finetune",
    help="Fine-tune on trajectories (SFT, DPO) and export to GGUF.",
    no_args_is_help=True,
    add_completion=False,
)

ModelArg = Annotated[str, typer.Argument(help="Base model: a checkpoint folder or hub id.")]
DataOpt = Annotated[
    list[Path],
    typer.Option("--data", "-d", help="Trajectory store (SQLite) or JSONL file; repeatable."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Run directory to write.")]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help="Prompt format the model is served with.")
]
LoraOpt = Annotated[bool, typer.Option("--lora/--full", help="LoRA adapters or every weight.")]
RankOpt = Annotated[int, typer.Option("--rank", "-r", help="LoRA rank.")]
AlphaOpt = Annotated[int, typer.Option("--alpha", help="LoRA alpha.")]
EpochsOpt = Annotated[float, typer.Option("--epochs", help="Passes over the data.")]
LrOpt = Annotated[
    float | None, typer.Option("--lr", help="Learning rate (default by method and LoRA/full).")
]
BatchOpt = Annotated[int, typer.Option("--batch-size", help="Samples per device per step.")]
AccumOpt = Annotated[int, typer.Option("--grad-accum", help="Gradient accumulation steps.")]
StepsOpt = Annotated[
    int, typer.Option("--max-steps", help="Stop after this many steps (-1: epochs).")
]
GcOpt = Annotated[
    bool, typer.Option("--gradient-checkpointing", help="Recompute activations to save memory.")
]
DsOpt = Annotated[
    str | None,
    typer.Option("--deepspeed", help="zero2, zero3, zero3_offload or a JSON config path."),
]
ProcsOpt = Annotated[
    int,
    typer.Option(
        "--processes", help="Processes on this machine (one per GPU), started by torchrun."
    ),
]
FilterOpt = Annotated[
    str, typer.Option("--filter-mode", help="drop, trim or excise bad steps (see docs).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of augmentation, pairs and training.")]


def _console() -> Console:
    return Console(soft_wrap=False, width=120)


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _settings(**fields: Any) -> TrainSettings:
    """The run's settings, built once from the command's options (bad values exit with 1)."""
    from pydantic import ValidationError

    from lamagent.finetune import TrainSettings

    try:
        return TrainSettings(**fields)
    except ValidationError as exc:
        raise _fail(f"bad training settings: {exc}") from exc


def _trajectories(data: list[Path], filter_mode: str, console: Console) -> list:  # type: ignore[type-arg]
    from lamagent.finetune import filter_trajectories, load_trajectories

    if filter_mode not in ("drop", "trim", "excise"):
        raise _fail(f"--filter-mode must be drop, trim or excise, not {filter_mode!r}")
    if not data:
        raise _fail("give at least one --data store or JSONL file")
    runs = load_trajectories(data)
    kept, report = filter_trajectories(runs, mode=filter_mode)  # type: ignore[arg-type]
    report.print(console)
    return kept


@app.command()
def sft(
    model: ModelArg,
    data: DataOpt,
    out: OutOpt,
    format: FormatOpt = "xlam2-qwen",
    filter_mode: FilterOpt = "trim",
    augment: Annotated[
        int, typer.Option("--augment", help="Augmented variants per sample (0: none).")
    ] = 0,
    max_length: Annotated[int, typer.Option("--max-length", help="Longest sample, tokens.")] = 4096,
    lora: LoraOpt = True,
    rank: RankOpt = 16,
    alpha: AlphaOpt = 32,
    epochs: EpochsOpt = 1.0,
    lr: LrOpt = None,
    batch_size: BatchOpt = 4,
    grad_accum: AccumOpt = 1,
    max_steps: StepsOpt = -1,
    gradient_checkpointing: GcOpt = False,
    packing: Annotated[bool, typer.Option("--packing", help="Pack samples into rows.")] = False,
    group_by_length: Annotated[
        bool, typer.Option("--group-by-length", help="Batch samples of similar length.")
    ] = False,
    deepspeed: DsOpt = None,
    processes: ProcsOpt = 1,
    seed: SeedOpt = 0,
) -> None:
    """Supervised fine-tuning on the assistant turns of the (filtered) trajectories."""
    from transformers import AutoTokenizer

    from lamagent.finetune import Augmentation, LoraSettings, SFTStats, build_sft_dataset
    from lamagent.finetune import sft as run_sft

    settings = _settings(
        lora=LoraSettings(r=rank, alpha=alpha) if lora else None,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        grad_accum=grad_accum,
        max_steps=max_steps,
        gradient_checkpointing=gradient_checkpointing,
        packing=packing,
        max_length=max_length if packing else None,
        group_by_length=group_by_length,
        deepspeed=deepspeed,
        processes=processes,
        seed=seed,
        format=format,
    )
    console = _console()
    kept = _trajectories(data, filter_mode, console)
    stats = SFTStats()
    dataset = build_sft_dataset(
        kept,
        format,
        AutoTokenizer.from_pretrained(model),
        max_length=max_length,
        stats=stats,
        augment=Augmentation(copies=augment, seed=seed) if augment else None,
    )
    console.print(
        f"{stats.samples} samples, {stats.tokens} tokens ({stats.target_tokens} labelled), "
        f"{stats.too_long} dropped as longer than {max_length} tokens"
    )
    if len(dataset) == 0:
        raise _fail("no training samples left after filtering")
    _summary(console, _train(run_sft, model, dataset, out, settings))


@app.command()
def dpo(
    model: ModelArg,
    data: DataOpt,
    out: OutOpt,
    format: FormatOpt = "xlam2-qwen",
    sources: Annotated[
        str, typer.Option("--sources", help="Comma-separated: self_correction,contrast,synthetic.")
    ] = "self_correction,contrast,synthetic",
    beta: Annotated[float, typer.Option("--beta", help="DPO temperature.")] = 0.1,
    lora: LoraOpt = True,
    rank: RankOpt = 16,
    alpha: AlphaOpt = 32,
    epochs: EpochsOpt = 1.0,
    lr: LrOpt = None,
    batch_size: BatchOpt = 4,
    grad_accum: AccumOpt = 1,
    max_steps: StepsOpt = -1,
    gradient_checkpointing: GcOpt = False,
    deepspeed: DsOpt = None,
    processes: ProcsOpt = 1,
    seed: SeedOpt = 0,
) -> None:
    """Preference optimisation on pairs mined from the trajectories (unfiltered: failures teach)."""
    from lamagent.finetune import LoraSettings, build_dpo_dataset, load_trajectories, pair_counts
    from lamagent.finetune import dpo as run_dpo

    settings = _settings(
        lora=LoraSettings(r=rank, alpha=alpha) if lora else None,
        beta=beta,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        grad_accum=grad_accum,
        max_steps=max_steps,
        gradient_checkpointing=gradient_checkpointing,
        deepspeed=deepspeed,
        processes=processes,
        seed=seed,
        format=format,
    )
    console = _console()
    if not data:
        raise _fail("give at least one --data store or JSONL file")
    names = tuple(s.strip() for s in sources.split(",") if s.strip())
    try:
        dataset = build_dpo_dataset(load_trajectories(data), format, sources=names, seed=seed)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    table = Table(title="DPO pairs by source")
    table.add_column("source")
    table.add_column("pairs", justify="right")
    for name, n in pair_counts(dataset).items():
        table.add_row(name, str(n))
    console.print(table)
    if len(dataset) == 0:
        raise _fail("no preference pairs found in the trajectories")
    _summary(console, _train(run_dpo, model, dataset, out, settings))


@app.command()
def export(
    model: Annotated[
        Path, typer.Argument(help="A run's model/ folder: a LoRA adapter or a full checkpoint.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .gguf file to write.")],
    outtype: Annotated[str, typer.Option("--outtype", help="f32, f16, bf16 or q8_0.")] = "f16",
    base: Annotated[
        str | None, typer.Option("--base", help="Base model (default: the adapter's own).")
    ] = None,
    lora_only: Annotated[
        bool, typer.Option("--lora-only", help="Write a GGUF LoRA file, not a merged model.")
    ] = False,
    merged_dir: Annotated[
        Path | None, typer.Option("--merged-dir", help="Also keep the merged HF checkpoint here.")
    ] = None,
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Format whose chat template to save.")
    ] = None,
    llama_cpp_dir: Annotated[
        Path | None, typer.Option("--llama-cpp-dir", help="llama.cpp checkout with converters.")
    ] = None,
) -> None:
    """Merge an adapter into its base and convert to GGUF (or convert the adapter alone)."""
    from lamagent.errors import LamagentError
    from lamagent.finetune import export_gguf, export_lora_gguf, merge
    from lamagent.finetune.export import is_adapter

    console = _console()
    try:
        if lora_only:
            path = export_lora_gguf(
                model, out, base=base, outtype=outtype, llama_cpp_dir=llama_cpp_dir
            )
        else:
            source = model
            if merged_dir is not None and is_adapter(model):
                source = merge(model, merged_dir, base=base, format=format)
                console.print(f"merged checkpoint: {source}")
            path = export_gguf(
                source, out, outtype=outtype, base=base, llama_cpp_dir=llama_cpp_dir, format=format
            )
    except LamagentError as exc:
        raise _fail(str(exc)) from exc
    size = path.stat().st_size / 1e6
    console.print(f"wrote {path} ({size:.1f} MB)")


def _train(train: Any, model: str, dataset: Any, out: Path, settings: TrainSettings) -> Any:
    """Run `train` (sft or dpo); a run that cannot start or fails exits with 1."""
    from lamagent.errors import LamagentError

    try:
        return train(model, dataset, out_dir=out, settings=settings)
    except LamagentError as exc:
        raise _fail(str(exc)) from exc


def _summary(console: Console, result: object) -> None:
    from lamagent.finetune import TrainResult

    assert isinstance(result, TrainResult)
    losses = result.losses
    table = Table(title=f"Run {result.run_dir}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("steps logged", str(len(losses)))
    if losses:
        table.add_row("first loss", f"{losses[0]:.4f}")
        table.add_row("last loss", f"{losses[-1]:.4f}")
    table.add_row("train time (s)", f"{result.train_runtime:.1f}")
    table.add_row("model", str(result.model_dir))
    table.add_row("loss curve", str(result.plot_path))
    console.print(table)
