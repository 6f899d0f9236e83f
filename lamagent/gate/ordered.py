"""Numbered parameters, and a list's items, in the order the user wrote them.

A tool with `temperature1` and `temperature2`, or `pointA` and `pointB`, asks for values the
user gives in that order: "2 moles of gas at 300 K are mixed with 3 moles of the same gas at
400 K", "the Euclidean distance between two points A(3,4) and B(1,2)". A small model fills
the second first: `"temperature1": 400, "temperature2": 300`, `"pointA": [1, 2], "pointB":
[3, 4]`.

`ordered_values(calls, query)`: arguments whose names differ only by a final index (a
number: `temperature1`, `value_2`; or one capital letter after a lower-case one: `pointA`,
`pointB`) and whose values are numbers, or lists of numbers, the user wrote (a list: its
numbers in a row) take those values in the order the user wrote them, the first index the
first written. Left alone: a family with a value the user did not write, or wrote more than
once, and one whose values are written in the order of the indices already.

Likewise a list argument of strings each of which the user wrote once (as whole words, case
aside) takes them in the order the user wrote them: "the current stock price of Apple and
Microsoft" gives `["Apple", "Microsoft"]`, not `["Microsoft", "Apple"]`. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lamagent.gate.items import NUMBERS, number_value, numbers_of
from lamagent.gate.reshape import with_arguments
from lamagent.messages import ToolCall

__all__ = ["ordered_values"]

#: A name with a final index: its stem and the index ("temperature1", "value_2", "pointA").
_INDEXED = re.compile(r"^(.*?[a-z])_?(\d+|[A-Z])$")


def _where(numbers: tuple[Decimal, ...], written: list[Decimal]) -> int | None:
    """Where in `written` (the query's numbers in order) `numbers` stand in a row, when they
    do exactly once; else None."""
    n = len(numbers)
    places = [i for i in range(len(written) - n + 1) if tuple(written[i : i + n]) == numbers]
    return places[0] if len(places) == 1 else None


def _families(arguments: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The argument names by stem, each with its index, for stems with two names or more."""
    families: dict[str, list[tuple[str, str]]] = {}
    for name in arguments:
        match = _INDEXED.match(name)
        if match:
            families.setdefault(match.group(1), []).append((match.group(2), name))
    return {stem: sorted(members) for stem, members in families.items() if len(members) > 1}


def _in_written_order(items: list[Any], query: str) -> list[Any] | None:
    """`items` (strings the user wrote once each) in the order written, when that differs;
    else None."""
    if len(items) < 2 or not all(isinstance(item, str) and item.strip() for item in items):
        return None
    places: list[int] = []
    for item in items:
        found = [
            m.start() for m in re.finditer(rf"(?<!\w){re.escape(item)}(?!\w)", query, re.IGNORECASE)
        ]
        if len(found) != 1:
            return None
        places.append(found[0])
    if len(set(places)) != len(places):
        return None
    ordered = [item for _, item in sorted(zip(places, items, strict=True))]
    return ordered if ordered != items else None


def ordered_values(calls: Sequence[ToolCall], query: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each family of numbered arguments in the order the user wrote their
    values (see the module's docstring), and a note per family reordered
    ("tool.temperature1, temperature2: in the order written")."""
    written = [n for text in NUMBERS.findall(query) if (n := number_value(text)) is not None]
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        arguments = dict(call.arguments)
        for members in _families(arguments).values():
            names = [name for _, name in members]
            values = [arguments[name] for name in names]
            found = [
                _where(numbers, written) if (numbers := numbers_of(v)) is not None else None
                for v in values
            ]
            places = [p for p in found if p is not None]
            if len(places) != len(values) or len(set(places)) != len(places):
                continue
            order = sorted(range(len(names)), key=places.__getitem__)
            if order == list(range(len(names))):
                continue
            for name, i in zip(names, order, strict=True):
                arguments[name] = values[i]
            notes.append(f"{call.name}.{', '.join(names)}: in the order written")
        for name, value in arguments.items():
            items = _in_written_order(value, query) if isinstance(value, list) else None
            if items is not None:
                arguments[name] = items
                notes.append(f"{call.name}.{name}: items in the order written")
        out.append(with_arguments(call, arguments))
    return out, notes
