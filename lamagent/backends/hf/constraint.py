"""Constrained decoding for the transformers backend: a `Constraint` as an xgrammar token mask.

A `Constraint` says "a JSON document matching this schema" and, with `allow_text`, "or plain
text that does not start like a call". Here it becomes one xgrammar grammar (the JSON Schema
grammar, united with a small EBNF text grammar when text is allowed), compiled once per
`Constraint.key` against the tokenizer's vocabulary. Each generation gets its own
`GrammarMatcher` state (a `TokenMask`), which fills a bitmask of the allowed next tokens before
every sampling step and is told each sampled token. Stop tokens (end of sequence, end of turn)
are the only way out of a finished grammar, so a constrained call list always ends cleanly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import torch
import xgrammar as xgr

from lamagent.backends._engine.char_class import call_openers, escape_class_char
from lamagent.backends._engine.compiled import CompiledCache
from lamagent.backends._engine.copy_bias import TokenTexts
from lamagent.backends.base import Constraint
from lamagent.errors import ConstraintError

_WS = " \\t\\r\\n"
#: Longest run of whitespace allowed between JSON tokens (as llama.cpp's JSON grammars do):
#: enough for indented JSON, short enough that a weak model cannot pad forever.
MAX_WHITESPACE = 20


def text_grammar_ebnf(call_prefixes: Sequence[str]) -> str:
    """EBNF for free text whose first non-space character starts none of `call_prefixes`.

    Only the first character of each prefix matters (see `call_openers`).
    """
    excluded = "".join(escape_class_char(c) for c in call_openers(call_prefixes))
    return f"root ::= [{_WS}]* [^{excluded}{_WS}] [^]*"


def build_grammar(constraint: Constraint) -> xgr.Grammar:
    """The xgrammar grammar of a constraint (not yet compiled against a vocabulary).

    Raises `ConstraintError` when the schema cannot be turned into a grammar (xgrammar fails
    loudly, it never silently drops to unconstrained JSON).
    """
    parts: list[xgr.Grammar] = []
    if constraint.json_schema is not None:
        try:
            parts.append(
                xgr.Grammar.from_json_schema(
                    json.dumps(constraint.json_schema),
                    any_whitespace=True,
                    max_whitespace_cnt=MAX_WHITESPACE,
                    strict_mode=True,
                )
            )
        except (RuntimeError, ValueError, TypeError) as exc:
            raise ConstraintError(
                f"xgrammar cannot build a grammar from this JSON schema ({exc}); normalise the "
                "tool schemas with lamagent.tools.normalize_schema or simplify them"
            ) from exc
    if constraint.allow_text:
        parts.append(xgr.Grammar.from_ebnf(text_grammar_ebnf(constraint.call_prefixes)))
    if not parts:
        raise ConstraintError(
            "an empty Constraint (no json_schema and allow_text=False) allows nothing; pass "
            "constraint=None for free generation"
        )
    return parts[0] if len(parts) == 1 else xgr.Grammar.union(*parts)


class ConstraintCompiler:
    """Compiles constraints against one tokenizer, once per `Constraint.key` (thread-safe)."""

    def __init__(self, tokenizer: Any, vocab_size: int, stop_token_ids: Sequence[int]) -> None:
        self.vocab_size = vocab_size
        self.stop_token_ids = sorted(set(stop_token_ids))
        try:
            self._info = xgr.TokenizerInfo.from_huggingface(
                tokenizer, vocab_size=vocab_size, stop_token_ids=self.stop_token_ids
            )
        except Exception as exc:  # xgrammar raises plain exceptions for odd tokenizers
            raise ConstraintError(
                f"xgrammar cannot read this tokenizer's vocabulary ({exc}); constrained "
                "decoding needs a Hugging Face (fast) tokenizer"
            ) from exc
        self._compiler = xgr.GrammarCompiler(self._info, max_threads=2)
        self._token_texts: TokenTexts | None = None
        self._compiled: CompiledCache[xgr.CompiledGrammar] = CompiledCache(
            lambda constraint: self._compiler.compile_grammar(build_grammar(constraint))
        )

    def compile(self, constraint: Constraint) -> xgr.CompiledGrammar:
        """The compiled grammar of `constraint`, from the cache when seen before."""
        return self._compiled.get(constraint)

    @property
    def cached_keys(self) -> list[str]:
        """Keys of the constraints compiled so far (for tests and diagnostics)."""
        return self._compiled.keys()

    def token_texts(self, special_ids: Sequence[int] = ()) -> TokenTexts:
        """The text of every token but the special ones (for copy-aware decoding), once."""
        if self._token_texts is None:
            skip = set(special_ids)
            texts: list[str | None] = []
            for token, piece in enumerate(self._info.decoded_vocab):
                try:
                    texts.append(None if token in skip else bytes(piece).decode("utf-8"))
                except UnicodeDecodeError:  # a piece of a multi-byte character
                    texts.append(None)
            self._token_texts = TokenTexts(texts)
        return self._token_texts

    def mask_for(self, constraint: Constraint, stop_token_ids: Sequence[int]) -> TokenMask:
        """A fresh per-generation mask state for `constraint`."""
        return TokenMask(self.compile(constraint), self.vocab_size, stop_token_ids)


class TokenMask:
    """One generation's grammar state: masks logits, follows the sampled tokens."""

    def __init__(
        self, compiled: xgr.CompiledGrammar, vocab_size: int, stop_token_ids: Sequence[int]
    ) -> None:
        self._matcher = xgr.GrammarMatcher(
            compiled, override_stop_tokens=sorted(set(stop_token_ids)) or None
        )
        self._vocab_size = vocab_size
        self._bitmask = xgr.allocate_token_bitmask(1, vocab_size)

    def apply(self, logits: torch.Tensor) -> None:
        """Set the logits of tokens the grammar forbids to -inf, in place (shape [vocab])."""
        need = self._matcher.fill_next_token_bitmask(self._bitmask, 0)
        if not need:
            return
        row = logits.view(1, -1)
        mask = self._bitmask.to(row.device, non_blocking=True)
        xgr.apply_token_bitmask_inplace(row, mask, vocab_size=min(self._vocab_size, row.shape[-1]))
        if row.shape[-1] > self._vocab_size:  # padded logits beyond the vocabulary
            row[:, self._vocab_size :] = float("-inf")

    def accept(self, token_id: int) -> bool:
        """Advance the grammar by a sampled token; False if the grammar rejects it."""
        return bool(self._matcher.accept_token(int(token_id)))

    @property
    def terminated(self) -> bool:
        """Whether the grammar has accepted a stop token (the output is complete)."""
        return bool(self._matcher.is_terminated())
