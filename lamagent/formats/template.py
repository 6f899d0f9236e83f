"""Formats that render with a model's own Jinja chat template, in a bounded sandbox.

A chat template from a model file is untrusted input (a GGUF chat template is a known injection
vector): it renders in `lamagent.formats.sandbox`, which holds the escapes Jinja's sandbox holds
and bounds the time and memory of a render. Data reaches the template neutralised: every string
in the messages and tools (keys too) has the model's control strings broken before the template
sees it, so a tool result cannot forge a turn through the model's own template either.

Output is read by the shared tolerant parser; the stop strings and end-of-turn marker come from
the family the template's markers point to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from lamagent.errors import FormatError
from lamagent.formats.base import Format
from lamagent.formats.controls import markers_in
from lamagent.formats.conversation import message_text, read_messages
from lamagent.formats.registry import detect_family, get
from lamagent.formats.sandbox import (
    DEFAULT_MAX_OUTPUT,
    DEFAULT_TIMEOUT,
    compile_template,
    render_template,
)
from lamagent.formats.specs import tool_specs
from lamagent.formats.stream_events import StreamParser
from lamagent.messages import AssistantTurn, Message, MessageLike

if TYPE_CHECKING:
    from lamagent.tools import Tool

ToolStyle = Literal["auto", "spec", "openai"]


def template_message(message: Message, source: MessageLike | None = None) -> dict[str, Any]:
    """A message as chat templates read it (transformers' convention: arguments as a dict).

    `tool_calls` is passed when the message has calls, when its `source` dict says
    `tool_calls` (even an empty list), and for an assistant message with no text: that is an
    empty call list, which the xLAM-2 template renders as `[]`.
    """
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    empty_call_list = message.role == "assistant" and not message_text(message.content).strip()
    given = isinstance(source, Mapping) and "tool_calls" in source
    if message.tool_calls or given or empty_call_list:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in message.tool_calls
        ]
    if message.tool_call_id is not None:
        out["tool_call_id"] = message.tool_call_id
    if message.name is not None:
        out["name"] = message.name
    return out


class TemplateFormat(Format):
    """Render with a chat template; parse, stop and end of turn from the template's family.

    `tool_style` decides what the template's `tools` holds: "spec" passes the bare
    `{"name", "description", "parameters"}` objects (what xLAM-2's own template dumps), "openai"
    wraps each as `{"type": "function", "function": spec}` (the convention of most other
    templates, and what transformers builds from Python functions); "auto" picks "spec" for a
    template that mentions xLAM and "openai" otherwise. `timeout` (seconds) and
    `max_output_chars` bound one render.
    """

    def __init__(
        self,
        template: str,
        *,
        bos_token: str = "",
        eos_token: str = "",
        family: str | None = None,
        tool_style: ToolStyle = "auto",
        timeout: float = DEFAULT_TIMEOUT,
        max_output_chars: int = DEFAULT_MAX_OUTPUT,
        **special: Any,
    ) -> None:
        self._template = compile_template(template)
        self.source = template
        self._base = get(family or detect_family(template))
        self.family = self._base.name
        self.name = f"{self._base.name}+template"
        self.stop = self._base.stop
        self.end_of_turn = self._base.end_of_turn
        self.call_shape = self._base.call_shape
        if tool_style == "auto":
            tool_style = "spec" if "xlam" in template.lower() else "openai"
        self.tool_style = tool_style
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        self._variables = {"bos_token": bos_token, "eos_token": eos_token, **special}
        tokens = [
            v for k, v in self._variables.items() if k.endswith("_token") and isinstance(v, str)
        ]
        self.markers = (*self._base.markers, *sorted(markers_in(template)), *tokens)

    def __repr__(self) -> str:
        return f"TemplateFormat(family={self.family!r}, tool_style={self.tool_style!r})"

    def with_control_tokens(self, tokens: Iterable[str]) -> Format:
        twin = super().with_control_tokens(tokens)
        if isinstance(twin, TemplateFormat):
            twin._base = self._base.with_control_tokens(tokens)
        return twin

    def render(
        self,
        messages: Iterable[MessageLike],
        tools: Sequence[Tool | dict[str, Any]] = (),
        *,
        add_generation_prompt: bool = True,
    ) -> str:
        sources = list(messages)
        msgs = [
            template_message(m, src) for m, src in zip(read_messages(sources), sources, strict=True)
        ]
        specs = tool_specs(tools)
        tool_arg: list[dict[str, Any]] | None = None
        if specs:
            tool_arg = (
                specs
                if self.tool_style == "spec"
                else [{"type": "function", "function": s} for s in specs]
            )
        data = self.control_strings.neutralise_value
        try:
            msgs, tool_arg = data(msgs), data(tool_arg)
        except RecursionError:
            raise FormatError("the messages or tools are nested too deeply to render") from None
        return render_template(
            self._template,
            {
                **self._variables,
                "messages": msgs,
                "tools": tool_arg,
                "add_generation_prompt": add_generation_prompt,
            },
            timeout=self.timeout,
            max_output_chars=self.max_output_chars,
        )

    def render_assistant(self, turn: AssistantTurn | MessageLike) -> str:
        return self._base.render_assistant(turn)

    def parse(self, text: str) -> AssistantTurn:
        return self._base.parse(text)

    def stream_parser(self) -> StreamParser:
        return self._base.stream_parser()


def from_chat_template(
    template: str,
    *,
    bos_token: str = "",
    eos_token: str = "",
    **special: Any,
) -> Format:
    """A Format that renders with a model's own Jinja chat template (sandboxed, bounded).

    Parsing, stop strings and the end-of-turn marker come from the built-in family the
    template's markers point to (ChatML, Llama 3 headers, DeepSeek-Coder, Mistral).
    `special` are further variables the template may read; `family`, `tool_style`, `timeout`
    and `max_output_chars` are taken by the Format itself (see `TemplateFormat`).
    """
    return TemplateFormat(template, bos_token=bos_token, eos_token=eos_token, **special)
