"""Formats that render with a model's own Jinja chat template, in a sandbox.

A chat template from a model file is untrusted input (a GGUF chat template is a known injection
vector), so it renders in `jinja2.sandbox.ImmutableSandboxedEnvironment`, which refuses access to
private attributes (`__class__`, `__globals__`, ...) and to mutating methods. The environment is
set up as transformers sets up `apply_chat_template` so that the bytes match: `trim_blocks` and
`lstrip_blocks`, the loop-controls extension, a `tojson` filter that is `json.dumps(x,
ensure_ascii=False, indent=indent)` with keys in their given order and no HTML escaping (Jinja's
own sorts keys and escapes `<>&'`), `raise_exception` and `strftime_now`.

Output is read by the shared tolerant parser; the stop strings and end-of-turn marker come from
the family the template's markers point to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from lamagent.errors import FormatError
from lamagent.formats.base import Format, StreamParser, tool_specs
from lamagent.formats.xlam2 import _messages
from lamagent.messages import AssistantTurn, Message, MessageLike

if TYPE_CHECKING:
    from lamagent.tools import Tool

ToolStyle = Literal["auto", "spec", "openai"]


def _raise_exception(message: str) -> NoReturn:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(
    x: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def sandboxed_environment() -> ImmutableSandboxedEnvironment:
    """A Jinja2 sandbox configured like transformers' chat-template environment."""
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = _strftime_now
    return env


def detect_family(template: str) -> str:
    """The built-in format whose turn syntax the template uses (by its special tokens)."""
    if "<|im_start|>" in template or "<|im_end|>" in template:
        return "xlam2-qwen"
    if any(t in template for t in ("<|start_header_id|>", "<|eot_id|>", "<|begin_of_text|>")):
        return "xlam2-llama"
    if "### Instruction" in template or "<|EOT|>" in template:
        return "xlam1-fc"
    if "[INST]" in template:
        return "xlam1"
    return "xlam2-qwen"


def template_message(message: Message) -> dict[str, Any]:
    """A message as chat templates read it (transformers' convention: arguments as a dict)."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
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
    template that mentions xLAM and "openai" otherwise.
    """

    def __init__(
        self,
        template: str,
        *,
        bos_token: str = "",
        eos_token: str = "",
        family: str | None = None,
        tool_style: ToolStyle = "auto",
        **special: Any,
    ) -> None:
        from lamagent.formats import get

        try:
            self._template = sandboxed_environment().from_string(template)
        except jinja2.TemplateError as exc:
            raise FormatError(f"the chat template does not compile: {exc}") from exc
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
        self._variables = {"bos_token": bos_token, "eos_token": eos_token, **special}

    def __repr__(self) -> str:
        return f"TemplateFormat(family={self.family!r}, tool_style={self.tool_style!r})"

    def render(
        self,
        messages: Iterable[MessageLike],
        tools: Sequence[Tool | dict[str, Any]] = (),
        *,
        add_generation_prompt: bool = True,
    ) -> str:
        msgs = [template_message(m) for m in _messages(messages)]
        specs = tool_specs(tools)
        tool_arg: list[dict[str, Any]] | None = None
        if specs:
            tool_arg = (
                specs
                if self.tool_style == "spec"
                else [{"type": "function", "function": s} for s in specs]
            )
        try:
            return self._template.render(
                messages=msgs,
                tools=tool_arg,
                add_generation_prompt=add_generation_prompt,
                **self._variables,
            )
        except jinja2.exceptions.SecurityError as exc:
            raise FormatError(
                f"the chat template tried something unsafe and was stopped: {exc}. Do not use "
                "this model file's template (pass a built-in format name instead)."
            ) from exc
        except jinja2.TemplateError as exc:
            raise FormatError(f"the chat template failed to render: {exc}") from exc
        except (
            TypeError,
            ValueError,
            AttributeError,
            KeyError,
            IndexError,
            OverflowError,
            RecursionError,
        ) as exc:
            raise FormatError(f"the chat template failed to render: {exc!r}") from exc

    def render_assistant(self, turn: AssistantTurn | MessageLike) -> str:
        return self._base.render_assistant(turn)

    def parse(self, text: str) -> AssistantTurn:
        return self._base.parse(text)

    def stream_parser(self) -> StreamParser:
        return self._base.stream_parser()
