"""Calls with some of their argument values reshaped, and a note per value: the loop the
value rules (numbers and lists as written, percentages as fractions) share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lamagent.messages import ToolCall

__all__ = ["Reshape", "reshaped_calls"]

#: A value rule: for a call, an argument's name and its value, the new value and what the
#: note says of the change ("3 as 30, as written"), or None to leave the value as it is.
Reshape = Callable[[ToolCall, str, Any], tuple[Any, str] | None]


def reshaped_calls(calls: Sequence[ToolCall], reshape: Reshape) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value `reshape` changes (the same calls, ids kept), and a note per
    value changed ("tool.argument: " and what `reshape` says)."""
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        changed: dict[str, Any] = {}
        for name, value in call.arguments.items():
            found = reshape(call, name, value)
            if found is None:
                continue
            changed[name], note = found
            notes.append(f"{call.name}.{name}: {note}")
        out.append(
            call.model_copy(update={"arguments": {**call.arguments, **changed}})
            if changed
            else call
        )
    return out, notes
