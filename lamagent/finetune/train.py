"""SFT and DPO training: LoRA (peft) or full fine-tuning through TRL's trainers.

SFT uses TRL's `SFTTrainer` as is: given a dataset that already has `input_ids` and `labels`
(from `build_sft_dataset`), TRL 1.16 skips its own templating and tokenization, keeps the labels
as they are (its collator pads them with -100), and can pack or group them by length. So the
masks lamagent computed from its Format are the masks trained on. DPO uses TRL's `DPOTrainer` on
text pairs whose prompts lamagent rendered; with a LoRA model and no reference model, TRL uses
the same model with its adapters disabled as the reference.

A run configured with DeepSpeed or more than one process is handed to `lamagent.finetune.launch`,
which starts the workers with torchrun; each worker comes back here, in its own process.

Every run writes a directory: `config.json` (the settings), `metrics.jsonl` (one line per logged
step), `loss.png`, and the trained adapter (or full model) with its tokenizer under `model/`.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import UsageError
from lamagent.finetune.settings import (
    DEEPSPEED_CONFIGS,
    DEFAULT_TARGETS,
    FinetuneError,
    LoraSettings,
    TrainSettings,
    deepspeed_config,
)

if TYPE_CHECKING:
    from datasets import Dataset

__all__ = [
    "DEEPSPEED_CONFIGS",
    "DEFAULT_TARGETS",
    "FinetuneError",
    "LoraSettings",
    "TrainResult",
    "TrainSettings",
    "deepspeed_config",
    "dpo",
    "sft",
]


def in_launched_worker() -> bool:
    """True inside a process started by a distributed launcher (torchrun, accelerate, deepspeed)."""
    return "LOCAL_RANK" in os.environ


def is_main_process() -> bool:
    """True in the process that writes the run's files (global rank 0, or a lone process)."""
    return os.environ.get("RANK", "0") == "0"


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _use_bf16(bf16: bool | None) -> bool:
    if bf16 is not None:
        return bf16
    import torch

    return _cuda() and bool(torch.cuda.is_bf16_supported())


def load_for_training(model: Any, *, bf16: bool) -> tuple[Any, Any]:
    """The model and tokenizer for `model` (a path or hub id, or an already loaded model)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if isinstance(model, (str, os.PathLike)):
        path = str(model)
        loaded = AutoModelForCausalLM.from_pretrained(
            path, dtype=torch.bfloat16 if bf16 else torch.float32
        )
        return loaded, AutoTokenizer.from_pretrained(path)
    name = getattr(model, "name_or_path", None) or getattr(model.config, "_name_or_path", "")
    return model, AutoTokenizer.from_pretrained(name)


def _metrics_callback(path: Path) -> Any:
    from transformers import TrainerCallback

    class MetricsJSONL(TrainerCallback):  # type: ignore[misc]
        """Appends every log (loss, learning rate, grad norm...) to a JSONL file."""

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if not logs or not state.is_world_process_zero:
                return
            row = {"step": state.global_step, "epoch": state.epoch, "time": time.time(), **logs}
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row, default=float) + "\n")

    return MetricsJSONL()


@dataclass
class TrainResult:
    """Where a run put its outputs, and what it measured."""

    run_dir: Path
    model_dir: Path | None
    metrics_path: Path
    plot_path: Path | None
    losses: list[float] = field(default_factory=list)
    train_runtime: float = 0.0
    train_tokens: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    model: Any = None

    @property
    def tokens_per_second(self) -> float:
        return self.train_tokens / self.train_runtime if self.train_runtime else 0.0


def read_metric(path: Path, key: str = "loss") -> list[float]:
    """The values of one logged metric, in step order, from a run's `metrics.jsonl`."""
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [float(r[key]) for r in rows if key in r]


def _training_args(out_dir: Path, s: TrainSettings, *, lr: float, bf16: bool) -> dict[str, Any]:
    """The `TrainingArguments` fields both methods share, from the settings."""
    args: dict[str, Any] = dict(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=s.epochs,
        learning_rate=lr,
        per_device_train_batch_size=s.batch_size,
        gradient_accumulation_steps=s.grad_accum,
        max_steps=s.max_steps,
        activation_checkpointing=s.gradient_checkpointing,
        bf16=bf16,
        fp16=False,
        logging_steps=s.logging_steps,
        save_strategy="no",
        report_to="none",
        seed=s.seed,
        disable_tqdm=not s.progress,
        warmup_steps=s.warmup_ratio,
        lr_scheduler_type="linear",
        # DeepSpeed picks its own accelerator (CUDA, else its CPU accelerator with gloo); telling
        # the Trainer "CPU" would set up plain multi-CPU data parallelism instead.
        use_cpu=not _cuda() and s.deepspeed is None,
        dataloader_pin_memory=_cuda(),
    )
    if s.deepspeed is not None:
        args["deepspeed"] = deepspeed_config(s.deepspeed)
        if not _cuda() and in_launched_worker():
            _deepspeed_cpu_state()
            args["accelerator_config"] = {"use_configured_state": True}
    return args


def _deepspeed_cpu_state() -> None:
    """Set up accelerate's process state for DeepSpeed on CPUs, with the gloo backend.

    Without a GPU, accelerate finds no communication backend for DeepSpeed and would treat the
    run as one process; DeepSpeed's CPU accelerator itself works over gloo. The Trainer then
    uses this state (`use_configured_state`).
    """
    from accelerate import PartialState

    os.environ["ACCELERATE_USE_DEEPSPEED"] = "true"
    PartialState(backend="gloo")


def _finish(
    trainer: Any, run_dir: Path, metrics_path: Path, s: TrainSettings, *, tokens: int, title: str
) -> TrainResult:
    """Train, save the model and tokenizer, plot, summarise. `tokens` is the fallback count.

    Every process trains and saves (under ZeRO-3 saving gathers the partitioned weights, a
    collective step); only the main process writes files.
    """
    from lamagent.finetune.plot import plot_loss

    started = time.perf_counter()
    output = trainer.train()
    runtime = time.perf_counter() - started
    model_dir = None
    if s.save:
        model_dir = run_dir / "model"
        trainer.save_model(str(model_dir))
        if is_main_process():
            trainer.processing_class.save_pretrained(str(model_dir))
    metrics = dict(output.metrics)
    counted = read_metric(metrics_path, "num_tokens")  # TRL counts the tokens it trained on
    tokens = int(counted[-1]) if counted else tokens
    plot_path = None
    if is_main_process():
        plot_path = plot_loss(metrics_path, run_dir / "loss.png", title=title)
        (run_dir / "summary.json").write_text(
            json.dumps(
                {"train_runtime_s": runtime, "train_tokens": tokens, **metrics},
                indent=2,
                default=str,
            )
        )
    return TrainResult(
        run_dir=run_dir,
        model_dir=model_dir,
        metrics_path=metrics_path,
        plot_path=plot_path,
        losses=read_metric(metrics_path, "loss"),
        train_runtime=runtime,
        train_tokens=tokens,
        metrics=metrics,
        model=trainer.model,
    )


def _prepare_run(out_dir: str | os.PathLike[str], config: dict[str, Any]) -> tuple[Path, Path]:
    run_dir = Path(out_dir)
    metrics_path = run_dir / "metrics.jsonl"
    if is_main_process():
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(json.dumps(config, indent=2, default=str))
        metrics_path.write_text("")
    return run_dir, metrics_path


def _config(
    kind: Literal["sft", "dpo"], model: Any, s: TrainSettings, *, lr: float, bf16: bool
) -> dict[str, Any]:
    """What `config.json` records: the settings as used, the model, the method."""
    name = (
        str(model) if isinstance(model, (str, os.PathLike)) else getattr(model, "name_or_path", "")
    )
    return {"kind": kind, "model": name, **s.model_dump(mode="json"), "lr": lr, "bf16": bf16}


def _epochs_tokens(dataset: Any, epochs: float, max_steps: int, per_step: int) -> int:
    """Tokens the run will process (for throughput), from the dataset's lengths."""
    lengths = [len(x) for x in dataset["input_ids"]]
    if max_steps > 0:
        mean = sum(lengths) / max(len(lengths), 1)
        return int(mean * per_step * max_steps)
    return int(sum(lengths) * math.ceil(epochs))


def _launch_if_asked(
    kind: Literal["sft", "dpo"], model: Any, dataset: Dataset, out_dir: Any, s: TrainSettings
) -> TrainResult | None:
    """Hand the run to the launcher when the settings ask for DeepSpeed or several processes
    and this process is not already one of a launched run's workers."""
    if not s.launched or in_launched_worker():
        return None
    if not isinstance(model, (str, os.PathLike)):
        raise UsageError(
            "a DeepSpeed or multi-process run loads the model in each worker: pass a checkpoint "
            "path or hub id, not a loaded model"
        )
    from lamagent.finetune.launch import launch

    return launch(kind, str(model), dataset, out_dir, s)


def sft(
    model: Any,
    dataset: Dataset,
    *,
    out_dir: str | os.PathLike[str],
    settings: TrainSettings | None = None,
    **overrides: Any,
) -> TrainResult:
    """Supervised fine-tuning on a dataset from `build_sft_dataset`.

    `model`: a checkpoint path (or hub id) or a loaded `PreTrainedModel`. `settings` holds every
    knob (`TrainSettings`); keyword `overrides` replace some of its fields (`lr=1e-4`). With
    `deepspeed` or `processes` > 1 the run is launched over that many processes (the model must
    then be a path) and the result carries no in-memory model. `packing` packs samples into
    `max_length` rows (best-fit, padding-free); `group_by_length` batches samples of similar
    length instead.
    """
    s = (settings or TrainSettings()).with_overrides(overrides)
    if "labels" not in dataset.column_names or "input_ids" not in dataset.column_names:
        raise FinetuneError("sft() needs a dataset with input_ids and labels (build_sft_dataset)")
    launched = _launch_if_asked("sft", model, dataset, out_dir, s)
    if launched is not None:
        return launched
    from trl import SFTConfig, SFTTrainer

    use_bf16 = _use_bf16(s.bf16)
    lr = s.learning_rate("sft")
    config = {**_config("sft", model, s, lr=lr, bf16=use_bf16), "samples": len(dataset)}
    run_dir, metrics_path = _prepare_run(out_dir, config)
    loaded, tokenizer = load_for_training(model, bf16=use_bf16)
    max_length = s.max_length
    if s.packing and max_length is None:
        max_length = max(len(x) for x in dataset["input_ids"])
    args = SFTConfig(
        **_training_args(run_dir, s, lr=lr, bf16=use_bf16),
        train_sampling_strategy="group_by_length" if s.group_by_length else "random",
        packing=s.packing,
        max_length=max_length if s.packing else None,
        dataset_num_proc=None,
    )
    trainer = SFTTrainer(
        model=loaded,
        args=args,
        train_dataset=dataset.select_columns(["input_ids", "labels"]),
        processing_class=tokenizer,
        peft_config=s.lora.to_peft() if s.lora is not None else None,
        callbacks=[_metrics_callback(metrics_path)],
    )
    per_step = s.batch_size * s.grad_accum * int(os.environ.get("WORLD_SIZE", "1"))
    tokens = _epochs_tokens(dataset, s.epochs, s.max_steps, per_step)
    return _finish(trainer, run_dir, metrics_path, s, tokens=tokens, title="SFT loss")


def dpo(
    model: Any,
    dataset: Dataset,
    *,
    out_dir: str | os.PathLike[str],
    settings: TrainSettings | None = None,
    **overrides: Any,
) -> TrainResult:
    """Direct preference optimisation on a dataset from `build_dpo_dataset`.

    With LoRA the reference model is the same model with adapters disabled (TRL does it when no
    reference model is given); with `lora=None` TRL keeps a frozen copy as reference. `model` may
    also be an SFT run's merged checkpoint, so DPO follows SFT. `settings` and `overrides` as in
    `sft`; `beta` is DPO's temperature, `max_length` truncates (default 2048).
    """
    s = (settings or TrainSettings()).with_overrides(overrides)
    missing = {"prompt", "chosen", "rejected"} - set(dataset.column_names)
    if missing:
        raise FinetuneError(
            f"dpo() needs prompt/chosen/rejected columns; missing {sorted(missing)}"
        )
    launched = _launch_if_asked("dpo", model, dataset, out_dir, s)
    if launched is not None:
        return launched
    from trl import DPOConfig, DPOTrainer

    use_bf16 = _use_bf16(s.bf16)
    lr = s.learning_rate("dpo")
    config = {**_config("dpo", model, s, lr=lr, bf16=use_bf16), "pairs": len(dataset)}
    run_dir, metrics_path = _prepare_run(out_dir, config)
    loaded, tokenizer = load_for_training(model, bf16=use_bf16)
    args = DPOConfig(
        **_training_args(run_dir, s, lr=lr, bf16=use_bf16),
        beta=s.beta,
        max_length=s.max_length if s.max_length is not None else 2048,
    )
    trainer = DPOTrainer(
        model=loaded,
        args=args,
        train_dataset=dataset.select_columns(["prompt", "chosen", "rejected"]),
        processing_class=tokenizer,
        peft_config=s.lora.to_peft() if s.lora is not None else None,
        callbacks=[_metrics_callback(metrics_path)],
    )
    chars = sum(
        len(p) + len(c) + len(r)
        for p, c, r in zip(dataset["prompt"], dataset["chosen"], dataset["rejected"], strict=True)
    )
    return _finish(trainer, run_dir, metrics_path, s, tokens=chars // 4, title="DPO loss")
