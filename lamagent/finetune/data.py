"""From trajectories to `datasets.Dataset`s for SFT and DPO.

`load_trajectories` reads a store or JSONL files; `build_sft_dataset` turns trajectories into
tokenized, masked samples (one per assistant turn, see `lamagent.finetune.samples`);
`build_dpo_dataset` mines preference pairs (see `lamagent.finetune.pairs`). Filtering
(`lamagent.finetune.filters`) is a separate, explicit step so its report can be read first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamagent.errors import TrajectoryError
from lamagent.finetune.augment import Augmentation
from lamagent.finetune.pairs import SOURCES, count_by_source, preference_pairs
from lamagent.finetune.samples import sft_samples, tokenize_sample
from lamagent.trajectory.models import Trajectory

if TYPE_CHECKING:
    from datasets import Dataset

    from lamagent.formats.base import Format

TrajectorySource = Iterable[Trajectory] | str | os.PathLike[str]


def _read_jsonl(path: Path) -> list[Trajectory]:
    from lamagent.trajectory import read_jsonl

    loaded, issues = read_jsonl(path)
    if issues and not loaded:
        raise TrajectoryError(f"{path}: no readable trajectory ({len(issues)} unreadable lines)")
    return loaded


def load_trajectories(
    source: TrajectorySource | Sequence[str | os.PathLike[str]],
) -> list[Trajectory]:
    """Trajectories from a store object, a store file (SQLite), JSONL files, or any iterable.

    A path ending in `.jsonl`/`.json` (or a list of them) is read as unified-format records, one
    per line (any shape `lamagent.trajectory.read_jsonl` knows; unreadable lines are skipped);
    any other path is opened with `lamagent.trajectory.open_store`.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise TrajectoryError(f"no such trajectory file: {path}")
        if path.suffix in (".jsonl", ".json"):
            return _read_jsonl(path)
        from lamagent.trajectory import open_store

        store = open_store(path)
        try:
            return list(store)
        finally:
            store.close()
    out: list[Trajectory] = []
    for item in source:
        if isinstance(item, (str, os.PathLike)):
            out.extend(load_trajectories(item))
        elif isinstance(item, Trajectory):
            out.append(item)
        else:
            out.append(Trajectory.from_unified(item))
    return out


@dataclass
class SFTStats:
    """What `build_sft_dataset` made: samples, drops for length, boundary merges avoided."""

    samples: int = 0
    too_long: int = 0
    boundary_merges: int = 0
    tokens: int = 0
    target_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def build_sft_dataset(
    trajectories: TrajectorySource,
    format: Format | str,
    tokenizer: Any,
    *,
    augment: Augmentation | None = None,
    max_length: int = 4096,
    system: bool = True,
    stats: SFTStats | None = None,
) -> Dataset:
    """A dataset of `input_ids`, `labels` (-100 outside the assistant's reply) and `attention_mask`.

    One row per assistant turn (plus augmented variants); also `prompt`, `completion` (texts),
    `trajectory_id`, `step_id`, `variant`. Samples longer than `max_length` tokens are dropped, not
    truncated (a cut reply teaches the model to stop mid-call); `stats` counts them.
    """
    from datasets import Dataset

    fmt = _format(format)
    stats = stats if stats is not None else SFTStats()
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "input_ids",
            "labels",
            "attention_mask",
            "prompt",
            "completion",
            "trajectory_id",
            "step_id",
            "variant",
        )
    }
    for sample in sft_samples(load_trajectories(trajectories), fmt, augment=augment, system=system):
        tok = tokenize_sample(sample, tokenizer)
        if len(tok.input_ids) > max_length:
            stats.too_long += 1
            continue
        stats.samples += 1
        stats.boundary_merges += int(tok.boundary_merge)
        stats.tokens += len(tok.input_ids)
        stats.target_tokens += len(tok.input_ids) - tok.prompt_tokens
        rows["input_ids"].append(tok.input_ids)
        rows["labels"].append(tok.labels)
        rows["attention_mask"].append([1] * len(tok.input_ids))
        rows["prompt"].append(sample.prompt)
        rows["completion"].append(sample.target)
        rows["trajectory_id"].append(sample.trajectory_id)
        rows["step_id"].append(sample.step_id)
        rows["variant"].append(sample.variant)
    return Dataset.from_dict(rows)


def build_dpo_dataset(
    trajectories: TrajectorySource,
    format: Format | str,
    *,
    sources: Sequence[str] = SOURCES,
    seed: int = 0,
) -> Dataset:
    """A dataset of `prompt`, `chosen`, `rejected` (texts), `source`, `trajectory_id`, `detail`.

    The prompt is the Format's rendering with the generation prompt; chosen and rejected end with
    the Format's end of turn. `pair_counts(dataset)` gives the number of pairs per source.
    """
    from datasets import Dataset

    pairs = preference_pairs(
        load_trajectories(trajectories), _format(format), sources=sources, seed=seed
    )
    cols = ("prompt", "chosen", "rejected", "source", "trajectory_id", "detail")
    return Dataset.from_dict({c: [getattr(p, c) for p in pairs] for c in cols})


def pair_counts(dataset: Iterable[dict[str, Any]] | Dataset) -> dict[str, int]:
    """Pairs per source in a DPO dataset (every source listed, zeros included)."""
    counts = count_by_source(dataset)  # type: ignore[arg-type]
    return {s: counts.get(s, 0) for s in (*SOURCES, *sorted(set(counts) - set(SOURCES)))}


def _format(fmt: Format | str) -> Format:
    if isinstance(fmt, str):
        from lamagent.formats import get  # type: ignore[attr-defined]

        return get(fmt)  # type: ignore[no-any-return]
    return fmt
