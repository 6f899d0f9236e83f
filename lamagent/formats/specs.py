"""Tool specs in the one shape every xLAM prompt shows: `{"name", "description", "parameters"}`."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.errors import FormatError

if TYPE_CHECKING:
    from lamagent.tools import Tool


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


#: Tool sections by content: every turn of a run shows the same tools, and the indented JSON a
#: prompt shows can only be written by json's pure-Python encoder (many times slower than the
#: compact C encoder that writes the key).
_SECTIONS: dict[tuple[str, bool, Hashable], str] = {}
_MAX_SECTIONS = 1024


def indented_specs(
    specs: Sequence[Mapping[str, Any]],
    *,
    ensure_ascii: bool,
    neutralise: Callable[[str], str],
    neutraliser: Hashable,
) -> str:
    """Each spec as `json.dumps(spec, indent=4)`, neutralised, followed by a blank line.

    Remembered by the specs' content, `ensure_ascii` and `neutraliser` (the object behind
    `neutralise`, compared by identity), so the result is byte for byte what the direct
    computation gives.
    """

    def section() -> str:
        return "".join(
            neutralise(json.dumps(spec, indent=4, ensure_ascii=ensure_ascii)) + "\n\n"
            for spec in specs
        )

    try:
        key = (json.dumps(specs, ensure_ascii=False), ensure_ascii, neutraliser)
    except (TypeError, ValueError, RecursionError):
        return section()  # not JSON: raises the error the direct computation raises
    text = _SECTIONS.get(key)
    if text is None:
        text = section()
        if len(_SECTIONS) >= _MAX_SECTIONS:
            _SECTIONS.clear()
        _SECTIONS[key] = text
    return text
