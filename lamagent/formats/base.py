"""The Format contract: one strategy object per prompt family that renders and parses.

A Format turns messages and tools into the exact prompt text a model was trained on, and the
model's text back into an `AssistantTurn`. Renderings are append-only: the rendering of a
conversation plus the generation prompt is a prefix of the rendering of the same conversation
with the assistant's reply appended. The KV-cache reuse of the backends and the label masks of
fine-tuning both rely on it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import FormatError
from lamagent.messages import AssistantTurn, MessageLike, ToolCall

if TYPE_CHECKING:
    from lamagent.backends.base import Constraint
    from lamagent.tools import Tool

#: How a format's call output is shaped, which decides its call grammar:
#: "list" is xLAM-2's bare `[{"name", "arguments"}, ...]`; "tool_calls" is xLAM-1 fc's
#: `{"tool_calls": [...]}`; "thought_tool_calls" is xLAM-1 general's
#: `{"thought": "...", "tool_calls": [...]}`.
CallShape = Literal["list", "tool_calls", "thought_tool_calls"]
ToolChoice = str  # "auto" | "required" | "none" | a tool name


def tool_spec(tool: Tool | Mapping[str, Any]) -> dict[str, Any]:
    """The xLAM form `{"name", "description", "parameters"}` of a Tool or a spec dict.

    Accepts a `Tool` (anything with `.spec()`), an OpenAI spec (`{"type": "function",
    "function": {...}}`) or an xLAM/BFCL spec. The key order is always name, description,
    parameters: the prompt shows the tools as JSON, so the order is part of the wire format.
    """
    spec_fn = getattr(tool, "spec", None)
    raw: Any = spec_fn() if callable(spec_fn) else tool
    if not isinstance(raw, Mapping):
        raise FormatError(f"a tool must be a Tool or a spec dict, got {type(tool).__name__}")
    fn = raw.get("function")
    if isinstance(fn, Mapping):
        raw = fn
    if not isinstance(raw.get("name"), str):
        raise FormatError(f"a tool spec needs a string 'name': {dict(raw)!r}")
    return {
        "name": raw["name"],
        "description": raw.get("description", "") or "",
        "parameters": raw.get("parameters") or {"type": "object", "properties": {}},
    }


def tool_specs(tools: Sequence[Tool | Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """`tool_spec` of every tool (an empty list for None)."""
    return [tool_spec(t) for t in tools or ()]


@dataclass(frozen=True)
class TextDelta:
    """Streamed text that is certainly not part of a tool call."""

    text: str


@dataclass(frozen=True)
class CallDelta:
    """A complete tool call, emitted once its JSON has closed."""

    call: ToolCall
    index: int


StreamEvent = TextDelta | CallDelta


class StreamParser(ABC):
    """Incremental parser for streamed model output.

    `feed` takes the next piece of text and returns the events it makes certain; `finish`
    returns the whole `AssistantTurn`, equal to `Format.parse` of the concatenated text.
    """

    @abstractmethod
    def feed(self, delta: str) -> list[StreamEvent]: ...

    @abstractmethod
    def finish(self) -> AssistantTurn: ...


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

    @classmethod
    def from_chat_template(
        cls,
        template: str,
        *,
        bos_token: str = "",
        eos_token: str = "",
        **special: Any,
    ) -> Format:
        """A Format that renders with a model's own Jinja chat template (sandboxed).

        Parsing, stop strings and the end-of-turn marker come from the built-in family the
        template's markers point to (ChatML, Llama 3 headers, DeepSeek-Coder, Mistral).
        `special` are further variables the template may read (e.g. `tool_style="openai"`
        is taken by the Format itself; see `lamagent.formats.template`).
        """
        from lamagent.formats.template import TemplateFormat

        return TemplateFormat(template, bos_token=bos_token, eos_token=eos_token, **special)

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
        from lamagent.formats.grammar import format_constraint

        return format_constraint(
            self.call_shape, tools, tool_choice=tool_choice, max_calls=max_calls
        )
