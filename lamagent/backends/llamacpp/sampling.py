"""The sampler of one llama.cpp generation: greedy or temperature/top-p, under a grammar.

A grammar sampler that filters the whole vocabulary before every token costs as much as the
rest of decoding together. Like llama.cpp's own `common_sampler`, this samples without the
grammar first and asks the grammar only whether it accepts that one token; only when it does
not is the grammar applied to every candidate and the token sampled again. Greedy decoding
picks the same token either way (the best token the grammar allows), and sampling draws from the
same distribution (rejection, then a draw from the allowed tokens), so the output is unchanged
while text that the grammar allows anyway (a free-text answer) costs almost nothing extra.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Sequence
from typing import Any

from lamagent.backends.base import GenerationParams
from lamagent.errors import ConstraintError


class Sampler:
    """Picks each next token from the context's logits; `close()` frees the native samplers."""

    def __init__(
        self, vocab: Any, n_vocab: int, params: GenerationParams, seed: int, gbnf: str | None
    ) -> None:
        import llama_cpp

        self._llama = llama_cpp
        self._n_vocab = n_vocab
        self._grammar: Any = None
        if gbnf is not None:
            self._grammar = llama_cpp.llama_sampler_init_grammar(
                vocab, gbnf.encode("utf-8"), b"root"
            )
            if not self._grammar:
                raise ConstraintError(
                    "llama.cpp rejected the call grammar built from the tool schemas; "
                    "check the schemas or run with constrained=False"
                )
        self._chain = _chain(llama_cpp, params, seed)
        # A one-candidate array, to ask the grammar about a single token.
        self._one = (llama_cpp.llama_token_data * 1)()
        self._one_array = llama_cpp.llama_token_data_array(
            data=self._one, size=1, selected=-1, sorted=False
        )
        self._candidates: Any = None

    def sample(self, ctx: Any) -> int:
        """The next token (and the grammar, if any, advanced past it)."""
        llama_cpp = self._llama
        token = int(llama_cpp.llama_sampler_sample(self._chain, ctx, -1))
        if self._grammar is None:
            return token
        if not self._allows(token):
            token = self._sample_allowed(ctx)
        llama_cpp.llama_sampler_accept(self._grammar, token)
        return token

    def allows_any(self, tokens: Sequence[int]) -> bool:
        """Whether the grammar allows one of `tokens` next (always, without a grammar)."""
        return self._grammar is None or any(self._allows(int(token)) for token in tokens)

    def _allows(self, token: int) -> bool:
        one = self._one[0]
        one.id, one.logit, one.p = token, 0.0, 0.0  # type: ignore[assignment]
        self._one_array.size, self._one_array.selected = 1, -1
        self._llama.llama_sampler_apply(self._grammar, ctypes.byref(self._one_array))
        return not math.isinf(self._one[0].logit)

    def _sample_allowed(self, ctx: Any) -> int:
        """Apply the grammar to every candidate, then the sampling chain."""
        import numpy as np

        llama_cpp = self._llama
        if self._candidates is None:
            self._candidates = np.zeros(
                self._n_vocab, dtype=[("id", np.int32), ("logit", np.float32), ("p", np.float32)]
            )
        candidates = self._candidates
        candidates["id"] = np.arange(self._n_vocab, dtype=np.int32)
        pointer = llama_cpp.llama_get_logits_ith(ctx, -1)
        candidates["logit"] = np.ctypeslib.as_array(pointer, shape=(self._n_vocab,))
        candidates["p"] = 0.0
        array = llama_cpp.llama_token_data_array(
            data=candidates.ctypes.data_as(ctypes.POINTER(llama_cpp.llama_token_data)),
            size=self._n_vocab,
            selected=-1,
            sorted=False,
        )
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(array))
        llama_cpp.llama_sampler_apply(self._chain, ctypes.byref(array))
        if not 0 <= array.selected < array.size:
            raise ConstraintError("the call grammar allows no next token")
        token = int(candidates["id"][array.selected])
        llama_cpp.llama_sampler_accept(self._chain, token)
        return token

    def close(self) -> None:
        """Free the native samplers (idempotent)."""
        if self._chain is not None:
            self._llama.llama_sampler_free(self._chain)
            self._chain = None
        if self._grammar is not None:
            self._llama.llama_sampler_free(self._grammar)
            self._grammar = None


def _chain(llama_cpp: Any, params: GenerationParams, seed: int) -> Any:
    """Greedy at temperature 0, else top-p, temperature and a seeded draw."""
    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    if params.temperature <= 0:
        llama_cpp.llama_sampler_chain_add(chain, llama_cpp.llama_sampler_init_greedy())
        return chain
    seed = params.seed if params.seed is not None else seed
    add = llama_cpp.llama_sampler_chain_add
    if params.top_p < 1.0:
        add(chain, llama_cpp.llama_sampler_init_top_p(params.top_p, 1))
    add(chain, llama_cpp.llama_sampler_init_temp(params.temperature))
    add(chain, llama_cpp.llama_sampler_init_dist(seed & 0xFFFFFFFF))
    return chain
