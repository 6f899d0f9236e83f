"""On-device GGUF models through llama.cpp (llama-cpp-python), with a KV cache that survives
the agent loop and grammar-constrained calls.

Why the low-level API: llama-cpp-python's completion functions re-decide cache reuse on every
call and hide what was evaluated. Here the backend tokenizes the prompt itself, keeps the longest
common prefix of the tokens already in the context, evaluates only the rest, and samples token by
token with its own sampler chain (grammar, then greedy or top-p). So an agent step that appends
a tool result to the last prompt pays only for the new tokens, and `Generation.usage` says how
many were evaluated.

Generation runs in a worker thread; deltas reach the event loop through the shared thread
bridge (`_engine.bridge`), so a slow model never blocks other tasks and a fast one is not slowed
down by the hand-off.
"""

from __future__ import annotations

import codecs
import ctypes
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamagent.backends._engine.answer_loops import AnswerLoops, answer_loops
from lamagent.backends._engine.bridge import ThreadBridge, run_in_thread
from lamagent.backends._engine.closers import CLOSER_BIAS, Closers, closers_of
from lamagent.backends._engine.contract import check_prompt, check_settings, context_overflow
from lamagent.backends._engine.copy_bias import (
    SHUN_BIAS,
    CopyBias,
    TokenTexts,
    applies,
    copy_bias_for,
    copy_record,
)
from lamagent.backends._engine.loop_watch import LoopWatch
from lamagent.backends._engine.prefix import reusable_prefix
from lamagent.backends._engine.stops import StopStrings
from lamagent.backends.base import (
    Backend,
    FinishReason,
    Generation,
    GenerationParams,
    ModelInfo,
)
from lamagent.backends.llamacpp.gguf_meta import GGUFHeader, read_gguf_header
from lamagent.backends.llamacpp.grammar import grammar_cache
from lamagent.backends.llamacpp.repeat_guard import RepeatGuard
from lamagent.backends.llamacpp.sampling import Sampler
from lamagent.errors import BackendError, ModelLoadError
from lamagent.messages import Usage

if TYPE_CHECKING:
    from lamagent.formats.base import Format

_PIECE_BUFFER = 256
#: Fewest tokens evaluated per prefill: llama.cpp's one-token path differs numerically.
_MIN_BATCH = 2
_Emit = Callable[[str], None]


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), not the machine's count.

    llama.cpp slows down several-fold when it runs more threads than free cores.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS)
        return max(1, os.cpu_count() or 1)


class _Cancelled(Exception):
    """The consumer stopped reading: end the generation early."""


class LlamaCppBackend(Backend):
    """A GGUF model on llama.cpp.

    Args:
        path: the .gguf file.
        n_ctx: context window in tokens (prompt plus generated text).
        n_threads: CPU threads; default the cores available to this process.
        n_batch: prompt tokens evaluated per batch.
        n_gpu_layers: layers offloaded to a GPU (needs a CUDA/Metal build of llama-cpp-python;
            -1 offloads all).
        lora_path: a GGUF LoRA adapter to apply.
        format: the prompt format name (e.g. "xlam2-qwen") or Format, overriding detection.
        verbose: let llama.cpp print its logs.
        seed: sampling seed used when a generation names none (sampling at temperature > 0).
        stop_repeated_calls: end a call list as soon as a call repeats an earlier one.
    """

    supports_constraint = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_batch: int = 512,
        n_gpu_layers: int = 0,
        lora_path: str | os.PathLike[str] | None = None,
        format: str | Format | None = None,
        verbose: bool = False,
        seed: int = 0,
        stop_repeated_calls: bool = True,
    ) -> None:
        check_settings(n_ctx=(n_ctx, 1), n_batch=(n_batch, 1), n_threads=(n_threads or 1, 1))
        self.path = Path(path)
        self.header: GGUFHeader = read_gguf_header(self.path)
        if lora_path is not None and not Path(lora_path).is_file():
            raise ModelLoadError(f"LoRA adapter not found: {lora_path}")
        self.n_threads = n_threads or available_cores()
        self.format = format
        self.seed = seed
        self.stop_repeated_calls = stop_repeated_calls
        self._grammars = grammar_cache()
        self._closers: Closers | None = None
        self._token_texts: TokenTexts | None = None
        #: Leading tokens of the context that were evaluated in batches (safe to reuse).
        self._batched = 0
        #: How many generations ended because a call repeated (see `stop_repeated_calls`).
        self.repeats_stopped = 0
        #: How many call lists hit the token limit and were closed after their last whole call.
        self.lists_closed_at_limit = 0
        self._lock = threading.Lock()
        self._llm = self._load(
            n_ctx=n_ctx,
            n_batch=n_batch,
            n_gpu_layers=n_gpu_layers,
            lora_path=lora_path,
            verbose=verbose,
        )
        self._vocab = self._llm._model.vocab
        # llama.cpp may round the window up; the token buffer keeps the size asked for.
        self.n_ctx = min(self._llm.n_ctx(), len(self._llm.input_ids))
        self._add_bos = bool(self._llm._model.add_bos_token())
        info = self.header.model_info()
        trained = info.context_length
        self._info = info.model_copy(
            update={
                "context_length": min(self.n_ctx, trained) if trained else self.n_ctx,
                "control_tokens": self._control_tokens(),
            }
        )

    def _load(self, **kwargs: Any) -> Any:
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelLoadError(
                "GGUF models need llama-cpp-python: pip install 'lamagent[gguf]'"
            ) from exc
        lora = kwargs.pop("lora_path")
        try:
            return llama_cpp.Llama(
                str(self.path),
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                lora_path=str(lora) if lora is not None else None,
                **kwargs,
            )
        except (ValueError, RuntimeError) as exc:
            arch = self.header.architecture or "unknown"
            raise ModelLoadError(
                f"llama.cpp could not load {self.path} (architecture {arch!r}, "
                f"llama-cpp-python {llama_cpp.__version__}): {exc}. If {arch!r} is newer than "
                "this llama.cpp, upgrade it (pip install -U llama-cpp-python); if the file is "
                "damaged, download or export it again."
            ) from exc

    # -- Backend contract ----------------------------------------------------------------

    @property
    def info(self) -> ModelInfo:
        return self._info

    def reset_cache(self) -> None:
        """Forget the KV cache: the next generation evaluates its whole prompt."""
        with self._lock:
            self._llm.reset()
            self._llm._ctx.kv_cache_clear()
            self._batched = 0
        #: How many generations ended because a call repeated (see `stop_repeated_calls`).
        self.repeats_stopped = 0
        #: How many call lists hit the token limit and were closed after their last whole call.
        self.lists_closed_at_limit = 0

    @property
    def cached_tokens(self) -> int:
        """How many tokens the context holds now (what the next prompt can reuse)."""
        return int(self._llm.n_tokens)

    async def aclose(self) -> None:
        with self._lock:
            self._llm.close()

    async def astream(  # type: ignore[override]
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        bridge = ThreadBridge("llama.cpp")

        def work() -> Generation:
            return self.generate_blocking(prompt, params, bridge.put, bridge.cancelled)

        run_in_thread(bridge, work, name="lamagent-llamacpp")
        async for item in bridge.receive():
            yield item

    # -- generation ----------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """The tokens of a rendered prompt; the BOS token only when the model wants one and the
        prompt does not already start with it."""
        bos = self._info.bos_token
        add_bos = self._add_bos and not (bos and text.startswith(bos))
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    def _prefill(self, tokens: list[int]) -> int:
        """Evaluate `tokens`, reusing the longest common prefix already in the KV cache.

        Returns how many tokens were evaluated. llama.cpp computes a token evaluated alone
        (as every generated token is) slightly differently from the same token in a batch, and
        greedy decoding can amplify the difference. So only tokens that were evaluated in a
        batch are reused, and at least two tokens are evaluated, in one batch: the next output
        is then bit-for-bit the output of a cold cache. The previous step's generated text is
        evaluated again as part of the new prompt (it is new text of that prompt).
        """
        llm = self._llm
        cached = llm.input_ids[: min(llm.n_tokens, self._batched)]
        common = reusable_prefix(cached, tokens, min_new=_MIN_BATCH)
        if common < llm.n_tokens and not llm._ctx.kv_cache_seq_rm(-1, common, -1):
            llm.reset()
            llm._ctx.kv_cache_clear()
            common = 0
        llm.n_tokens = common
        llm.eval(tokens[common:])
        self._batched = len(tokens) if len(tokens) - common >= _MIN_BATCH else common
        return len(tokens) - common

    def _sampler(self, params: GenerationParams) -> Sampler:
        """A fresh sampler: the grammar (if any), then greedy or temperature/top-p."""
        gbnf = self._grammars.get(params.constraint) if params.constraint is not None else None
        return Sampler(self._vocab, self._llm.n_vocab(), params, self.seed, gbnf)

    def _closer_tokens(self) -> Closers:
        """The vocabulary's closing tokens (`lamagent.backends._engine.closers`)."""
        if self._closers is None:
            buf = ctypes.create_string_buffer(_PIECE_BUFFER)
            self._closers = closers_of(
                self._piece(token, buf, special=False).decode("utf-8", errors="replace")
                for token in range(self._llm.n_vocab())
            )
        return self._closers

    def token_texts(self) -> TokenTexts:
        """The text of every token (what copy-aware decoding matches against the sources)."""
        if self._token_texts is None:
            buf = ctypes.create_string_buffer(_PIECE_BUFFER)
            texts: list[str | None] = []
            for token in range(self._llm.n_vocab()):
                try:
                    texts.append(self._piece(token, buf, special=False).decode("utf-8"))
                except UnicodeDecodeError:  # a piece of a multi-byte character
                    texts.append(None)
            self._token_texts = TokenTexts(texts)
        return self._token_texts

    def _copy_bias(self, params: GenerationParams) -> CopyBias | None:
        """The copy bias of a generation: on for a call grammar with a bias and sources."""
        if not applies(params) or not params.copy_from:
            return None
        return copy_bias_for(params, self.token_texts())

    def _favour_copies(self, ctx: Any, copy: CopyBias) -> None:
        """Add the copy bias to the logits of the tokens that continue a span of the sources,
        and lower those that would open a value with a closing bracket."""
        favoured = copy.favoured()
        shunned = copy.shunned()
        if not favoured and not shunned:
            return
        import llama_cpp
        import numpy as np

        pointer = llama_cpp.llama_get_logits_ith(ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self._llm.n_vocab(),))
        if favoured:
            logits[np.asarray(favoured, dtype=np.int64)] += copy.strength
        if shunned:
            logits[np.asarray(shunned, dtype=np.int64)] -= SHUN_BIAS

    def _favour_closers(self, ctx: Any, sampler: Sampler, *, in_string: bool) -> None:
        """Raise the logits of closing tokens so the grammar-valid ones win.

        Under a grammar, a small model can write inside one JSON string until the token limit,
        and a call list cut off there does not parse. When the remaining budget gets short (or
        a value goes round), the backend prefers, among the tokens the grammar allows, those
        that close strings, objects and the list: the output ends as valid JSON within
        `max_tokens`. In a string whose pattern wants another part before it may end, the
        part separators are raised instead (see `lamagent.backends._engine.closers`). The
        grammar still decides what is allowed, so the result always matches the schema.
        """
        import llama_cpp
        import numpy as np

        closers = self._closer_tokens()
        chosen = closers.strings if in_string else closers.structures
        if in_string and not sampler.allows_any(chosen):
            chosen = closers.separators
        pointer = llama_cpp.llama_get_logits_ith(ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(self._llm.n_vocab(),))
        logits[np.asarray(chosen, dtype=np.int64)] += CLOSER_BIAS

    def _control_tokens(self) -> tuple[str, ...]:
        """The text of every control or user-defined token: what special parsing turns into
        one token, so what data rendered into a prompt must never contain verbatim."""
        import llama_cpp

        kinds = llama_cpp.LLAMA_TOKEN_ATTR_CONTROL | llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED
        buf = ctypes.create_string_buffer(_PIECE_BUFFER)
        found: list[str] = []
        for token in range(self._llm.n_vocab()):
            if llama_cpp.llama_vocab_get_attr(self._vocab, token) & kinds:
                text = self._piece(token, buf).decode("utf-8", errors="replace")
                if text and text not in found:
                    found.append(text)
        return tuple(found)

    def _piece(self, token: int, buf: Any, special: bool = True) -> bytes:
        import llama_cpp

        n = llama_cpp.llama_token_to_piece(self._vocab, token, buf, _PIECE_BUFFER, 0, special)
        if n < 0:
            raise BackendError(f"llama.cpp cannot render token {token} ({-n} bytes)")
        return bytes(buf.raw[:n])

    def generate_blocking(
        self,
        prompt: str,
        params: GenerationParams,
        emit: _Emit | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        """Generate in the calling thread, passing each released delta to `emit`."""
        started = time.perf_counter()
        with self._lock:
            tokens = self.tokenize(prompt)
            check_prompt(tokens)
            if len(tokens) >= self.n_ctx:
                trained = self.header.model_info().context_length or "its trained length"
                raise context_overflow(
                    len(tokens),
                    self.n_ctx,
                    f"load the model with a larger n_ctx (up to {trained})",
                )
            max_new = max(1, min(params.max_tokens, self.n_ctx - len(tokens)))
            # Build the sampler first: a grammar error must not cost a prefill.
            sampler = self._sampler(params)
            try:
                evaluated = self._prefill(tokens)
                prefilled = time.perf_counter()
                copy = self._copy_bias(params)
                looping = answer_loops(params)
                text, finish, n_out = self._decode(
                    sampler, params, max_new, emit, cancel, copy, looping
                )
                cut_loop = looping.cut_rounds if looping is not None else None
            finally:
                sampler.close()
        done = time.perf_counter()
        return Generation(
            text=text,
            finish_reason=finish,
            usage=Usage(
                prompt_tokens=len(tokens),
                evaluated_tokens=evaluated,
                completion_tokens=n_out,
                requests=1,
            ),
            timings={
                "prefill": prefilled - started,
                "decode": done - prefilled,
                "total": done - started,
            },
            copy_bias=copy_record(params, copy),
            cut_loop=cut_loop,
        )

    def _decode(
        self,
        sampler: Sampler,
        params: GenerationParams,
        max_new: int,
        emit: _Emit | None,
        cancel: threading.Event | None,
        copy: CopyBias | None = None,
        looping: AnswerLoops | None = None,
    ) -> tuple[str, FinishReason, int]:
        import llama_cpp

        llm = self._llm
        ctx = llm._ctx.ctx
        buf = ctypes.create_string_buffer(_PIECE_BUFFER)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stops = StopStrings(params.stop)
        guard = RepeatGuard()
        # Near the token limit, a constrained call list is steered to close (see _favour_closers).
        closing = params.constraint is not None and params.constraint.json_schema is not None
        reserve = max(4, min(32, max_new // 4))
        # A value going round is closed as the model writes it (see LoopWatch).
        loops = LoopWatch(params.copy_from) if closing and params.example_shapes else None
        text = ""
        released = 0
        finish: FinishReason = "length"
        truncated = False
        n_out = 0
        while n_out < max_new:
            if cancel is not None and cancel.is_set():
                raise _Cancelled
            if closing and max_new - n_out <= reserve and text.lstrip()[:1] in ("[", "{"):
                self._favour_closers(ctx, sampler, in_string=guard.in_string)
            elif loops is not None and loops.closing:
                self._favour_closers(ctx, sampler, in_string=loops.in_string)
            if copy is not None:
                self._favour_copies(ctx, copy)
            token = sampler.sample(ctx)
            if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                finish = "stop"
                break
            n_out += 1
            delta = decoder.decode(self._piece(token, buf))
            if copy is not None:
                copy.feed(delta, token)
            searched = len(text)
            text += delta
            hit = stops.find(text, searched)
            if hit is not None:
                text, finish, truncated = text[:hit], "stop", True
                break
            looped = looping.feed(delta) if looping is not None else None
            if looped is not None:  # a text answer going round: it ends after its first round
                text, finish, truncated = text[:looped], "stop", True
                break
            repeat = guard.feed(delta)
            if loops is not None:
                loops.feed(delta)
            if repeat is not None and self.stop_repeated_calls:
                self.repeats_stopped += 1
                text = text[: repeat.keep] + repeat.closing
                finish, truncated = "stop", True
                break
            if closing and guard.complete:
                # The grammar allows nothing after the call JSON but the end of the turn.
                finish = "stop"
                break
            safe = min(stops.safe_end(text), guard.safe_end())
            if emit is not None and safe > released:
                emit(text[released:safe])
                released = safe
            if n_out < max_new:
                llm.eval([token])
        if finish == "length" and closing:
            # Out of tokens inside a call list: keep the complete calls and close the list, so
            # what the model did finish still parses (the cut-off call is dropped). The finish
            # reason stays "length": the reply was cut.
            cut = guard.close_at_last_complete()
            if cut is not None:
                text = text[: cut.keep] + cut.closing
                truncated = True
                self.lists_closed_at_limit += 1
        if not truncated:
            text += decoder.decode(b"", final=True)
        if emit is not None and len(text) > released:
            emit(text[released:])
        return text, finish, n_out
