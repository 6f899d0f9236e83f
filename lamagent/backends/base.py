"""The model contract: two small protocols, one for each way an engine is driven.

- `Backend`: prompt in, text out. lamagent renders the prompt with a Format and parses the text
  (llama.cpp, transformers, a server's completions API). Engines implement `astream`; the
  whole-text and synchronous forms derive from it.
- `ChatBackend`: messages and tool specs in, an assistant message out. The server applies the
  model's own template and tool parser (a server's chat API, e.g. vLLM with its xLAM parser).

Neither knows about the other: `lamagent.turns.turn_source` resolves either one, once, into the
`TurnSource` that the loop, the evaluation and the tools of fine-tuning all use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import anyio
import anyio.from_thread

from lamagent.errors import BackendError
from lamagent.generation import (
    FINISH_REASONS,
    Constraint,
    FinishReason,
    Generation,
    GenerationParams,
    ModelInfo,
)
from lamagent.messages import Message, MessageLike

if TYPE_CHECKING:
    from lamagent.formats.base import Format

#: A prompt format chosen for a model: a Format, its name, or None to detect it from the model.
FormatChoice: TypeAlias = "Format | str | None"


class Backend(ABC):
    """A prompt-completion engine. Subclasses implement `astream` and `info`."""

    #: Whether `GenerationParams.constraint` is honoured (else it is an error to pass one).
    supports_constraint: bool = False
    #: The prompt format chosen for this model, or None to detect it from `info`.
    format: FormatChoice = None

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
            raise BackendError(f"{type(self).__name__}.astream ended without a Generation")
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

    async def aclose(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Release engine resources (connections, model memory)."""

    def reset_cache(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Forget any reused KV cache, so the next generation prefills from scratch."""


class ChatBackend(ABC):
    """A chat-API engine: it applies the model's own template and tool parser itself."""

    #: Chat backends constrain through `tool_choice` ("required", a tool name), not grammars.
    supports_constraint: bool = False
    #: The Format that reads a reply which has no parsed calls (a server without a tool parser
    #: returns the model's call list as plain text), or None to detect it from `info`.
    format: FormatChoice = None

    @property
    @abstractmethod
    def info(self) -> ModelInfo:
        """Model id and what else the server tells about it."""

    @abstractmethod
    async def achat(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[Mapping[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str = "auto",
    ) -> tuple[Message, Generation]:
        """One assistant turn for `messages` and xLAM-style tool specs.

        Returns the assistant message (its `tool_calls` as the server parsed them) and the
        Generation (its text is the raw reply as the server reported it).
        """

    async def aclose(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Release engine resources (connections)."""

    def reset_cache(self) -> None:  # noqa: B027 - optional hook, default no-op
        """Servers manage their own caches; nothing to forget here."""


#: Anything the loop can take a model turn from.
ModelBackend: TypeAlias = Backend | ChatBackend

__all__ = [
    "FINISH_REASONS",
    "Backend",
    "ChatBackend",
    "Constraint",
    "FinishReason",
    "FormatChoice",
    "Generation",
    "GenerationParams",
    "ModelBackend",
    "ModelInfo",
]
