"""The one rule for reusing a KV cache: keep the longest common token prefix, minus a margin.

An agent step's prompt extends the previous one, so an engine keeps the tokens it evaluated
and reuses the longest prefix they share with the new prompt. Compared on token ids (never on
text: a text prefix need not be a token prefix), and always leaving at least `min_new` prompt
tokens to evaluate, because the first sampled token needs the logits of the last position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T", str, Sequence[int])


def common_prefix_length(a: T, b: T) -> int:
    """Length of the longest common prefix of two sequences (strings or token ids).

    A binary search over slice comparisons, which run at C speed.
    """
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def reusable_prefix(cached: Sequence[int], prompt: Sequence[int], *, min_new: int = 1) -> int:
    """How many leading tokens of `cached` a generation of `prompt` can reuse."""
    common = common_prefix_length(_as_list(cached), _as_list(prompt))
    return max(0, min(common, len(prompt) - min_new))


def _as_list(ids: Sequence[int]) -> list[int]:
    if isinstance(ids, list):
        return ids
    tolist = getattr(ids, "tolist", None)  # numpy arrays compare element-wise, lists do not
    return list(tolist()) if callable(tolist) else list(ids)
