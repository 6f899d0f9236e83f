"""The call constraint: a JSON Schema of exactly what a format's call output may be.

From the tools' parameter schemas this builds the schema of a list (at least one item) of
`{"name": <const>, "arguments": <that tool's parameters>}` objects, one `anyOf` branch per tool,
closed with `additionalProperties: false` at both levels, so a constrained model can only name
real tools and pass real arguments. xLAM-1 formats wrap the list in `{"tool_calls": [...]}`
(and `"thought"` for the general models). Engines compile the schema (GBNF, xgrammar, a
server's structured output); `Constraint.key` identifies it for their caches.

`max_calls` bounds the list (`maxItems`). It is None unless given: the agent passes one, so that
a small model that starts repeating the same call cannot run to max_tokens.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from lamagent.errors import ConstraintError
from lamagent.formats.choice import ToolChoice, named_tool
from lamagent.formats.specs import tool_spec
from lamagent.generation import Constraint, content_key

if TYPE_CHECKING:
    from lamagent.tools import Tool

#: How a format's call output is shaped, which decides its call grammar:
#: "list" is xLAM-2's bare `[{"name", "arguments"}, ...]`; "tool_calls" is xLAM-1 fc's
#: `{"tool_calls": [...]}`; "thought_tool_calls" is xLAM-1 general's
#: `{"thought": "...", "tool_calls": [...]}`.
CallShape: TypeAlias = Literal["list", "tool_calls", "thought_tool_calls"]


def _normalized(tool: Tool | Mapping[str, Any]) -> dict[str, Any]:
    """The tool's spec with standard JSON Schema parameters (raw dicts are normalised)."""
    spec = tool_spec(tool)
    if not callable(getattr(tool, "spec", None)):
        try:
            from lamagent.tools import normalize_schema
        except ImportError:
            return spec
        spec["parameters"] = normalize_schema(spec["parameters"])
    return spec


def arguments_schema(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A tool's parameters as a closed object schema (no properties beyond the declared ones)."""
    schema = copy.deepcopy(dict(parameters))
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    schema.setdefault("additionalProperties", False)
    if "required" not in schema:
        schema["required"] = []
    return schema


def call_schema(tool: Tool | Mapping[str, Any]) -> dict[str, Any]:
    """The schema of one call of `tool`: `{"name": const, "arguments": parameters}`."""
    spec = _normalized(tool)
    return {
        "type": "object",
        "properties": {
            "name": {"const": spec["name"]},
            "arguments": arguments_schema(spec["parameters"]),
        },
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def call_list_schema(
    tools: Sequence[Tool | Mapping[str, Any]],
    *,
    max_calls: int | None = None,
    tool_name: str | None = None,
    min_calls: int = 1,
) -> dict[str, Any]:
    """JSON Schema of a list of calls of `tools` (only of `tool_name` when given)."""
    specs = list(tools)
    if tool_name is not None:
        specs = [t for t in specs if tool_spec(t)["name"] == tool_name]
        if not specs:
            names = ", ".join(tool_spec(t)["name"] for t in tools) or "none"
            raise ConstraintError(
                f"tool_choice names {tool_name!r}, which is not among the tools ({names})"
            )
    if not specs:
        raise ConstraintError("a call constraint needs at least one tool (or tool_choice='none')")
    branches = [call_schema(t) for t in specs]
    items = branches[0] if len(branches) == 1 else {"anyOf": branches}
    schema: dict[str, Any] = {"type": "array", "items": items, "minItems": min_calls}
    if max_calls is not None:
        if max_calls < max(min_calls, 1):
            raise ConstraintError(f"max_calls must be at least 1, got {max_calls}")
        schema["maxItems"] = max_calls
    return schema


def format_constraint(
    shape: CallShape,
    tools: Sequence[Tool | Mapping[str, Any]],
    *,
    tool_choice: ToolChoice = "auto",
    max_calls: int | None = None,
) -> Constraint | None:
    """The `Constraint` of a format whose call output has `shape` (see `Format.constraint`)."""
    if tool_choice == "none":
        return None
    named = named_tool(tool_choice) is not None
    if shape == "list":
        schema = call_list_schema(
            tools, max_calls=max_calls, tool_name=tool_choice if named else None
        )
        allow_text = tool_choice == "auto"
        prefixes: tuple[str, ...] = ("[", "{")
    else:
        # xLAM-1 always answers JSON: "no call" is an empty tool_calls list, allowed in auto.
        calls = call_list_schema(
            tools,
            max_calls=max_calls,
            tool_name=tool_choice if named else None,
            min_calls=0 if tool_choice == "auto" else 1,
        )
        props: dict[str, Any] = {"tool_calls": calls}
        if shape == "thought_tool_calls":
            props = {"thought": {"type": "string"}, "tool_calls": calls}
        schema = {
            "type": "object",
            "properties": props,
            "required": list(props),
            "additionalProperties": False,
        }
        allow_text = False
        prefixes = ("{",)
    return Constraint(
        json_schema=schema,
        allow_text=allow_text,
        call_prefixes=prefixes,
        key=content_key(schema, allow_text, prefixes),
    )
