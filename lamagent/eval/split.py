"""Seeded train / held-out splits of BFCL cases.

To fine-tune on part of a benchmark and measure on the rest, the two parts must never share a
case and must be the same on every run (so a resumed or repeated run measures the same held-out
cases). `split_cases` shuffles each category with its own seeded generator and cuts it in two;
each half keeps the original file order, so `limit=N` on the held-out half is reproducible too.
It splits single- and multi-turn cases alike (anything with an `id` and a `category`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

from lamagent.errors import ConfigError, UsageError

__all__ = ["split_cases"]


class _Case(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def category(self) -> str: ...


Case = TypeVar("Case", bound=_Case)


def split_cases(
    cases: Sequence[Case],
    *,
    train_fraction: float = 0.5,
    seed: int = 0,
) -> tuple[list[Case], list[Case]]:
    """`(train, held_out)`: per category, `train_fraction` of the cases (rounded) for training.

    The choice depends only on `seed`, the category and the ids of its cases in file order, not
    on other categories present. Raises `ValueError` for a fraction outside [0, 1] or duplicate
    case ids (a case in both halves would make the held-out score meaningless).
    """
    if not 0.0 <= train_fraction <= 1.0:
        raise ConfigError(f"train_fraction must be between 0 and 1, not {train_fraction}")
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise UsageError(f"duplicate case ids {dupes[:5]}: deduplicate the cases before splitting")
    by_category: dict[str, list[Case]] = {}
    for case in cases:
        by_category.setdefault(case.category, []).append(case)
    train_ids: set[str] = set()
    for category, group in by_category.items():
        order = list(range(len(group)))
        random.Random(f"{seed}:{category}").shuffle(order)
        cut = round(len(group) * train_fraction)
        train_ids.update(group[i].id for i in order[:cut])
    train = [c for c in cases if c.id in train_ids]
    held_out = [c for c in cases if c.id not in train_ids]
    return train, held_out
