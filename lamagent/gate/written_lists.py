"""A list the model began copying, as the user wrote it: cut back where the user's ends.

Copying a list the user wrote in brackets, a small model often does not stop at its end: "the
first set is [23, 45, 67, 89], the second set is [12, 34, 56, 78], ..." gives
`"numbers": [23, 45, 67, 89, 12, 34, 56, 78, 65, 43, 21, 87, 65, ...]`, run on to the token
limit. Every element up to the written list's end is the user's, in order; what follows is not
one list the user wrote.

`written_lists(calls, text)`: a list argument whose value begins with every element of a list
written in brackets in the text, of numbers the text enumerates ("floors 1, 2, 3, and 4"
drafted `[1, 2, 3, 4, 5, 6, 7, 8]`), or of numbers it writes in parentheses, commas between
("group1 (e.g., 12.4, 15.6, 11.2, 18.9)"; a point with letters, "(33.4484 N, 112.0740 W)",
and commas of thousands, "(1,500, 2,250)", are none), two elements at least, and holds more
after them, is cut to the written list's length (the longest written list it begins with).
The model's own elements are kept as it typed them.

It also stops inside an element: "group2 (e.g., 10.5, 9.8, 15.2, 13.8)" gives `[10.5, 9.8,
15.2, 1]`, the last number copied as far as its first digit. A list whose elements but the
last are a written list's first ones, and whose last number's digits (and sign) begin the
written list's next element, takes that element for its last, when one written list reads
so.

It also starts late: "cash flows: [-50000, 10000, 15000, 20000, 25000, 30000]" gives
`[10000, 15000, 20000, 25000, 30000]`, the negative first element skipped. A list argument that
is the end of a written list (more than half of it, in order, nothing else: "the last two" of
six is no late start) becomes the whole written list, when one written list ends so; the
elements it skipped are written as the user wrote them (a whole number as an integer). A list
equal to a written one, or one that neither begins nor ends with one, stays as it is.

An empty list the model closed at once ("a 2x2 contingency table [ [10, 20], [30, 40] ]"
drafted `"table": []`) is the list the user wrote in brackets, when the text writes exactly
one outside any other and it reads as JSON data (parsed with `json`, never evaluated; "[1,
2]", "[[10, 20], [30, 40]]", "[\"a\", \"b\"]"), with elements.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lamagent.gate.items import (
    BRACKETED,
    list_elements,
    number_value,
    same_element,
    value_lists,
)
from lamagent.gate.reshape import reshaped_calls
from lamagent.messages import ToolCall

__all__ = ["written_lists"]

_BRACKETED = re.compile(BRACKETED)
_NUMBER_TEXT = r"-?\$?\d+(?:\.\d+)?"
#: Numbers in parentheses, commas between, after an optional "e.g.," or "i.e.,".
_PARENTHESIZED = re.compile(
    rf"\((?:\s*(?:e\.g\.|i\.e\.|eg|ie)[,:]?)?\s*({_NUMBER_TEXT}(?:\s*,\s*(?:and\s+)?{_NUMBER_TEXT})+)\s*\)",
    re.IGNORECASE,
)
_AND = re.compile(r"\s*,\s*(?:and\s+)?")
_GROUP = re.compile(r"0\d")


def written_lists(calls: Sequence[ToolCall], text: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each list that ran on past a written list cut back to it and each that is
    a written list's end made whole, and a note per list changed ("calculate_average.numbers:
    52 elements as the 4 written")."""
    lists = [*_top_level_lists(text), *_enumerated(text), *_parenthesized(text)]
    written = [e for e in lists if len(e) >= 2]
    whole = _one_written_list(text)
    if not written and whole is None:
        return list(calls), []

    def cut(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if not isinstance(value, list):
            return None
        if not value:
            return None if whole is None else (whole, f"[] as {whole!r}, the list written")
        begun = [
            len(elements)
            for elements in written
            if len(elements) < len(value)
            and all(same_element(v, e) for v, e in zip(value, elements, strict=False))
        ]
        if begun:
            return value[: max(begun)], f"{len(value)} elements as the {max(begun)} written"
        return _whole(value, written) or _cut_short(value, written)

    return reshaped_calls(calls, cut)


def _whole(value: list[Any], written: Sequence[list[Decimal | str]]) -> tuple[Any, str] | None:
    """The written list `value` is the end of (more than half of it), whole, when one
    written list ends so; the model's elements kept as it typed them."""
    ends = [
        elements
        for elements in written
        if len(elements) / 2 < len(value) < len(elements)
        and all(same_element(v, e) for v, e in zip(value, elements[-len(value) :], strict=True))
    ]
    if len({tuple(elements) for elements in ends}) != 1:
        return None
    head = [_as_typed(e) for e in ends[0][: len(ends[0]) - len(value)]]
    return [*head, *value], f"{len(value)} elements as the {len(ends[0])} written, from the first"


def _digits(number: Decimal) -> str:
    return format(number, "f").lstrip("-")


def _cut_short(value: list[Any], written: Sequence[list[Decimal | str]]) -> tuple[Any, str] | None:
    """`value` with its last element as the written one it began copying, when its other
    elements are a written list's first ones and the last's digits begin the next written
    element's ("[10.5, 9.8, 15.2, 1]" of "10.5, 9.8, 15.2, 13.8"), in one written list only."""
    if len(value) < 2 or isinstance(value[-1], bool) or not isinstance(value[-1], (int, float)):
        return None
    last = Decimal(str(value[-1]))
    mended: set[Decimal] = set()
    for elements in written:
        if len(elements) < len(value) or not all(
            same_element(v, e) for v, e in zip(value[:-1], elements, strict=False)
        ):
            continue
        begun = elements[len(value) - 1]
        if (
            isinstance(begun, Decimal)
            and begun != last
            and (begun < 0) == (last < 0)
            and _digits(begun).startswith(_digits(last))
        ):
            mended.add(begun)
    if len(mended) != 1:
        return None
    [whole] = mended
    typed = _as_typed(whole)
    return [*value[:-1], typed], f"its last element {value[-1]!r} as {typed!r}, as written"


def _parenthesized(text: str) -> list[list[Decimal | str]]:
    """The numbers of each list the text writes in parentheses, commas between ("group1
    (e.g., 12.4, 15.6, 11.2, 18.9)": a lead "e.g." or "i.e." aside); a point with letters
    ("(33.4484 N, 112.0740 W)") is none."""
    found: list[list[Decimal | str]] = []
    for match in _PARENTHESIZED.finditer(text):
        listed = match.group(1)
        if len({" " in between for between in _AND.findall(listed)}) > 1:
            continue  # "1,000, 2,000": commas of thousands and of a list
        parts = _AND.split(listed)
        if any(_GROUP.match(part.lstrip("-$")) for part in parts[1:]):
            continue  # "1,000,2,000": a group of thousands is no number of its own
        numbers = [number_value(part) for part in parts]
        if len(numbers) >= 2 and None not in numbers:
            found.append([n for n in numbers if n is not None])
    return found


def _one_written_list(text: str) -> list[Any] | None:
    """The list the text writes in brackets outside any other, when it writes one, and it
    reads as JSON data with elements; else None."""
    spans: list[str] = []
    depth = 0
    start = 0
    for at, char in enumerate(text):
        if char == "[":
            start = at if depth == 0 else start
            depth += 1
        elif char == "]" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start : at + 1])
    if len(spans) != 1 or depth:
        return None
    try:
        parsed = json.loads(spans[0])
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, list) and parsed else None


def _as_typed(element: Decimal | str) -> Any:
    """A written element as a call writes it: a whole number as an int, a number as a float,
    text as it is."""
    if isinstance(element, Decimal):
        return int(element) if element == element.to_integral_value() else float(element)
    return element


def _enumerated(text: str) -> list[list[Decimal | str]]:
    """The numbers of each enumeration the text writes without brackets ("floors 1, 2, 3,
    and 4": `lamagent.gate.items.value_lists`)."""
    found: list[list[Decimal | str]] = []
    for listed in value_lists(text):
        if listed.kind != "number":
            continue
        numbers = [number_value(item) for item in listed.items]
        found.append([n for n in numbers if n is not None])
    return found


def _top_level_lists(text: str) -> list[list[Decimal | str]]:
    """The elements of each list written in brackets at the text's top level, not a row of a
    list around it ("[[1, 2], [3, 4]]": the rows are no lists a value ran on past); one pass
    over the text."""
    found: list[list[Decimal | str]] = []
    depth = 0
    read = 0
    for match in _BRACKETED.finditer(text):
        between = text[read : match.start()]
        depth += between.count("[") - between.count("]")
        read = match.start()
        if depth <= 0:
            found.append(list_elements(match.group()))
    return found
