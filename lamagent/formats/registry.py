"""The built-in Formats by name, and the family a set of turn markers points to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lamagent.errors import FormatError
from lamagent.formats.base import Format
from lamagent.formats.xlam1 import XLAM1Format
from lamagent.formats.xlam2 import XLAM2Format

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


def detect_family(text: str) -> str:
    """The built-in format whose turn syntax `text` (a template, special tokens) uses."""
    if "<|im_start|>" in text or "<|im_end|>" in text:
        return "xlam2-qwen"
    if any(t in text for t in ("<|start_header_id|>", "<|eot_id|>", "<|begin_of_text|>")):
        return "xlam2-llama"
    if "### Instruction" in text or "<|EOT|>" in text:
        return "xlam1-fc"
    if "[INST]" in text:
        return "xlam1"
    return "xlam2-qwen"
