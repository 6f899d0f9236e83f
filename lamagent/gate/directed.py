"""Where from and where to, as the user wrote them: "from San Francisco to London".

A tool with a pair of parameters that say where something starts and where it ends
(`departure_location` and `destination_location`, `from_unit` and `to_unit`, `origin` and
`destination`, `start_date` and `end_date`) asks for the user's two values in the user's
direction. A small model often fills them the other way round: "Book a direct flight from San
Francisco to London" drafted as `{"departure_location": "London", "destination_location":
"San Francisco"}`, "Convert 5 miles to km" as `{"from_unit": "km", "to_unit": "miles"}`.

`directed_values(calls, query)`: two string arguments of one call whose names are the same but
for a word of direction, one of the start (from, source, origin, departure, start) and one of
the end (to, target, destination, arrival, end), swap their values when the user wrote them
the other way: the end's value, then "to", "into" or "in", then the start's value ("San
Francisco to London" where `destination_location` holds "San Francisco"; "60 mph in km/h"
where `from_unit` holds "km/h"), or "to" the start's value and then "from" the end's ("to
London from San Francisco"), each value in quotes or not ("from 'New York' to 'London'").
Left alone: values the user wrote both ways ("from Paris to Rome and back from Rome to
Paris"), values not written as the model wrote them (case aside), and a pair whose names
differ in more than the direction (`departure_city` and `destination_airport`). Nothing is
generated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from lamagent.gate.items import number_argument, number_arguments
from lamagent.gate.reshape import with_arguments
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

__all__ = ["PairReshape", "directed_values", "end_pairs", "reshaped_pairs"]

#: Words of a parameter's name that say it is where something starts, or ends.
_STARTS = frozenset({"from", "source", "src", "origin", "departure", "start", "starting"})
_ENDS = frozenset({"to", "target", "destination", "dest", "dst", "arrival", "end", "ending"})


def end_pairs(arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """The (start, end) pairs of arguments (strings or numbers) whose names differ only by
    the direction."""
    named = {
        name: words(name)
        for name, value in arguments.items()
        if (isinstance(value, str) and value.strip()) or number_argument(value) is not None
    }
    pairs: list[tuple[str, str]] = []
    for start, start_words in named.items():
        starts = [w for w in start_words if w in _STARTS]
        if len(starts) != 1:
            continue
        rest = [w for w in start_words if w != starts[0]]
        for end, end_words in named.items():
            ends = [w for w in end_words if w in _ENDS]
            if end != start and len(ends) == 1 and [w for w in end_words if w != ends[0]] == rest:
                pairs.append((start, end))
    return pairs


#: A quote mark the user may set a value in ("from 'New York' to 'London'").
_QUOTE = "[\"'\u2018\u2019\u201c\u201d`]?"


def _written(first: str, link: str, second: str, query: str, *, lead: str = "") -> bool:
    """Whether the query writes `lead`, `first`, a link word, then `second` (whole words,
    case aside, each value in quotes or not, "the" allowed after the link): the two values
    side by side, so "in" links them only where nothing else stands between ("60 mph in
    km/h", not "Boston in May to Rome")."""
    pattern = (
        rf"(?<!\w){lead}{_QUOTE}{re.escape(first.strip())}{_QUOTE}\s+(?:{link})\s+"
        rf"(?:the\s+)?{_QUOTE}{re.escape(second.strip())}(?!\w)"
    )
    return re.search(pattern, query, re.IGNORECASE) is not None


def _counted(value: str, numbers: set[Decimal], query: str) -> bool:
    """Whether the query writes one of the call's numbers right before `value` ("2
    pounds"): the unit of the amount, where a conversion starts."""
    texts = {format(n.normalize(), "f") for n in numbers}
    texts |= {f"{int(n):,}" for n in numbers if n == n.to_integral_value()}
    return any(
        re.search(
            rf"(?<![\w.]){re.escape(text)}\s+{re.escape(value.strip())}(?!\w)", query, re.IGNORECASE
        )
        for text in texts
    )


def _direction(start_value: str, end_value: str, query: str, numbers: set[Decimal]) -> int:
    """1 when the query writes the values in the call's direction, -1 the other way, 0 when
    neither or both."""
    along = (
        _written(start_value, "to|into|in", end_value, query)
        or _written(end_value, "from", start_value, query, lead=r"to\s+")
        or _counted(start_value, numbers, query)
    )
    against = (
        _written(end_value, "to|into|in", start_value, query)
        or _written(start_value, "from", end_value, query, lead=r"to\s+")
        or _counted(end_value, numbers, query)
    )
    return int(along) - int(against)


#: A pair rule: for the values of a start and an end and the numbers the call holds, the new
#: values and what the note says ("swapped, as the user wrote them"), or None.
PairReshape = Callable[[Any, Any, set[Decimal]], tuple[tuple[Any, Any], str] | None]


def reshaped_pairs(
    calls: Sequence[ToolCall], reshape: PairReshape
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each start-and-end pair `reshape` changes (the same calls, ids kept), and
    a note per pair ("tool.start, end: " and what `reshape` says)."""
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        arguments = dict(call.arguments)
        numbers = number_arguments(arguments)
        for start, end in end_pairs(arguments):
            found = reshape(arguments[start], arguments[end], numbers)
            if found is None:
                continue
            (arguments[start], arguments[end]), note = found
            notes.append(f"{call.name}.{start}, {end}: {note}")
        out.append(with_arguments(call, arguments))
    return out, notes


def directed_values(calls: Sequence[ToolCall], query: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each start-and-end pair the model filled the other way round swapped (see
    the module's docstring), and a note per pair ("flight.book.departure_location,
    destination_location: swapped, as the user wrote them")."""

    def swapped(start: Any, end: Any, numbers: set[Decimal]) -> tuple[tuple[Any, Any], str] | None:
        if not (isinstance(start, str) and isinstance(end, str)):
            return None
        if start.strip().casefold() == end.strip().casefold():
            return None
        if _direction(start, end, query, numbers) >= 0:
            return None
        return (end, start), "swapped, as the user wrote them"

    return reshaped_pairs(calls, swapped)
