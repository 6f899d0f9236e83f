"""A value that holds a whole list the user wrote, where the parameter takes one item.

Asked for "the current price per ounce of gold, silver, platinum, and palladium" with a tool
`get_metal_price(metal: str, measure: str)`, a small model copies the list into the one string:
`{"metal": "gold, silver, platinum, palladium"}`. The parameter takes one metal; the user asked
for four prices.

`item_calls(calls, text, tools)`: a string argument whose value is every item of one list the
user wrote (`lamagent.gate.items`: two or more like items joined by commas and "and"/"or"), in
order and nothing else, becomes one call per item, when the parameter takes one value: its
schema's type is a string (not an array), its name is not a plural ("metals", "symbols"), and
its description does not ask for several ("comma-separated", "a list of", "one or more"). The
first call keeps the draft's place and id; the others follow it, up to the turn's limit (the
call is left whole when they do not fit). Nothing is generated: the model chose the call and
the values; the parameter's schema says one at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import ItemList, as_drafted, item_matches, value_lists
from lamagent.gate.listed import MAX_CALLS
from lamagent.gate.reshape import open_string, tool_properties
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["item_calls"]

#: What joins the items inside one string value.
_JOINS = re.compile(r"\s*(?:[,;&]|\band\b|\bor\b)\s*", re.IGNORECASE)
#: A description that asks for several values in the one string.
_SEVERAL = re.compile(
    r"comma|separated|delimited|\blist\b|\bmultiple\b|one or more|\bseveral\b|\barray\b",
    re.IGNORECASE,
)
#: A plural parameter name's last word ("metals", "stock_symbols"), not "address" or "status".
_PLURAL = re.compile(r"[a-z](?<![su])s$", re.IGNORECASE)


def item_calls(
    calls: Sequence[ToolCall],
    text: str,
    tools: Sequence[Tool],
    limit: int = MAX_CALLS,
) -> tuple[list[ToolCall], list[str]]:
    """`calls`, a call whose string argument holds a whole list the user wrote (where the
    parameter takes one value) made one call per item, and a note per call split
    ("get_metal_price.metal: 'gold, silver, platinum, palladium' as 4 calls, one per item")."""
    lists = [found for found in value_lists(text) if found.kind != "list"]
    if not lists:
        return list(calls), []
    by_name = {tool.name: tool for tool in tools}
    out: list[ToolCall] = []
    notes: list[str] = []
    room = max(0, min(limit, MAX_CALLS) - len(calls))
    for call in calls:
        split = _split(call, lists, by_name.get(call.name))
        if split is None or len(split[1]) - 1 > room:
            out.append(call)
            continue
        name, items = split
        room -= len(items) - 1
        drafted = call.arguments[name]
        out.append(call.model_copy(update={"arguments": {**call.arguments, name: items[0]}}))
        out.extend(
            ToolCall(name=call.name, arguments={**call.arguments, name: item}) for item in items[1:]
        )
        notes.append(f"{call.name}.{name}: {drafted!r} as {len(items)} calls, one per item")
    return out, notes


def _split(
    call: ToolCall, lists: Sequence[ItemList], tool: Tool | None
) -> tuple[str, list[Any]] | None:
    """The argument of `call` that holds a whole list, and its items as values; None when
    there is none (or more than one)."""
    if tool is None:
        return None
    properties = tool_properties(tool)
    found: list[tuple[str, list[Any]]] = []
    for name, value in call.arguments.items():
        schema = properties.get(name)
        if not isinstance(value, str) or not _takes_one(name, schema):
            continue
        parts = [part for part in _JOINS.split(value.strip().rstrip(".")) if part]
        for items in lists:
            if len(parts) == len(items.items) and all(
                item_matches(part, item, items.kind)
                for part, item in zip(parts, items.items, strict=True)
            ):
                found.append((name, [as_drafted(value, item) for item in items.items]))
                break
    return found[0] if len(found) == 1 else None


def _takes_one(name: str, schema: Any) -> bool:
    """Whether a parameter takes one value: an open string, named in the singular, its
    description asking for no more."""
    named = words(name)
    return (
        open_string(schema)
        and isinstance(schema, Mapping)
        and not (named and _PLURAL.search(named[-1]))
        and not _SEVERAL.search(str(schema.get("description") or ""))
    )
