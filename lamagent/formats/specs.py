"""Tool specs in the one shape every xLAM prompt shows: `{"name", "description", "parameters"}`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
