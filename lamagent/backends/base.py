"""The Backend contract: generate text for a rendered prompt.

A backend knows nothing of tools or conversations: it takes prompt text (rendered by a Format)
and returns text, optionally constrained by a `Constraint`. Engines implement one method,
`astream`; the whole-text and synchronous forms derive from it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, Literal

import anyio
import anyio.from_thread
from pydantic import BaseModel, ConfigDict, Field

from lamagent.errors import BackendError
from lamagent.messages import Message, MessageLike, Usage


class Constraint(BaseModel):
    """What the model is allowed to say, independent of any engine.

    Either a JSON document matching `json_schema` (the Format's call list, built from the tools'
    schemas), or, when `allow_text` is set, plain text that does not begin like a call (its first
    non-space character is none of `call_prefixes`). Backends compile this to their grammar
    language (GBNF, xgrammar, a server's structured-output parameter) and cache the result.
    """

    model_config = ConfigDict(frozen=True)

    json_schema: dict[str, Any] | None = None
    allow_text: bool = False
    call_prefixes: tuple[str, ...] = ("[", "{")
    #: Stable identity for caching compiled grammars (a hash of the schema and the flags).
    key: str = ""


class GenerationParams(BaseModel):
    """Sampling settings for one generation. temperature 0 means greedy."""

    stop: list[str] = Field(default_factory=list)
    max_tokens: int = 512
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int | None = None
    constraint: Constraint | None = None


FinishReason = Literal["stop", "length", "error"]


class Generation(BaseModel):
    """The result of one generation."""

    text: str
    finish_reason: FinishReason = "stop"
    usage: Usage = Field(default_factory=Usage)
    #: Seconds spent: "prefill", "decode", "total" (engines report what they measure).
    timings: dict[str, float] = Field(default_factory=dict)


class ModelInfo(BaseModel):
    """What a backend knows about its model, used to pick a Format."""

    model_id: str = "unknown"
    architecture: str | None = None
    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    special_tokens: dict[str, str] = Field(default_factory=dict)
    #: Every string the tokenizer turns into a control token (turn markers, tool tags, ...):
    #: data rendered into a prompt must never contain one of these verbatim.
    control_tokens: tuple[str, ...] = ()
    context_length: int | None = None


class Backend(ABC):
    """An engine that generates text. Subclasses implement `astream` and `info`."""

    #: Whether `GenerationParams.constraint` is honoured (else it is an error to pass one).
    supports_constraint: bool = False
    #: True for backends that take messages and apply the model's own template themselves (a
    #: server's chat API): the agent then calls `achat` instead of rendering a prompt.
    takes_messages: bool = False
    #: The prompt format the user chose for this model ("xlam2-qwen", a Format), or None to
    #: let the agent detect it from `info`.
    format: Any = None

    @property
    @abstractmethod
    def info(self) -> ModelInfo:
        """Model id, chat template, special tokens, context length."""

    @abstractmethod
    def astream(self, prompt: str, params: GenerationParams) -> AsyncIterator[str | Generation]:
        """Yield text deltas (`str`) as they are generated, then one final `Generation`.

        The final Generation's `text` is the concatenation of the deltas, with any stop string
        removed.
        """

    async def agenerate(self, prompt: str, params: GenerationParams | None = None) -> Generation:
        """Generate the whole text."""
        result: Generation | None = None
        async for item in self.astream(prompt, params or GenerationParams()):
            if isinstance(item, Generation):
                result = item
        if result is None:
            raise RuntimeError(f"{type(self).__name__}.astream ended without a Generation")
        return result

    def generate(self, prompt: str, params: GenerationParams | None = None) -> Generation:
        """Synchronous `agenerate` (not to be called from inside an event loop)."""
        return anyio.run(self.agenerate, prompt, params)

    def stream(
        self, prompt: str, params: GenerationParams | None = None
    ) -> Iterator[str | Generation]:
        """Synchronous `astream` (not to be called from inside an event loop)."""
        p = params or GenerationParams()
        with anyio.from_thread.start_blocking_portal() as portal:
            agen = self.astream(prompt, p)
            while True:
                try:
                    yield portal.call(agen.__anext__)
                except StopAsyncIteration:
                    return

    async def achat(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[Mapping[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str = "auto",
    ) -> tuple[Message, Generation]:
        """One chat turn from messages and xLAM-style tool specs (for `takes_messages` backends)."""
        raise BackendError(f"{type(self).__name__} takes rendered prompts, not messages")

    async def aclose(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Release engine resources (connections, model memory)."""

    def reset_cache(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Forget any reused KV cache, so the next generation prefills from scratch."""
