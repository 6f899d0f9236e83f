"""HFBackend: a transformers/torch model as a lamagent Backend.

Loads a Hugging Face checkpoint (a folder or a hub id, optionally with a peft adapter) or takes
an already-loaded model and tokenizer, and generates with its own decoding loop
(`decode`), so that three things the agent needs are under its control:

- the KV cache survives the agent loop (`cache`): each step prefills only the tokens that
  are new since the previous step;
- constrained decoding (`constraint`): the Format's call grammar as an xgrammar token mask;
- batching (`batch`): concurrent generations from many agents share one model and are
  decoded together.

torch runs on one worker thread; `astream` passes text deltas from it to the event loop over
the shared thread bridge (`_engine.bridge`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import torch

from lamagent.backends._engine.bridge import ThreadBridge
from lamagent.backends._engine.contract import check_prompt, context_overflow
from lamagent.backends._engine.copy_bias import applies, copy_bias_for
from lamagent.backends.base import Backend, Generation, GenerationParams, ModelInfo
from lamagent.backends.hf.batch import BatchScheduler
from lamagent.backends.hf.cache import PrefixCache
from lamagent.backends.hf.constraint import ConstraintCompiler
from lamagent.backends.hf.decode import Request, SequenceState, decode
from lamagent.errors import ConfigError, ModelLoadError

_DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
}


def resolve_dtype(dtype: str | torch.dtype | None, device: str | torch.device) -> torch.dtype:
    """The dtype to load in: as asked, else bfloat16 on CUDA and float32 elsewhere."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is None or dtype == "auto":
        return torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32
    try:
        return _DTYPES[dtype.lower()]
    except KeyError:
        raise ConfigError(
            f"unknown dtype {dtype!r}; use one of {sorted(_DTYPES)} or a torch.dtype"
        ) from None


def control_tokens(tokenizer: Any) -> tuple[str, ...]:
    """Every special token of a tokenizer, named and added: what it parses as one control token."""
    found: dict[str, None] = {}
    for token in getattr(tokenizer, "all_special_tokens", None) or []:
        found.setdefault(str(token), None)
    added = getattr(tokenizer, "added_tokens_decoder", None) or {}
    for _, token in sorted(added.items()):
        if getattr(token, "special", False):
            found.setdefault(str(token), None)
    return tuple(t for t in found if t)


def default_device() -> str:
    """ "cuda" when a GPU is visible, else "cpu"."""
    return "cuda" if torch.cuda.is_available() else "cpu"


class HFBackend(Backend):
    """A transformers causal LM, with prefix KV-cache reuse, xgrammar constraints and batching.

    `model_or_path` is a checkpoint folder, a hub id, or a loaded `PreTrainedModel` (then pass
    its `tokenizer`, or a path to one). `dtype` defaults to bfloat16 on CUDA and float32 on
    CPU. `device_map` (e.g. "auto") is passed to `from_pretrained` as is and then decides
    placement; otherwise the model goes to `device` (default: CUDA if present). `adapter` is a
    peft adapter folder applied on top. Up to `max_batch_size` concurrent generations are
    decoded together; `prefix_cache=False` turns KV reuse off (for comparison).
    """

    supports_constraint = True

    def __init__(
        self,
        model_or_path: str | os.PathLike[str] | Any,
        *,
        dtype: str | torch.dtype | None = None,
        device: str | torch.device | None = None,
        device_map: str | dict[str, Any] | None = None,
        attn_implementation: str | None = None,
        adapter: str | os.PathLike[str] | None = None,
        tokenizer: Any = None,
        max_batch_size: int = 8,
        batch_window: float = 0.005,
        prefix_cache: bool = True,
        model_id: str | None = None,
        trust_remote_code: bool = False,
    ) -> None:
        self._device_map = device_map
        #: The checkpoint folder or hub id the weights came from (None: a model passed in, or
        #: an adapter on top: other weights than the folder's).
        self.path: Path | None = None
        if isinstance(model_or_path, (str, os.PathLike)):
            source = os.fspath(model_or_path)
            self.path = Path(source) if adapter is None else None
            target_device = str(device) if device is not None else default_device()
            self.dtype = resolve_dtype(dtype, target_device)
            self.model = self._load_model(
                source, device_map, attn_implementation, trust_remote_code
            )
            if device_map is None:
                self.model.to(target_device)
            tok_source = tokenizer if tokenizer is not None else source
            self._model_id = model_id or Path(source).name or source
        else:
            self.model = model_or_path
            if device is not None:
                self.model.to(device)
            if dtype is not None:
                self.dtype = resolve_dtype(dtype, self._first_device())
                self.model.to(self.dtype)
            else:
                self.dtype = next(self.model.parameters()).dtype
            if tokenizer is None:
                raise ModelLoadError("pass tokenizer= (an object or a path) with a loaded model")
            tok_source = tokenizer
            self._model_id = model_id or str(
                getattr(self.model.config, "_name_or_path", "") or type(self.model).__name__
            )
        if adapter is not None:
            self.model = self._apply_adapter(self.model, os.fspath(adapter))
        self.model.eval()
        self.tokenizer = self._load_tokenizer(tok_source, trust_remote_code)
        self.device = self._first_device()
        config = self.model.config
        self.vocab_size = int(getattr(config, "vocab_size", 0) or len(self.tokenizer))
        self.stop_token_ids = self._stop_ids()
        pad = self.tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else (self.stop_token_ids or [0])[0])
        self._prefix = PrefixCache(config=config, enabled=prefix_cache)
        self._prefix_lock = threading.Lock()
        self._compiler: ConstraintCompiler | None = None
        self._compiler_lock = threading.Lock()
        self._scheduler = BatchScheduler(
            self._run_single,
            self._run_batch,
            max_batch_size=max_batch_size,
            batch_window=batch_window,
        )
        self._info = self._make_info()

    # ---- loading -------------------------------------------------------------------------

    def _load_model(
        self,
        source: str,
        device_map: str | dict[str, Any] | None,
        attn_implementation: str | None,
        trust_remote_code: bool,
    ) -> Any:
        from transformers import AutoModelForCausalLM

        kwargs: dict[str, Any] = {"dtype": self.dtype, "trust_remote_code": trust_remote_code}
        if device_map is not None:
            kwargs["device_map"] = device_map
        if attn_implementation is not None:
            kwargs["attn_implementation"] = attn_implementation
        try:
            return AutoModelForCausalLM.from_pretrained(source, **kwargs)
        except (OSError, ValueError, ImportError) as exc:
            raise ModelLoadError(
                f"cannot load a causal LM from {source!r} ({exc}); pass a folder with "
                "config.json and weights, or a hub id reachable from this machine"
            ) from exc

    @staticmethod
    def _load_tokenizer(source: Any, trust_remote_code: bool) -> Any:
        if not isinstance(source, (str, os.PathLike)):
            return source
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(
                os.fspath(source), trust_remote_code=trust_remote_code
            )
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"cannot load a tokenizer from {os.fspath(source)!r} ({exc}); pass tokenizer="
            ) from exc

    @staticmethod
    def _apply_adapter(model: Any, adapter: str) -> Any:
        try:
            from peft import PeftModel
        except ImportError as exc:
            raise ModelLoadError("adapters need peft: pip install 'lamagent[finetune]'") from exc
        try:
            return PeftModel.from_pretrained(model, adapter)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot apply the adapter at {adapter!r} ({exc})") from exc

    def _first_device(self) -> torch.device:
        try:
            return next(self.model.parameters()).device  # type: ignore[no-any-return]
        except StopIteration:
            return torch.device("cpu")

    def _stop_ids(self) -> list[int]:
        ids: set[int] = set()
        for source in (
            self.tokenizer.eos_token_id,
            getattr(self.model.config, "eos_token_id", None),
        ):
            gen = getattr(self.model, "generation_config", None)
            for value in (source, getattr(gen, "eos_token_id", None)):
                if isinstance(value, int):
                    ids.add(value)
                elif isinstance(value, (list, tuple)):
                    ids.update(int(v) for v in value)
        return sorted(i for i in ids if 0 <= i < max(self.vocab_size, len(self.tokenizer)))

    def _make_info(self) -> ModelInfo:
        tok = self.tokenizer
        config = self.model.config
        special: dict[str, str] = {}
        for name, value in (getattr(tok, "special_tokens_map", None) or {}).items():
            if isinstance(value, str):
                special[name] = value
        for token in getattr(tok, "all_special_tokens", None) or []:
            special.setdefault(token, token)
        archs = getattr(config, "architectures", None) or []
        template = getattr(tok, "chat_template", None)
        return ModelInfo(
            model_id=self._model_id,
            architecture=archs[0] if archs else getattr(config, "model_type", None),
            chat_template=template if isinstance(template, str) else None,
            bos_token=tok.bos_token if isinstance(tok.bos_token, str) else None,
            eos_token=tok.eos_token if isinstance(tok.eos_token, str) else None,
            special_tokens=special,
            control_tokens=control_tokens(tok),
            context_length=getattr(config, "max_position_embeddings", None),
        )

    # ---- Backend API ---------------------------------------------------------------------

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def batch_sizes(self) -> list[int]:
        """Sizes of the batches decoded so far (1 = the single-sequence, cache-reusing path)."""
        return self._scheduler.batch_sizes

    def tokenize(self, text: str) -> list[int]:
        """Token ids of a rendered prompt (it already carries its special tokens)."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def reset_cache(self) -> None:
        with self._prefix_lock:
            self._prefix.reset()

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self._scheduler.close)
        self.reset_cache()

    def constraint_compiler(self) -> ConstraintCompiler:
        """The xgrammar compiler for this tokenizer (built on first use, then shared)."""
        with self._compiler_lock:
            if self._compiler is None:
                self._compiler = ConstraintCompiler(
                    self.tokenizer, self.vocab_size, self.stop_token_ids
                )
            return self._compiler

    async def astream(
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        prompt_ids = self.tokenize(prompt)
        check_prompt(prompt_ids)
        limit = self._info.context_length
        if limit is not None and len(prompt_ids) >= limit:
            remedy = "use a model with a longer context (max_position_embeddings)"
            raise context_overflow(len(prompt_ids), limit, remedy)
        if params.constraint is not None:
            # Compile now (cached per key) so grammar errors surface here, not in the worker.
            await anyio.to_thread.run_sync(self.constraint_compiler().compile, params.constraint)
        bridge = ThreadBridge("transformers")
        request = Request(
            prompt_ids=prompt_ids, params=params, emit=bridge.put, cancelled=bridge.cancelled
        )
        self._scheduler.submit(request)
        async for item in bridge.receive():
            yield item

    # ---- worker side (runs on the scheduler thread) -------------------------------------

    def _state(self, request: Request, evaluated: int) -> SequenceState:
        params = request.params
        stop_ids = set(self.stop_token_ids)
        for s in params.stop:
            ids = self.tokenize(s)
            if len(ids) == 1 and s in self._info.special_tokens.values():
                stop_ids.add(ids[0])
        mask = None
        copy = None
        if params.constraint is not None:
            compiler = self.constraint_compiler()
            mask = compiler.mask_for(params.constraint, sorted(stop_ids))
            if applies(params) and params.copy_from:
                texts = compiler.token_texts(self.tokenizer.all_special_ids)
                copy = copy_bias_for(params, texts)
        room = params.max_tokens
        if self._info.context_length is not None:
            room = min(room, self._info.context_length - len(request.prompt_ids))
        return SequenceState(
            request,
            self.tokenizer,
            stop_token_ids=sorted(stop_ids),
            mask=mask,
            max_new_tokens=max(room, 1),
            evaluated=evaluated,
            copy=copy,
        )

    def _run_single(self, request: Request) -> None:
        with self._prefix_lock:
            plan = self._prefix.plan(request.prompt_ids)
        state = self._state(request, evaluated=len(plan.new_ids))
        try:
            decode(
                self.model,
                [state],
                [plan.new_ids],
                plan.cache,
                past=plan.reused,
                pad_id=self.pad_id,
                device=self.device,
            )
        except BaseException:
            with self._prefix_lock:
                self._prefix.reset()
            raise
        held = request.prompt_ids + state.generated[:-1]
        with self._prefix_lock:
            self._prefix.commit(plan.cache, held)
        request.emit(state.result())

    def _run_batch(self, requests: Sequence[Request]) -> None:
        states = [self._state(r, evaluated=len(r.prompt_ids)) for r in requests]
        cache = PrefixCache(config=self.model.config, enabled=False).plan([0]).cache
        decode(
            self.model,
            states,
            [r.prompt_ids for r in requests],
            cache,
            past=0,
            pad_id=self.pad_id,
            device=self.device,
        )
        for state in states:
            state.request.emit(state.result())
