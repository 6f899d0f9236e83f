"""The decoding loop of the transformers backend: one forward per step, for one or many sequences.

Our own loop (not `model.generate`) so that the KV cache, the grammar mask and batching are ours
to control. A batch is a list of `SequenceState`s sharing one `DynamicCache`: prompts are
left-padded, the attention mask hides the padding, position ids count only real tokens, and a
sequence that finishes is dropped from the batch (`DynamicCache.batch_select_indices`) so the
rest keep stepping at the cost of the sequences still running.

Each `SequenceState` owns what is per sequence: sampling (greedy, temperature, top-p, its own
seeded `torch.Generator`), the grammar mask, stop tokens, stop strings (held back while they
might still be starting), incremental detokenisation and the callback that streams text out.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from lamagent.backends._engine.answer_loops import answer_loops
from lamagent.backends._engine.closers import CLOSER_BIAS, closers_of
from lamagent.backends._engine.copy_bias import SHUN_BIAS, CopyBias, copy_record
from lamagent.backends._engine.json_scan import JsonScanner
from lamagent.backends._engine.loop_watch import LoopWatch
from lamagent.backends._engine.stops import StopStream
from lamagent.backends.base import FinishReason, Generation, GenerationParams
from lamagent.backends.hf.constraint import TokenMask
from lamagent.messages import Usage

#: What a generation sends back to its caller: text deltas, then a Generation (or an error).
Emit = Callable[[Any], None]


@dataclass
class Request:
    """One generation submitted to the backend's worker."""

    prompt_ids: list[int]
    params: GenerationParams
    emit: Emit
    cancelled: threading.Event = field(default_factory=threading.Event)
    submitted: float = field(default_factory=time.perf_counter)


class IncrementalDetokenizer:
    """Turns tokens into text deltas, never splitting a multi-byte character.

    Decodes a small window (the previous delta's tokens plus the new ones) so tokenizers that
    drop a leading space when decoding a lone token still get it right, and holds text back
    while it ends in U+FFFD (a character whose bytes are not all generated yet).
    """

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer
        self._ids: list[int] = []
        self._prefix = 0
        self._read = 0

    def _decode(self, ids: Sequence[int]) -> str:
        return str(
            self._tok.decode(
                list(ids), skip_special_tokens=False, clean_up_tokenization_spaces=False
            )
        )

    def push(self, token_id: int) -> str:
        """Add a token; the text it completes (possibly empty)."""
        self._ids.append(token_id)
        before = self._decode(self._ids[self._prefix : self._read])
        after = self._decode(self._ids[self._prefix :])
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self._prefix, self._read = self._read, len(self._ids)
            return after[len(before) :]
        return ""

    def flush(self) -> str:
        """Whatever is still held back (an incomplete character decodes as U+FFFD)."""
        before = self._decode(self._ids[self._prefix : self._read])
        after = self._decode(self._ids[self._prefix :])
        self._prefix = self._read = len(self._ids)
        return after[len(before) :] if len(after) > len(before) else ""


_closers: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}
_closers_lock = threading.Lock()


def closer_tokens(tokenizer: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Ids of the string closers, structure closers and part separators of a tokenizer
    (`lamagent.backends._engine.closers`); computed once per tokenizer."""
    key = id(tokenizer)
    with _closers_lock:
        if key in _closers:
            return _closers[key]
    closers = closers_of(
        tokenizer.decode([token], skip_special_tokens=True) for token in range(len(tokenizer))
    )
    found = (
        torch.tensor(closers.strings, dtype=torch.long),
        torch.tensor(closers.structures, dtype=torch.long),
        torch.tensor(closers.separators, dtype=torch.long),
    )
    with _closers_lock:
        return _closers.setdefault(key, found)


class SequenceState:
    """One sequence in the decoding loop."""

    def __init__(
        self,
        request: Request,
        tokenizer: Any,
        *,
        stop_token_ids: Sequence[int],
        mask: TokenMask | None,
        max_new_tokens: int,
        evaluated: int,
        copy: CopyBias | None = None,
    ) -> None:
        self.request = request
        #: Copy-aware decoding of string values (None: off).
        self.copy = copy
        self.params = request.params
        self.mask = mask
        self.stop_token_ids = frozenset(stop_token_ids)
        self.max_new_tokens = max_new_tokens
        self.evaluated = evaluated
        self.generated: list[int] = []
        self.done = False
        self.finish_reason: FinishReason = "stop"
        self._tokenizer = tokenizer
        self._detok = IncrementalDetokenizer(tokenizer)
        self._stops = StopStream(self.params.stop)
        # Near the token limit a constrained call list is steered to close, as on llama.cpp:
        # among the tokens the grammar allows, those that close strings, objects and the list
        # win, so the output is valid JSON within `max_tokens`.
        constraint = self.params.constraint
        self._closing = constraint is not None and constraint.json_schema is not None
        self._reserve = max(4, min(32, max_new_tokens // 4))
        self._scanner = JsonScanner()
        self._scanned = 0
        # A value going round is closed as the model writes it (see LoopWatch).
        self._loops = (
            LoopWatch(self.params.copy_from)
            if self._closing and self.params.example_shapes
            else None
        )
        # A text answer going round ends after its first round (see AnswerLoops).
        self._answer_loops = answer_loops(self.params)
        self._generator: torch.Generator | None = None
        if self.params.temperature > 0:
            self._generator = torch.Generator(device="cpu")
            if self.params.seed is not None:
                self._generator.manual_seed(int(self.params.seed))
            else:
                self._generator.seed()
        self.prefill_s = 0.0
        self.started = time.perf_counter()

    @property
    def text(self) -> str:
        """The text so far (stop strings cut off)."""
        return self._stops.text

    def choose(self, logits: torch.Tensor) -> int:
        """Pick the next token from a row of logits (masked by the grammar, if any)."""
        logits = logits.float()
        # the grammar first: a bias added to a forbidden token leaves it forbidden, and the
        # closers are chosen by what the grammar allows
        if self.mask is not None:
            self.mask.apply(logits)
            if not torch.isfinite(logits).any():
                raise RuntimeError("the grammar allows no next token")
        near_limit = self.max_new_tokens - len(self.generated) <= self._reserve
        looping = self._loops is not None and self._loops.closing
        if self._closing and (near_limit or looping):
            self._favour_closers(logits)
        if self.copy is not None:
            favoured = self.copy.favoured()
            if favoured:
                index = torch.tensor(favoured, dtype=torch.long, device=logits.device)
                logits[index[index < logits.shape[-1]]] += self.copy.strength
            shunned = self.copy.shunned()
            if shunned:
                index = torch.tensor(shunned, dtype=torch.long, device=logits.device)
                logits[index[index < logits.shape[-1]]] -= SHUN_BIAS
        if self.params.temperature <= 0:
            return int(torch.argmax(logits).item())
        probs = torch.softmax(logits / self.params.temperature, dim=-1).cpu()
        if self.params.top_p < 1.0:
            sorted_p, order = torch.sort(probs, descending=True)
            cum = torch.cumsum(sorted_p, dim=-1)
            drop = cum - sorted_p > self.params.top_p
            sorted_p[drop] = 0.0
            probs = torch.zeros_like(probs).scatter_(0, order, sorted_p)
        return int(torch.multinomial(probs, 1, generator=self._generator).item())

    def _favour_closers(self, logits: torch.Tensor) -> None:
        text = self._stops.text
        if text.lstrip()[:1] not in ("[", "{"):
            return
        self._scanner.feed(text[self._scanned :])
        self._scanned = len(text)
        strings, structures, separators = closer_tokens(self._tokenizer)
        closers = strings if self._scanner.in_string else structures
        closers = closers[closers < logits.shape[-1]].to(logits.device)
        if self._scanner.in_string and not torch.isfinite(logits[closers]).any():
            # a pattern wants another part before the string may end (see closers)
            closers = separators[separators < logits.shape[-1]].to(logits.device)
        logits[closers] += CLOSER_BIAS

    def push(self, token_id: int) -> None:
        """Record a sampled token: advance the grammar, stream its text, check every stop."""
        if self.request.cancelled.is_set():
            self.done = True
            return
        self.generated.append(token_id)
        if self.mask is not None:
            self.mask.accept(token_id)
        if token_id in self.stop_token_ids or (self.mask is not None and self.mask.terminated):
            self._finish("stop", by_stop_string=False)
            return
        delta = self._detok.push(token_id)
        if self.copy is not None:
            self.copy.feed(delta, token_id)
        if self._loops is not None:
            self._loops.feed(delta)
        out, stopped = self._stops.feed(delta)
        cut = None if stopped or self._answer_loops is None else self._answer_loops.feed(delta)
        if cut is not None:
            out += self._stops.cut(cut)
            stopped = True
        if out:
            self.request.emit(out)
        if stopped:
            self._finish("stop", by_stop_string=True)
        elif len(self.generated) >= self.max_new_tokens:
            self._finish("length", by_stop_string=False)

    def _finish(self, reason: FinishReason, *, by_stop_string: bool) -> None:
        if not by_stop_string:
            out, stopped = self._stops.feed(self._detok.flush())
            if not stopped:
                out += self._stops.flush()
            if out:
                self.request.emit(out)
        self.done = True
        self.finish_reason = reason

    def fail(self) -> None:
        """Mark a sequence as ended by an error (the caller reports the exception)."""
        self.done = True
        self.finish_reason = "error"

    def result(self) -> Generation:
        """The final Generation of this sequence."""
        total = time.perf_counter() - self.started
        return Generation(
            text=self.text,
            finish_reason=self.finish_reason,
            usage=Usage(
                prompt_tokens=len(self.request.prompt_ids),
                evaluated_tokens=self.evaluated,
                completion_tokens=len(self.generated),
                requests=1,
            ),
            timings={
                "prefill": self.prefill_s,
                "decode": max(total - self.prefill_s, 0.0),
                "total": total,
                "queued": max(self.started - self.request.submitted, 0.0),
            },
            copy_bias=copy_record(self.params, self.copy),
            cut_loop=None if self._answer_loops is None else self._answer_loops.cut_rounds,
        )


def wait_for(device: torch.device) -> None:
    """Block until `device` has run the work queued on it.

    A GPU runs kernels after the forward call returns, so a clock read right after it times
    only the launches: the prefill would look nearly free and its cost would land on the
    first decoded token. One wait per generation, where the prefill ends.
    """
    if device.type != "cpu":
        torch.accelerator.synchronize(device)


def _forward(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    position_ids: torch.Tensor,
    cache: Any,
) -> torch.Tensor:
    out = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids,
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=1,
    )
    return out.logits[:, -1, :]


@torch.inference_mode()
def decode(
    model: Any,
    states: list[SequenceState],
    inputs: list[list[int]],
    cache: Any,
    *,
    past: int,
    pad_id: int,
    device: torch.device,
) -> None:
    """Run `states` to completion together.

    `inputs[i]` are the tokens to prefill for sequence i; `cache` already holds `past` tokens
    of every sequence (only a single sequence ever has `past > 0`: prefix reuse). Prompts are
    left-padded to a common length.
    """
    width = max(len(x) for x in inputs)
    rows = len(inputs)
    ids = torch.full((rows, width), pad_id, dtype=torch.long)
    mask = torch.zeros((rows, past + width), dtype=torch.long)
    mask[:, :past] = 1
    for i, x in enumerate(inputs):
        ids[i, width - len(x) :] = torch.tensor(x, dtype=torch.long)
        mask[i, past + width - len(x) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, past:]
    ids, mask, positions = ids.to(device), mask.to(device), positions.to(device)
    active = list(range(rows))
    t0 = time.perf_counter()
    logits = _forward(model, ids, mask, positions, cache)
    wait_for(device)
    prefill = time.perf_counter() - t0
    last_pos = positions[:, -1]
    while True:
        next_tokens: list[int] = []
        keep: list[int] = []
        for row, i in enumerate(active):
            state = states[i]
            state.prefill_s = state.prefill_s or prefill
            try:
                token = state.choose(logits[row])
            except RuntimeError:
                state.fail()
                continue
            state.push(token)
            if not state.done:
                keep.append(row)
                next_tokens.append(token)
        if not keep:
            return
        if len(keep) < len(active):
            index = torch.tensor(keep, dtype=torch.long, device=device)
            cache.batch_select_indices(index)
            mask = mask.index_select(0, index)
            last_pos = last_pos.index_select(0, index)
            active = [active[r] for r in keep]
        ids = torch.tensor(next_tokens, dtype=torch.long, device=device).view(-1, 1)
        mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=device)], 1)
        last_pos = last_pos + 1
        logits = _forward(model, ids, mask, last_pos.view(-1, 1), cache)
