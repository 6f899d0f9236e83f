"""xLAM-2 prompts: ChatML (Qwen-based models) and Llama 3 headers (Llama-based models).

The layout is the one Salesforce's leaderboard handlers render for xLAM-2 (and the official chat
template renders when no system message is given), byte for byte: a system turn with the system
text, the format instruction and every tool as 4-space-indented JSON; one turn per message;
calls as a bare JSON list; one `tool` (Llama: `ipython`) turn per tool result.

Caller-supplied system message: the official chat template then drops the format instruction
and keeps only the caller's text and the tools; the handlers always add it. Here the default
keeps the instruction (`system_instruction="always"`): a system message that says who the
assistant is should not take away the only description of how to call tools. Pass
`system_instruction="official"` to reproduce the template's behaviour exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import FormatError
from lamagent.formats.base import Format
from lamagent.formats.conversation import dump_calls, dump_result, message_text, read_messages
from lamagent.formats.parse import parse_output
from lamagent.formats.specs import indented_specs, tool_specs
from lamagent.formats.stream import CallStreamParser
from lamagent.formats.stream_events import StreamParser
from lamagent.messages import AssistantTurn, Message, MessageLike

if TYPE_CHECKING:
    from lamagent.tools import Tool

SYSTEM_DEFAULT = (
    "You are a helpful assistant that can use tools. You are developed by Salesforce xLAM team."
)
#: The format instruction, exactly as the official template and the BFCL handlers write it
#: (note the space before the first newline).
INSTRUCTION = (
    "You have access to a set of tools. When using tools, make calls in a single JSON array: \n\n"
    '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, ... '
    "(additional parallel tool calls as needed)]\n\n"
    "If no tool is suitable, state that explicitly. If the user's input lacks required "
    "parameters, ask for clarification. "
    "Do not interpret or respond until tool results are returned. Once they are available, "
    "process them or make additional calls if needed. "
    "For tasks that don't require tools, such as casual conversation or general advice, "
    "respond directly in plain text. The available tools are:\n\n"
)


SystemInstruction = Literal["always", "official"]


@dataclass(frozen=True)
class _Turns:
    """The special tokens of one turn syntax."""

    prefix: str  # before everything (BOS)
    header: str  # "{role}" is replaced
    end: str
    tool_role: str
    stop: tuple[str, ...]
    markers: tuple[str, ...]  # every special token of the turn syntax


_QWEN = _Turns(
    prefix="",
    header="<|im_start|>{role}\n",
    end="<|im_end|>",
    tool_role="tool",
    stop=("<|im_end|>", "<|endoftext|>"),
    markers=("<|im_start|>", "<|im_end|>", "<|endoftext|>"),
)
_LLAMA = _Turns(
    prefix="<|begin_of_text|>",
    header="<|start_header_id|>{role}<|end_header_id|>\n\n",
    end="<|eot_id|>",
    tool_role="ipython",
    stop=("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"),
    markers=(
        "<|begin_of_text|>",
        "<|start_header_id|>",
        "<|end_header_id|>",
        "<|eot_id|>",
        "<|eom_id|>",
        "<|end_of_text|>",
        "<|python_tag|>",
    ),
)


class XLAM2Format(Format):
    """xLAM-2 in its Qwen (ChatML) or Llama 3 variant.

    `ensure_ascii=False` keeps non-ASCII text as is, as the models' chat template (transformers'
    `tojson`) does; the leaderboard handlers escape it (`ensure_ascii=True`).
    """

    def __init__(
        self,
        variant: Literal["qwen", "llama"] = "qwen",
        *,
        system_instruction: SystemInstruction = "always",
        default_system: str = SYSTEM_DEFAULT,
        ensure_ascii: bool = False,
    ) -> None:
        if variant not in ("qwen", "llama"):
            raise FormatError(f"unknown xLAM-2 variant {variant!r}: use 'qwen' or 'llama'")
        if system_instruction not in ("always", "official"):
            raise FormatError("system_instruction must be 'always' or 'official'")
        self.variant = variant
        self.name = f"xlam2-{variant}"
        self._t = _QWEN if variant == "qwen" else _LLAMA
        self.end_of_turn = self._t.end
        self.stop = self._t.stop
        self.markers = self._t.markers
        self.system_instruction = system_instruction
        self.default_system = default_system
        self.ensure_ascii = ensure_ascii

    def __repr__(self) -> str:
        return f"XLAM2Format({self.variant!r}, system_instruction={self.system_instruction!r})"

    # -- rendering --------------------------------------------------------------------------

    def _turn(self, role: str, content: str) -> str:
        return self._t.header.format(role=role) + content + self._t.end

    def system_text(self, messages: Sequence[Message], tools: list[dict[str, Any]]) -> str:
        """The content of the system turn (system text, instruction, tools), data neutralised."""
        caller = bool(messages) and messages[0].role == "system"
        system = message_text(messages[0].content).strip() if caller else self.default_system
        out = self.neutralise(system) + "\n"
        if tools:
            if not (caller and self.system_instruction == "official"):
                out += INSTRUCTION
            out += indented_specs(
                tools,
                ensure_ascii=self.ensure_ascii,
                neutralise=self.neutralise,
                neutraliser=self.control_strings,
            )
        return out

    def render_message(self, message: Message) -> str:
        """One non-system message as its turn."""
        if message.role == "tool":
            result = dump_result(message.content, ensure_ascii=self.ensure_ascii)
            return self._turn(self._t.tool_role, self.neutralise(result))
        if message.role == "assistant":
            return self._turn("assistant", self.render_assistant(message))
        if message.role == "system":
            raise FormatError("a system message is only allowed first: merge it into the first one")
        return self._turn(message.role, self.neutralise(message_text(message.content).strip()))

    def render(
        self,
        messages: Iterable[MessageLike],
        tools: Sequence[Tool | dict[str, Any]] = (),
        *,
        add_generation_prompt: bool = True,
    ) -> str:
        msgs = read_messages(messages)
        specs = tool_specs(tools)
        parts = [self._t.prefix, self._turn("system", self.system_text(msgs, specs))]
        rest = msgs[1:] if msgs and msgs[0].role == "system" else msgs
        parts.extend(self.render_message(m) for m in rest)
        if add_generation_prompt:
            parts.append(self._t.header.format(role="assistant"))
        return "".join(parts)

    def render_assistant(self, turn: AssistantTurn | MessageLike) -> str:
        """The calls as a JSON list, else the text; no calls and no text is the empty list `[]`.

        `[]` is what the model writes when it has no call to make and nothing to say (the
        official template renders an assistant turn with `tool_calls: []` so), and what
        `parse` reads back as an empty answer.
        """
        msg = turn.to_message() if isinstance(turn, AssistantTurn) else read_messages([turn])[0]
        if msg.tool_calls:
            return self.neutralise(dump_calls(msg.tool_calls, ensure_ascii=self.ensure_ascii))
        text = message_text(msg.content).strip()
        return self.neutralise(text) if text else "[]"

    # -- parsing ----------------------------------------------------------------------------

    def parse(self, text: str) -> AssistantTurn:
        return parse_output(text)

    def stream_parser(self) -> StreamParser:
        return CallStreamParser()
