"""The prefix KV cache of the transformers backend: the cache survives the agent loop.

An agent step's prompt is the previous step's prompt, plus the model's own output, plus the
new observations. The backend keeps the `DynamicCache` of the previous generation (its prompt
and every generated token that went through the model), finds the longest common *token*
prefix with the new prompt, crops the cache to it and prefills only the rest.

The comparison is on token ids of the fully tokenised new prompt, never on text: a text prefix
need not be a token prefix (BPE merges across the boundary), and ids compared one by one make
any such difference only shorten the reused part, never corrupt it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from transformers import DynamicCache

from lamagent.backends._engine.prefix import reusable_prefix


@dataclass
class CachePlan:
    """What to feed the model for a prompt: a cache holding `reused` tokens, and the rest."""

    cache: Any
    reused: int
    prompt_ids: list[int]

    @property
    def new_ids(self) -> list[int]:
        """Prompt tokens still to prefill (never empty: the last one yields the logits)."""
        return self.prompt_ids[self.reused :]


@dataclass
class PrefixCache:
    """A single sequence's KV cache and the token ids it holds, reused across generations."""

    config: Any = None
    enabled: bool = True
    ids: list[int] = field(default_factory=list)
    cache: Any = None

    def reset(self) -> None:
        """Forget the cache; the next prompt prefills from scratch."""
        self.ids = []
        self.cache = None

    def _fresh(self) -> Any:
        try:
            return DynamicCache(config=self.config)
        except TypeError:  # older signatures without config
            return DynamicCache()

    def plan(self, prompt_ids: Sequence[int]) -> CachePlan:
        """Crop the kept cache to the common prefix with `prompt_ids` and hand it out.

        The cache is taken out of this object (it is being written to by the generation);
        `commit` puts it back. At least one prompt token is always left to prefill, because the
        first sampled token needs the logits of the prompt's last position.
        """
        ids = list(prompt_ids)
        cache, held = self.cache, self.ids
        self.reset()
        if not self.enabled or cache is None or not held:
            return CachePlan(self._fresh(), 0, ids)
        keep = reusable_prefix(held, ids, min_new=1)
        if keep <= 0:
            return CachePlan(self._fresh(), 0, ids)
        drop = cache.get_seq_length() - keep
        if drop > 0:
            try:
                cache.crop(-drop)
            except (ValueError, NotImplementedError, AttributeError):
                # Caches that cannot be cropped (sliding-window layers): start over.
                return CachePlan(self._fresh(), 0, ids)
        if cache.get_seq_length() != keep:
            return CachePlan(self._fresh(), 0, ids)
        return CachePlan(cache, keep, ids)

    def commit(self, cache: Any, ids: Sequence[int]) -> None:
        """Keep `cache`, which holds exactly the tokens `ids`, for the next generation."""
        if not self.enabled:
            return
        if cache.get_seq_length() != len(ids):
            self.reset()
            return
        self.cache = cache
        self.ids = list(ids)
