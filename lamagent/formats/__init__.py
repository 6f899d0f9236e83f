"""Prompt formats of the xLAM models: render conversations, parse replies, build call grammars.

`get(name)` returns a built-in Format ("xlam2-qwen", "xlam2-llama", "xlam1-fc", "xlam1");
`detect(info)` picks one for a model from its chat template and special tokens;
`from_chat_template(...)` renders with the model's own template in a bounded sandbox;
`resolve(choice, info)` turns what a user asked for (a Format, a name, or None) into the Format
for a model, with the model's control tokens kept out of data.

Detection rule: a chat template that knows tools (it reads the `tools` variable) is the model's
own word on its prompt, so it is used (rule zero of the xLAM format notes). A template that knows
no tools (SmolLM2's plain ChatML) or none at all gives the built-in format whose turn syntax its
markers show: `<|im_start|>` xlam2-qwen, `<|start_header_id|>` xlam2-llama, `### Instruction`
or `<|EOT|>` xlam1-fc, `[INST]` xlam1; anything else xlam2-qwen.
"""

from __future__ import annotations

import re

from lamagent.formats.base import Format
from lamagent.formats.choice import TOOL_CHOICE_MODES, ToolChoice, ToolChoiceMode
from lamagent.formats.controls import ControlStrings
from lamagent.formats.parse import parse_output
from lamagent.formats.registry import available, detect_family, get
from lamagent.formats.stream_events import CallDelta, StreamEvent, StreamParser, TextPiece
from lamagent.formats.template import TemplateFormat, from_chat_template
from lamagent.formats.xlam1 import XLAM1Format
from lamagent.formats.xlam2 import XLAM2Format
from lamagent.generation import ModelInfo

_TOOLS_VAR = re.compile(r"\btools\b")


def detect(info: ModelInfo) -> Format:
    """The Format for a model, from its chat template and special tokens (see module doc).

    The Format keeps the model's control tokens (`info.control_tokens`) out of data.
    """
    template = info.chat_template or ""
    if template and _TOOLS_VAR.search(template):
        fmt = from_chat_template(
            template, bos_token=info.bos_token or "", eos_token=info.eos_token or ""
        )
    else:
        tokens = " ".join(
            [template, info.bos_token or "", info.eos_token or "", *info.special_tokens.values()]
        )
        fmt = get(detect_family(tokens))
    return fmt.with_control_tokens(info.control_tokens)


def resolve(choice: Format | str | None, info: ModelInfo) -> Format:
    """The Format for a model: `choice` (a Format or a built-in name), or detected when None.

    Either way the result also neutralises the model's control tokens in data, so prompts built
    with it hold exactly the control tokens the Format writes.
    """
    if choice is None:
        return detect(info)
    fmt = get(choice) if isinstance(choice, str) else choice
    return fmt.with_control_tokens(info.control_tokens)


__all__ = [
    "TOOL_CHOICE_MODES",
    "CallDelta",
    "ControlStrings",
    "Format",
    "StreamEvent",
    "StreamParser",
    "TemplateFormat",
    "TextPiece",
    "ToolChoice",
    "ToolChoiceMode",
    "XLAM1Format",
    "XLAM2Format",
    "available",
    "detect",
    "from_chat_template",
    "get",
    "parse_output",
    "resolve",
]
