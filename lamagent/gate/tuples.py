"""Numbers the user wrote as one point, in parentheses: "(3, 4)", "(40.7128, -74.0060)".

A point written in parentheses has as many coordinates as the user wrote, and a tool taking
points takes them as written. A small model under a call grammar reads past a point's end
into the next one ("the point (6, 8) ... the point (9, 12, 15)" drafted as `{"x": 6, "y": 8,
"z": 9}`), or leaves a list it cannot copy with its own numbers (`"point1": [1.0, 1.0]` for
"(40.7128, -74.0060) and (34.0522, -118.2437)").

`tuple_values(calls, tools, query)`:

- a call whose number arguments, in the schema's order, begin with the numbers of one point
  the user wrote (one argument each, in order) and go on with optional number arguments
  holding numbers of the user's points (the next point's, or this one's again) leaves those
  out: the point ends where the user closed it;
- list arguments of numbers, where the user wrote as many points of their lengths as the
  call has such arguments and a list holds numbers that are no point of the user's, take the
  points in the order written (in the type the draft's elements have).

Left alone: a point whose numbers the call does not hold in order, an extra argument that is
required or holds a number of no point, lists that are the user's points already. Nothing is
generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import as_drafted, number_argument, number_value, numbers_of
from lamagent.gate.reshape import with_arguments
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["tuple_values", "written_points"]

_NUMBER = r"-?\d+(?:\.\d+)?"
#: A point: two numbers or more in parentheses, commas between.
_POINT = re.compile(rf"\(\s*({_NUMBER}(?:\s*,\s*{_NUMBER})+)\s*\)")


def written_points(text: str) -> list[tuple[Decimal, ...]]:
    """The points `text` writes in parentheses, in order, as numbers."""
    points: list[tuple[Decimal, ...]] = []
    for match in _POINT.finditer(text):
        numbers = [number_value(part.strip()) for part in match.group(1).split(",")]
        if all(n is not None for n in numbers):
            points.append(tuple(n for n in numbers if n is not None))
    return points


def _numbers_of(value: Any) -> tuple[Decimal, ...] | None:
    """The numbers of a flat list of numbers, or None."""
    return numbers_of(value) if isinstance(value, list) else None


def _past_the_point(
    call: ToolCall, order: Sequence[str], required: set[str], points: Sequence[tuple[Decimal, ...]]
) -> list[str]:
    """The optional number arguments of `call` that read past the end of the point its first
    number arguments hold."""
    numbered = [
        (name, number)
        for name in order
        if name in call.arguments and (number := number_argument(call.arguments[name])) is not None
    ]
    values = [number for _, number in numbered]
    written = {n for point in points for n in point}
    for point in points:
        if tuple(values[: len(point)]) != point or len(values) == len(point):
            continue
        extra = numbered[len(point) :]
        if all(name not in required and number in written for name, number in extra):
            return [name for name, _ in extra]
    return []


def tuple_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with the points the user wrote as written (see the module's docstring), and a
    note per argument changed ("math.hypot.z: 9 past the point, left out";
    "calculate_slope_gradient.point1: [1.0, 1.0] as the point written")."""
    points = written_points(query)
    if not points:
        return list(calls), []
    schemas = {tool.name: tool.parameters for tool in tools}
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        schema = schemas.get(call.name) or {}
        properties = schema.get("properties") or {}
        order = list(properties) if isinstance(properties, Mapping) else []
        required = set(schema.get("required") or ())
        arguments = dict(call.arguments)
        for name in _past_the_point(call, order, required, points):
            notes.append(f"{call.name}.{name}: {arguments.pop(name)!r} past the point, left out")
        lists = [n for n in order if _numbers_of(arguments.get(n)) is not None]
        lengths = {len(arguments[n]) for n in lists}
        fitting = [p for p in points if len(p) in lengths]
        if (
            lists
            and len(fitting) == len(lists)
            and any(_numbers_of(arguments[n]) not in points for n in lists)
        ):
            for name, point in zip(lists, fitting, strict=True):
                if len(point) != len(arguments[name]) or _numbers_of(arguments[name]) == point:
                    continue
                drafted = arguments[name]
                arguments[name] = as_drafted(drafted, f"[{', '.join(str(n) for n in point)}]")
                notes.append(f"{call.name}.{name}: {drafted!r} as the point written")
        out.append(with_arguments(call, arguments))
    return out, notes
