"""Whole numbers where a parameter takes a float: `[5, 3, 4, 1, 2]` as `[5.0, 3.0, 4.0, 1.0, 2.0]`.

A tool's `number` parameter (JSON Schema's; a Python `float`, BFCL's "float") takes a float;
an `integer` one an int. Copying "Sort the list [5, 3, 4, 1, 2]" for a list of floats, the
model writes the user's ints, and a tool that checks the types it is given, or a checker that
compares them (BFCL's does, item by item, in a list), takes them for the wrong ones. The
Agent's verification turns them into floats before a tool runs (`int_to_float`); a turn's
calls are what the run records and what an evaluation scores, so they hold them too.

`typed_numbers(calls, tools)`: each int (never a boolean) whose schema is `number` and not
`integer` becomes that float, in lists and objects too (`items`, `properties`). Values of
other types, and numbers of parameters whose schema allows ints, stay. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import tool_schemas
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["typed_numbers"]

#: How deep into lists and objects a value is read (tool schemas nest a few levels).
MAX_DEPTH = 16


def _takes_float(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "number" in kinds and "integer" not in kinds


def _typed(value: Any, schema: Any, depth: int = 0) -> Any:
    """`value` with its ints as floats where `schema` takes a float (the same object when
    nothing changes)."""
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return value
    if type(value) is int and _takes_float(schema):
        return float(value)
    if isinstance(value, list):
        items = schema.get("items")
        typed = [_typed(item, items, depth + 1) for item in value]
        return value if all(a is b for a, b in zip(typed, value, strict=True)) else typed
    if isinstance(value, Mapping):
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return value
        out = {k: _typed(v, properties.get(k), depth + 1) for k, v in value.items()}
        return value if all(out[k] is v for k, v in value.items()) else out
    return value


def _as_floats(value: Any) -> str:
    return "as a float" if isinstance(value, int) else "with floats"


def typed_numbers(
    calls: Sequence[ToolCall], tools: Sequence[Tool]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each int their schemas take as a float written as that float, and a note
    per argument changed ("array_sort.list: [5, 3, 4, 1, 2] with floats, the numbers its
    parameter takes")."""
    schemas = tool_schemas(tools)
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        properties = schemas.get(call.name, {})
        arguments = {k: _typed(v, properties.get(k)) for k, v in call.arguments.items()}
        changed = [k for k, v in call.arguments.items() if arguments[k] is not v]
        notes.extend(
            f"{call.name}.{k}: {call.arguments[k]!r} {_as_floats(call.arguments[k])}, the "
            "numbers its parameter takes"
            for k in changed
        )
        # (a model copy, not `reshape.with_arguments`: 5.0 == 5, and the change is the type)
        out.append(call.model_copy(update={"arguments": arguments}) if changed else call)
    return out, notes
