"""SFT and DPO training: LoRA (peft) or full fine-tuning through TRL's trainers.

SFT uses TRL's `SFTTrainer` as is: given a dataset that already has `input_ids` and `labels`
(from `build_sft_dataset`), TRL 1.16 skips its own templating and tokenization, keeps the labels
as they are (its collator pads them with -100), and can pack or group them by length. So the
masks lamagent computed from its Format are the masks trained on. DPO uses TRL's `DPOTrainer` on
text pairs whose prompts lamagent rendered; with a LoRA model and no reference model, TRL uses
the same model with its adapters disabled as the reference.

Every run writes a directory: `config.json` (the settings), `metrics.jsonl` (one line per logged
step), `loss.png`, and the trained adapter (or full model) with its tokenizer under `model/`.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import LamagentError

if TYPE_CHECKING:
    from datasets import Dataset

#: The projection layers of Qwen2 and Llama blocks (attention and MLP).
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
DEEPSPEED_CONFIGS = ("zero2", "zero3", "zero3_offload")


class FinetuneError(LamagentError):
    """A fine-tuning run cannot start (bad settings, missing config, missing dependency)."""


@dataclass(frozen=True)
class LoraSettings:
    """LoRA adapter settings; the defaults suit Qwen2/Llama-shaped models of 0.1B to 8B."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: Sequence[str] = DEFAULT_TARGETS
    bias: Literal["none", "all", "lora_only"] = "none"
    #: Only these decoder layers get adapters (None: all). Adapting only the last layers makes
    #: the backward pass stop there: cheaper, for small data or CPU runs.
    layers: Sequence[int] | None = None

    def to_peft(self) -> Any:
        """The equivalent `peft.LoraConfig` for a causal LM."""
        from peft import LoraConfig

        return LoraConfig(
            r=self.r,
            lora_alpha=self.alpha,
            lora_dropout=self.dropout,
            target_modules=list(self.target_modules),
            bias=self.bias,
            task_type="CAUSAL_LM",
            layers_to_transform=list(self.layers) if self.layers is not None else None,
        )


def deepspeed_config(name: str | os.PathLike[str]) -> dict[str, Any]:
    """A DeepSpeed config by name ("zero2", "zero3", "zero3_offload") or from a JSON file.

    The shipped configs leave batch sizes, learning rate, precision and bucket sizes as "auto";
    the Hugging Face integration fills them from the training arguments.
    """
    text: str
    if str(name) in DEEPSPEED_CONFIGS:
        text = (resources.files("lamagent.finetune") / "deepspeed" / f"{name}.json").read_text()
    else:
        path = Path(name)
        if not path.is_file():
            raise FinetuneError(
                f"unknown DeepSpeed config {name!r}: use one of {DEEPSPEED_CONFIGS} or a JSON file"
            )
        text = path.read_text()
    config = json.loads(text)
    if not isinstance(config, dict):
        raise FinetuneError(f"DeepSpeed config {name!r} is not a JSON object")
    return config


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _use_bf16(bf16: bool | None) -> bool:
    if bf16 is not None:
        return bf16
    import torch

    return _cuda() and bool(torch.cuda.is_bf16_supported())


def load_model(model: Any, *, bf16: bool) -> tuple[Any, Any]:
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


def _read_losses(path: Path, key: str = "loss") -> list[float]:
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [float(r[key]) for r in rows if key in r]


def _common_args(
    out_dir: Path,
    *,
    epochs: float,
    lr: float,
    batch_size: int,
    grad_accum: int,
    max_steps: int,
    gradient_checkpointing: bool,
    bf16: bool,
    deepspeed: str | os.PathLike[str] | None,
    group_by_length: bool,
    seed: int,
    logging_steps: int,
    progress: bool,
    warmup_ratio: float,
) -> dict[str, Any]:
    args: dict[str, Any] = dict(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=epochs,
        learning_rate=lr,
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=grad_accum,
        max_steps=max_steps,
        activation_checkpointing=gradient_checkpointing,
        bf16=bf16,
        fp16=False,
        logging_steps=logging_steps,
        save_strategy="no",
        report_to="none",
        seed=seed,
        disable_tqdm=not progress,
        warmup_steps=warmup_ratio,
        lr_scheduler_type="linear",
        use_cpu=not _cuda(),
    )
    if group_by_length:
        args["train_sampling_strategy"] = "group_by_length"
    if deepspeed is not None:
        args["deepspeed"] = deepspeed_config(deepspeed)
    return args


def _finish(
    trainer: Any,
    run_dir: Path,
    metrics_path: Path,
    config: dict[str, Any],
    *,
    save: bool,
    tokens: int,
    title: str,
) -> TrainResult:
    """Train, save the model and tokenizer, plot, summarise. `tokens` is the fallback count."""
    from lamagent.finetune.plot import plot_loss

    started = time.perf_counter()
    output = trainer.train()
    runtime = time.perf_counter() - started
    model_dir = None
    if save:
        model_dir = run_dir / "model"
        trainer.save_model(str(model_dir))
        trainer.processing_class.save_pretrained(str(model_dir))
    plot_path = plot_loss(metrics_path, run_dir / "loss.png", title=title)
    metrics = dict(output.metrics)
    counted = _read_losses(metrics_path, "num_tokens")  # TRL counts the tokens it trained on
    tokens = int(counted[-1]) if counted else tokens
    (run_dir / "summary.json").write_text(
        json.dumps(
            {"train_runtime_s": runtime, "train_tokens": tokens, **metrics}, indent=2, default=str
        )
    )
    return TrainResult(
        run_dir=run_dir,
        model_dir=model_dir,
        metrics_path=metrics_path,
        plot_path=plot_path,
        losses=_read_losses(metrics_path),
        train_runtime=runtime,
        train_tokens=tokens,
        metrics=metrics,
        model=trainer.model,
    )


def _prepare_run(out_dir: str | os.PathLike[str], config: dict[str, Any]) -> tuple[Path, Path]:
    run_dir = Path(out_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(config, indent=2, default=str))
    metrics_path = run_dir / "metrics.jsonl"
    metrics_path.write_text("")
    return run_dir, metrics_path


def _epochs_tokens(dataset: Any, epochs: float, max_steps: int, per_step: int) -> int:
    """Tokens the run will process (for throughput), from the dataset's lengths."""
    lengths = [len(x) for x in dataset["input_ids"]]
    if max_steps > 0:
        mean = sum(lengths) / max(len(lengths), 1)
        return int(mean * per_step * max_steps)
    return int(sum(lengths) * math.ceil(epochs))


def sft(
    model: Any,
    dataset: Dataset,
    *,
    out_dir: str | os.PathLike[str],
    lora: LoraSettings | None = LoraSettings(),
    epochs: float = 1.0,
    lr: float | None = None,
    batch_size: int = 4,
    grad_accum: int = 1,
    max_steps: int = -1,
    gradient_checkpointing: bool = False,
    bf16: bool | None = None,
    deepspeed: str | os.PathLike[str] | None = None,
    group_by_length: bool = False,
    packing: bool = False,
    max_length: int | None = None,
    warmup_ratio: float = 0.0,
    seed: int = 0,
    logging_steps: int = 1,
    progress: bool = True,
    save: bool = True,
    format: str | None = None,
) -> TrainResult:
    """Supervised fine-tuning on a dataset from `build_sft_dataset`.

    `model`: a checkpoint path (or hub id) or a loaded `PreTrainedModel`. `lora=None` trains every
    weight. `lr` defaults to 2e-4 with LoRA, 2e-5 without. `bf16=None` means bf16 on a CUDA GPU
    that supports it, fp32 otherwise. `deepspeed`: "zero2", "zero3", "zero3_offload" or a JSON
    path (run under `accelerate launch` or `deepspeed`). `packing` packs samples into `max_length`
    rows (best-fit, padding-free); `group_by_length` batches samples of similar length instead.
    `format` is recorded in the run's config so export knows the inference format.
    """
    from trl import SFTConfig, SFTTrainer

    if "labels" not in dataset.column_names or "input_ids" not in dataset.column_names:
        raise FinetuneError("sft() needs a dataset with input_ids and labels (build_sft_dataset)")
    use_bf16 = _use_bf16(bf16)
    lr = lr if lr is not None else (2e-4 if lora is not None else 2e-5)
    config = {
        "kind": "sft",
        "model": str(model)
        if isinstance(model, (str, os.PathLike))
        else getattr(model, "name_or_path", ""),
        "lora": asdict(lora) if lora else None,
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "max_steps": max_steps,
        "gradient_checkpointing": gradient_checkpointing,
        "bf16": use_bf16,
        "deepspeed": str(deepspeed) if deepspeed else None,
        "group_by_length": group_by_length,
        "packing": packing,
        "max_length": max_length,
        "seed": seed,
        "format": format,
        "samples": len(dataset),
    }
    run_dir, metrics_path = _prepare_run(out_dir, config)
    loaded, tokenizer = load_model(model, bf16=use_bf16)
    if packing and max_length is None:
        max_length = max(len(x) for x in dataset["input_ids"])
    args = SFTConfig(
        **_common_args(
            run_dir,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            grad_accum=grad_accum,
            max_steps=max_steps,
            gradient_checkpointing=gradient_checkpointing,
            bf16=use_bf16,
            deepspeed=deepspeed,
            group_by_length=group_by_length,
            seed=seed,
            logging_steps=logging_steps,
            progress=progress,
            warmup_ratio=warmup_ratio,
        ),
        packing=packing,
        max_length=max_length,
        dataset_num_proc=None,
    )
    train_data = dataset.select_columns(["input_ids", "labels"])
    trainer = SFTTrainer(
        model=loaded,
        args=args,
        train_dataset=train_data,
        processing_class=tokenizer,
        peft_config=lora.to_peft() if lora is not None else None,
        callbacks=[_metrics_callback(metrics_path)],
    )
    tokens = _epochs_tokens(dataset, epochs, max_steps, batch_size * grad_accum)
    return _finish(
        trainer, run_dir, metrics_path, config, save=save, tokens=tokens, title="SFT loss"
    )


def dpo(
    model: Any,
    dataset: Dataset,
    *,
    out_dir: str | os.PathLike[str],
    lora: LoraSettings | None = LoraSettings(),
    beta: float = 0.1,
    epochs: float = 1.0,
    lr: float | None = None,
    batch_size: int = 4,
    grad_accum: int = 1,
    max_steps: int = -1,
    gradient_checkpointing: bool = False,
    bf16: bool | None = None,
    deepspeed: str | os.PathLike[str] | None = None,
    max_length: int | None = 2048,
    warmup_ratio: float = 0.0,
    seed: int = 0,
    logging_steps: int = 1,
    progress: bool = True,
    save: bool = True,
    format: str | None = None,
) -> TrainResult:
    """Direct preference optimisation on a dataset from `build_dpo_dataset`.

    With LoRA the reference model is the same model with adapters disabled (TRL does it when no
    reference model is given); with `lora=None` TRL keeps a frozen copy as reference. `model` may
    also be an SFT run's merged checkpoint, so DPO follows SFT. `lr` defaults to 5e-5 with LoRA,
    5e-7 without.
    """
    from trl import DPOConfig, DPOTrainer

    missing = {"prompt", "chosen", "rejected"} - set(dataset.column_names)
    if missing:
        raise FinetuneError(
            f"dpo() needs prompt/chosen/rejected columns; missing {sorted(missing)}"
        )
    use_bf16 = _use_bf16(bf16)
    lr = lr if lr is not None else (5e-5 if lora is not None else 5e-7)
    config = {
        "kind": "dpo",
        "model": str(model)
        if isinstance(model, (str, os.PathLike))
        else getattr(model, "name_or_path", ""),
        "lora": asdict(lora) if lora else None,
        "beta": beta,
        "epochs": epochs,
        "lr": lr,
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "max_steps": max_steps,
        "bf16": use_bf16,
        "deepspeed": str(deepspeed) if deepspeed else None,
        "seed": seed,
        "format": format,
        "pairs": len(dataset),
    }
    run_dir, metrics_path = _prepare_run(out_dir, config)
    loaded, tokenizer = load_model(model, bf16=use_bf16)
    args = DPOConfig(
        **_common_args(
            run_dir,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            grad_accum=grad_accum,
            max_steps=max_steps,
            gradient_checkpointing=gradient_checkpointing,
            bf16=use_bf16,
            deepspeed=deepspeed,
            group_by_length=False,
            seed=seed,
            logging_steps=logging_steps,
            progress=progress,
            warmup_ratio=warmup_ratio,
        ),
        beta=beta,
        max_length=max_length,
    )
    trainer = DPOTrainer(
        model=loaded,
        args=args,
        train_dataset=dataset.select_columns(["prompt", "chosen", "rejected"]),
        processing_class=tokenizer,
        peft_config=lora.to_peft() if lora is not None else None,
        callbacks=[_metrics_callback(metrics_path)],
    )
    chars = sum(
        len(p) + len(c) + len(r)
        for p, c, r in zip(dataset["prompt"], dataset["chosen"], dataset["rejected"], strict=True)
    )
    return _finish(
        trainer, run_dir, metrics_path, config, save=save, tokens=chars // 4, title="DPO loss"
    )
