"""The Format contract: one strategy object per prompt family that renders and parses.

A Format turns messages and tools into the exact prompt text a model was trained on, and the
model's text back into an `AssistantTurn`. Renderings are append-only: the rendering of a
conversation plus the generation prompt is a prefix of the rendering of the same conversation
with the assistant's reply appended. The KV-cache reuse of the backends and the label masks of
fine-tuning both rely on it.

Data never becomes control tokens: every data segment of a rendering (message text, tool
results, tool specs, calls) passes through `Format.neutralise`, which breaks the format's own
markers and the model's control tokens (`with_control_tokens`) wherever they occur in it.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.formats.choice import ToolChoice
from lamagent.formats.controls import ControlStrings
from lamagent.formats.grammar import CallShape, format_constraint
from lamagent.formats.stream_events import StreamParser
from lamagent.messages import AssistantTurn, MessageLike

if TYPE_CHECKING:
    from lamagent.generation import Constraint
    from lamagent.tools import Tool


class Format(ABC):
    """A prompt family: how to render a conversation and how to read the model's reply."""

    #: Registry name, e.g. "xlam2-qwen".
    name: str
    #: Strings that end a generation (the end-of-turn marker first).
    stop: tuple[str, ...]
    #: The text that closes an assistant turn in the rendering (e.g. "<|im_end|>").
    end_of_turn: str
    #: The shape of this format's call output (decides `constraint`).
    call_shape: CallShape = "list"
    #: The markers this format writes itself (turn headers, section markers, BOS/EOS): data must
    #: never hold them verbatim.
    markers: tuple[str, ...] = ()
    #: Control tokens of the model's tokenizer, added by `with_control_tokens`.
    model_control_tokens: frozenset[str] = frozenset()
    _controls: ControlStrings | None = None

    @abstractmethod
    def render(
        self,
        messages: Iterable[MessageLike],
        tools: Sequence[Tool | dict[str, Any]] = (),
        *,
        add_generation_prompt: bool = True,
    ) -> str:
        """The prompt text for `messages` (OpenAI-style dicts or Messages) and `tools`."""

    @abstractmethod
    def parse(self, text: str) -> AssistantTurn:
        """Read one model output. Never raises: malformed text gives `AssistantTurn.error`."""

    @abstractmethod
    def stream_parser(self) -> StreamParser:
        """A fresh incremental parser for one streamed output."""

    @abstractmethod
    def render_assistant(self, turn: AssistantTurn | MessageLike) -> str:
        """The text of one assistant reply as the model should produce it, without end of turn.

        This is what a model is trained to generate after the generation prompt, and what a
        scripted backend should return to stand in for a model of this format.
        """

    # -- keeping data out of the control channel -------------------------------------------

    @property
    def control_strings(self) -> ControlStrings:
        """The format's markers, its stop strings and the model's control tokens."""
        if self._controls is None:
            self._controls = ControlStrings([*self.markers, *self.stop, *self.model_control_tokens])
        return self._controls

    def with_control_tokens(self, tokens: Iterable[str]) -> Format:
        """A copy of this Format that also keeps `tokens` (a model's control tokens) out of data.

        Pass `ModelInfo.control_tokens` of the model the prompts are for.
        """
        twin = copy.copy(self)
        twin.model_control_tokens = self.model_control_tokens | frozenset(tokens)
        twin._controls = None
        return twin

    def neutralise(self, text: str) -> str:
        """A data segment with every control string in it broken (see `formats.controls`)."""
        return self.control_strings.neutralise(text)

    # -- constrained decoding ----------------------------------------------------------------

    def constraint(
        self,
        tools: Sequence[Tool | dict[str, Any]],
        tool_choice: ToolChoice = "auto",
        *,
        max_calls: int | None = None,
    ) -> Constraint | None:
        """The call grammar of this format for `tools`, as an engine-neutral `Constraint`.

        "auto" allows plain text or calls, "required" only calls, a tool name only calls of
        that tool, "none" gives None (no constraint). `max_calls` bounds the number of calls
        so that a degenerate repetition ends.
        """
        return format_constraint(
            self.call_shape, tools, tool_choice=tool_choice, max_calls=max_calls
        )
