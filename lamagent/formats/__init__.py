"""Prompt formats of the xLAM models: render conversations, parse replies, build call grammars.

`get(name)` returns a built-in Format ("xlam2-qwen", "xlam2-llama", "xlam1-fc", "xlam1");
`detect(info)` picks one for a model from its chat template and special tokens;
`Format.from_chat_template(...)` renders with the model's own template in a sandbox.

Detection rule: a chat template that knows tools (it reads the `tools` variable) is the model's
own word on its prompt, so it is used (rule zero of the xLAM format notes). A template that knows
no tools (SmolLM2's plain ChatML) or none at all gives the built-in format whose turn syntax its
markers show: `<|im_start|>` xlam2-qwen, `<|start_header_id|>` xlam2-llama, `### Instruction`
or `<|EOT|>` xlam1-fc, `[INST]` xlam1; anything else xlam2-qwen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lamagent.errors import FormatError
from lamagent.formats.base import CallDelta, Format, StreamEvent, StreamParser, TextDelta
from lamagent.formats.parse import parse_output
from lamagent.formats.template import detect_family
from lamagent.formats.xlam1 import XLAM1Format
from lamagent.formats.xlam2 import XLAM2Format

if TYPE_CHECKING:
    from lamagent.backends.base import ModelInfo

_FACTORIES: dict[str, Callable[..., Format]] = {
    "xlam2-qwen": lambda **kw: XLAM2Format("qwen", **kw),
    "xlam2-llama": lambda **kw: XLAM2Format("llama", **kw),
    "xlam1-fc": lambda **kw: XLAM1Format("fc", **kw),
    "xlam1": lambda **kw: XLAM1Format("general", **kw),
}


def available() -> list[str]:
    """The names `get` accepts."""
    return list(_FACTORIES)


def get(name: str, **options: Any) -> Format:
    """The built-in Format called `name`; `options` go to its constructor.

    E.g. `get("xlam2-qwen", system_instruction="official")`.
    """
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}: use one of {', '.join(_FACTORIES)}") from None
    return factory(**options)


_TOOLS_VAR = re.compile(r"\btools\b")


def detect(info: ModelInfo) -> Format:
    """The Format for a model, from its chat template and special tokens (see module doc)."""
    template = info.chat_template or ""
    if template and _TOOLS_VAR.search(template):
        return Format.from_chat_template(
            template, bos_token=info.bos_token or "", eos_token=info.eos_token or ""
        )
    tokens = " ".join(
        [template, info.bos_token or "", info.eos_token or "", *info.special_tokens.values()]
    )
    return get(detect_family(tokens))


__all__ = [
    "CallDelta",
    "Format",
    "StreamEvent",
    "StreamParser",
    "TextDelta",
    "XLAM1Format",
    "XLAM2Format",
    "available",
    "detect",
    "get",
    "parse_output",
]
