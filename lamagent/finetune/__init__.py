"""Fine-tuning from recorded trajectories: data, SFT and DPO with LoRA, export to GGUF.

The path from a trajectory store to a deployed model:

1. `load_trajectories` (a store or JSONL files) and `filter_trajectories` (section-3.3 checks,
   with a `FilterReport`);
2. `build_sft_dataset` (prompts rendered by lamagent's own Format, labels on the reply only,
   optional `Augmentation`) and `build_dpo_dataset` (self-corrections, contrasts, synthetic
   negatives);
3. `sft` and `dpo` with a `TrainSettings` (LoRA via peft or full fine-tuning, TRL trainers,
   optional DeepSpeed ZeRO over several processes, started with torchrun);
4. `merge`, `export_gguf`, `export_lora_gguf` (llama.cpp's converters).

Importing this package does not import torch; the training functions import it when called.
"""

from lamagent.finetune.augment import INSTRUCTION_PARAPHRASES, Augmentation
from lamagent.finetune.data import (
    SFTStats,
    build_dpo_dataset,
    build_sft_dataset,
    load_trajectories,
    pair_counts,
)
from lamagent.finetune.export import (
    export_gguf,
    export_lora_gguf,
    extract_converters,
    find_converter,
    merge,
)
from lamagent.finetune.filters import (
    FilterReport,
    TrajectoryFilter,
    default_filters,
    filter_trajectories,
)
from lamagent.finetune.pairs import PreferencePair, preference_pairs
from lamagent.finetune.samples import SFTSample, sft_samples, tokenize_sample
from lamagent.finetune.settings import (
    DEEPSPEED_CONFIGS,
    FinetuneError,
    LoraSettings,
    TrainSettings,
    deepspeed_config,
)
from lamagent.finetune.train import TrainResult, dpo, sft

__all__ = [
    "DEEPSPEED_CONFIGS",
    "INSTRUCTION_PARAPHRASES",
    "Augmentation",
    "FilterReport",
    "FinetuneError",
    "LoraSettings",
    "PreferencePair",
    "SFTSample",
    "SFTStats",
    "TrainResult",
    "TrainSettings",
    "TrajectoryFilter",
    "build_dpo_dataset",
    "build_sft_dataset",
    "deepspeed_config",
    "default_filters",
    "dpo",
    "export_gguf",
    "export_lora_gguf",
    "extract_converters",
    "filter_trajectories",
    "find_converter",
    "load_trajectories",
    "merge",
    "pair_counts",
    "preference_pairs",
    "sft",
    "sft_samples",
    "tokenize_sample",
]
