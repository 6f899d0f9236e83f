"""What a training run is configured with: `LoraSettings`, `TrainSettings`, DeepSpeed configs.

One settings object holds every training knob, so the Python API, the CLI, the benchmarks and the
multi-process workers (which receive it as JSON) all read the same list of fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lamagent.errors import ConfigError, LamagentError

#: The projection layers of Qwen2 and Llama blocks (attention and MLP).
DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
DeepSpeedName = Literal["zero2", "zero3", "zero3_offload"]
DEEPSPEED_CONFIGS: tuple[str, ...] = get_args(DeepSpeedName)


class FinetuneError(LamagentError):
    """A fine-tuning run cannot start or failed (bad settings, missing config or dependency)."""


class LoraSettings(BaseModel):
    """LoRA adapter settings; the defaults suit Qwen2/Llama-shaped models of 0.1B to 8B."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    r: Annotated[int, Field(gt=0)] = 16
    alpha: Annotated[int, Field(gt=0)] = 32
    dropout: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGETS
    bias: Literal["none", "all", "lora_only"] = "none"
    #: Only these decoder layers get adapters (None: all). Adapting only the last layers makes
    #: the backward pass stop there: cheaper, for small data or CPU runs.
    layers: tuple[int, ...] | None = None

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


class TrainSettings(BaseModel):
    """Every knob of an SFT or DPO run; fields a method does not use are ignored by it.

    `lora=None` trains every weight. `lr=None`: 2e-4 (SFT) / 5e-5 (DPO) with LoRA, 2e-5 / 5e-7
    without. `bf16=None`: bf16 on a CUDA GPU that supports it, fp32 otherwise. `max_length`: for
    SFT the row length of `packing` (None: the longest sample); for DPO the truncation length
    (None: 2048). `deepspeed`: "zero2", "zero3", "zero3_offload" or a JSON config path; with it,
    or with `processes` > 1, the run is launched over that many processes on this machine.
    `format` is recorded in the run's config so export knows the inference format.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    lora: LoraSettings | None = LoraSettings()
    epochs: Annotated[float, Field(gt=0)] = 1.0
    lr: Annotated[float | None, Field(gt=0)] = None
    batch_size: Annotated[int, Field(gt=0, description="samples per process per step")] = 4
    grad_accum: Annotated[int, Field(gt=0)] = 1
    max_steps: Annotated[int, Field(description="stop after this many steps (-1: epochs)")] = -1
    warmup_ratio: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    gradient_checkpointing: bool = False
    bf16: bool | None = None
    # SFT only
    packing: bool = False
    group_by_length: bool = False
    # DPO only
    beta: Annotated[float, Field(gt=0)] = 0.1
    max_length: Annotated[int | None, Field(gt=0)] = None
    # scale-out
    deepspeed: str | None = None
    processes: Annotated[int, Field(gt=0)] = 1
    # bookkeeping
    seed: int = 0
    logging_steps: Annotated[int, Field(gt=0)] = 1
    progress: bool = True
    save: bool = True
    format: str | None = None

    @property
    def launched(self) -> bool:
        """True when the run goes through the multi-process launcher (DeepSpeed or N > 1)."""
        return self.deepspeed is not None or self.processes > 1

    def learning_rate(self, kind: Literal["sft", "dpo"]) -> float:
        """The learning rate to use: the given one, else the method's default."""
        if self.lr is not None:
            return self.lr
        if kind == "sft":
            return 2e-4 if self.lora is not None else 2e-5
        return 5e-5 if self.lora is not None else 5e-7

    def with_overrides(self, overrides: Mapping[str, Any]) -> TrainSettings:
        """A copy with some fields replaced, validated like the constructor."""
        if not overrides:
            return self
        try:
            return TrainSettings.model_validate({**dict(self), **overrides})
        except ValidationError as exc:
            raise ConfigError(f"bad training settings: {exc}") from exc


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
