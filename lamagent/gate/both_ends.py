"""One value at both ends, both ends in one value, or one beside a value nobody wrote: a
where-from, where-to pair the model filled with one of the user's two values.

A small model drafting a pair of parameters that say where something starts and where it ends
(`start_location` and `end_location`, `from_unit` and `to_unit`, `start` and `end`: the pairs
of `lamagent.gate.directed`) often writes the same value at both ends ("How much traffic from
Las Vegas to Los Angeles" drafted as `{"start_location": "Las Vegas", "end_location": "Las
Vegas"}`; "How many feet is 10 meters?" as `{"from_unit": "meters", "to_unit": "meters"}`), or
the user's whole "A to B" at one end (`{"start": "New York to Los Angeles", "end": "Los Angeles
to Los Angeles"}` for "directions from New York to Los Angeles").

`filled_ends(calls, query)` reads the pair as the user wrote it, and only where the user wrote
one reading of it:

- the value, a link ("to", "into", "until", "till", "through"; "in" between lower-case words:
  "10 meters in feet") and a value of its shape after it ("Las Vegas to Los Angeles"; "from
  index 2 to index 5", the word both share skipped; "to the Louvre", "the" skipped before a
  name), or the same before it;
- for a call with a number the user wrote right before the value ("10 meters"): that value is
  where it starts, and "how many" names the end ("How many feet is 10 meters?"); the value
  after "how many" with another number's unit ("How many grams are in 2 pounds?") reads the
  other way;
- one end's value is a stretch of the query that holds a link ("New York to Los Angeles"):
  its two sides, when the other end holds one of them, the same, or words the user never
  wrote;
- one end's value is the user's, read across a link as above, and the other's is words the
  user never wrote ("from the Eiffel Tower to the Louvre Museum" drafted as
  `{"start_location": "Paris", "end_location": "Louvre Museum"}`): the reading, the
  user's value in its place (a number nobody wrote may have been worked out: "from 0 to 2
  pi" as 6.2832 stays).

A value's shape: a number, a run of capitalised words (digits allowed: "May 5"), or as many
lower-case words as the value has, none of them a stop word, within one clause. Nothing is
generated; `lamagent.gate.directed` then puts a pair the other way round in the user's
direction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lamagent.gate import signals
from lamagent.gate.directed import reshaped_pairs
from lamagent.gate.items import as_drafted, number_argument, number_value
from lamagent.gate.signals import STOPWORDS
from lamagent.messages import ToolCall

__all__ = ["filled_ends"]

#: Words that link where something starts to where it ends, written between the two.
_LINKS = frozenset({"to", "into", "until", "till", "through", "thru"})
#: A link between two lower-case values only ("10 meters in feet", never "Hotel in Paris").
_LOWER_LINK = "in"
#: The longest run of capitalised words read as one value ("Washington D.C.", "New York City").
_LONGEST_RUN = 4
_TOKEN = re.compile(r"\S+")
_EDGE = "\"'()[]{}<>,.;:!?“”‘’"
_CLOSING = re.compile(r"[,;:!?.)\]]['\"”’)]*$")


@dataclass(frozen=True)
class _Word:
    """A word of the query: as written (without the marks around it), case folded, and
    whether a mark that ends a clause follows it."""

    text: str
    key: str
    closes: bool


@lru_cache(maxsize=32)
def _words(text: str) -> tuple[_Word, ...]:
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        bare = token.strip(_EDGE)
        if bare:
            found.append(_Word(bare, bare.casefold(), _CLOSING.search(token) is not None))
    return tuple(found)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _shaped(value: str, words: Sequence[_Word], at: int, step: int) -> str | None:
    """The span shaped like `value` (see the module's docstring) that begins at `words[at]`
    and reads on in the direction `step` (1 forward, -1 backward), in the query's order."""
    if not 0 <= at < len(words):
        return None
    if number_value(value) is not None:
        return words[at].text if number_value(words[at].text) is not None else None
    wanted = value.split()
    capitalised = all(_capitalised(w) for w in wanted)
    taken: list[str] = []
    index = at
    while 0 <= index < len(words) and len(taken) < (_LONGEST_RUN if capitalised else len(wanted)):
        word = words[index]
        if step < 0 and taken and word.closes:
            break
        if capitalised != _capitalised(word.text) or (not capitalised and word.key in STOPWORDS):
            break
        taken.append(word.text)
        if step > 0 and word.closes:
            break
        index += step
    if not taken or (not capitalised and len(taken) < len(wanted)):
        return None
    return " ".join(taken if step > 0 else reversed(taken))


def _occurrences(value: str, words: Sequence[_Word]) -> list[tuple[int, int]]:
    """Where the query writes `value`, word for word (case aside): (first, past the last)."""
    keys = [w.strip(_EDGE).casefold() for w in value.split()]
    if not keys or not all(keys):
        return []
    size = len(keys)
    return [
        (i, i + size)
        for i in range(len(words) - size + 1)
        if [w.key for w in words[i : i + size]] == keys
        and not any(w.closes for w in words[i : i + size - 1])
    ]


def _lower(value: str) -> bool:
    return not any(_capitalised(w) for w in value.split())


def _linked(word: _Word, value: str) -> bool:
    return word.key in _LINKS or (_lower(value) and word.key == _LOWER_LINK)


def _article(word: _Word, value: str) -> bool:
    """Whether `word` is a "the" that may stand before a name shaped like `value` ("to the
    Louvre Museum"; never before a unit)."""
    return word.key == "the" and not _lower(value)


def _linked_readings(value: str, words: Sequence[_Word]) -> set[tuple[str, str]]:
    """(start, end) readings of the value and a value of its shape across a link."""
    readings = set()
    for first, past in _occurrences(value, words):
        # the value, the link, the other: "Las Vegas to Los Angeles", "index 2 to index 5"
        if past < len(words) and _linked(words[past], value):
            at = past + 1
            if at < len(words) and _article(words[at], value):
                at += 1
            if first > 0 and at < len(words) and words[at].key == words[first - 1].key:
                at += 1
            other = _shaped(value, words, at, 1)
            if other:
                readings.add((value, other))
        # the other, the link, the value: "from Boston to Paris"
        at = first - 1
        if at >= 0 and _article(words[at], value):
            at -= 1
        shared = None
        if at >= 1 and not _linked(words[at], value) and _linked(words[at - 1], value):
            shared, at = words[at].key, at - 1
        if at >= 1 and _linked(words[at], value):
            other = _shaped(value, words, at - 1, -1)
            if other and (shared is None or _before(other, at - 1, words) == shared):
                readings.add((other, value))
    return readings


def _before(span: str, last: int, words: Sequence[_Word]) -> str | None:
    """The case-folded word before `span`, which ends at `words[last]`."""
    first = last - len(span.split()) + 1
    return words[first - 1].key if first >= 1 else None


def _quantity_readings(
    value: str, words: Sequence[_Word], numbers: set[Decimal]
) -> set[tuple[str, str]]:
    """(start, end) readings of "how many" and a number the call holds, with its unit."""
    readings = set()
    how_many = [
        i + 2
        for i in range(len(words) - 2)
        if words[i].key == "how" and words[i + 1].key == "many" and not words[i + 1].closes
    ]
    counted = [
        i + 1
        for i, word in enumerate(words[:-1])
        if not word.closes and number_value(word.text) in numbers
    ]
    for first, _ in _occurrences(value, words):
        if first in counted:  # "10 meters": where it starts; "how many feet": where it ends
            readings |= {
                (value, other) for at in how_many if (other := _shaped(value, words, at, 1))
            }
        if first in how_many:  # "how many grams ... 2 pounds": the other way
            readings |= {
                (other, value) for at in counted if (other := _shaped(value, words, at, 1))
            }
    return readings


def _one_reading(readings: set[tuple[str, str]]) -> tuple[str, str] | None:
    distinct = {
        (start.casefold(), end.casefold()): (start, end)
        for start, end in readings
        if start.casefold() != end.casefold()
    }
    return next(iter(distinct.values())) if len(distinct) == 1 else None


def _stuffed_reading(start: str, end: str, words: Sequence[_Word]) -> tuple[str, str] | None:
    """The two sides of an end's value that is a stretch of the query holding a link,
    when the other end's value allows it (see the module's docstring)."""
    for held, other in ((start, end), (end, start)):
        parts = held.split()
        links = [i for i, part in enumerate(parts) if part.casefold() in _LINKS]
        if len(links) != 1 or links[0] in (0, len(parts) - 1) or not _occurrences(held, words):
            continue
        first, second = " ".join(parts[: links[0]]), " ".join(parts[links[0] + 1 :])
        sides = {first.casefold(), second.casefold(), held.casefold()}
        if other.casefold() in sides or not _occurrences(other, words):
            return first, second
    return None


def _unwritten(value: str, query: str) -> bool:
    """Whether `value` is words, none of which the user wrote (function words aside); a
    number nobody wrote may be one worked out ("2 pi" as 6.2832), and is no such value."""
    said = set(signals.words(query))
    content = [w for w in signals.words(value) if w not in STOPWORDS]
    return bool(content) and all(w.isalpha() and w not in said for w in content)


def _unwritten_end(
    start: str, end: str, words: Sequence[_Word], query: str
) -> tuple[str, str] | None:
    """The user's reading of the pair, where one end's value is the user's and the other's
    words the user never wrote (see the module's docstring)."""
    for held, other in ((start, end), (end, start)):
        if _unwritten(other, query):
            reading = _one_reading(_linked_readings(held, words))
            if reading is not None:  # the user's value, read across a link, is one side
                return reading
    return None


def filled_ends(calls: Sequence[ToolCall], query: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each where-from, where-to pair that holds one of the user's values at
    both ends, both in one, or one beside words the user never wrote, read as the user wrote
    it (see the module's docstring), and a note per pair ("traffic_estimate.start_location,
    end_location: read as the user wrote them, 'Las Vegas' to 'Los Angeles'")."""

    def read(start: Any, end: Any, numbers: set[Decimal]) -> tuple[tuple[Any, Any], str] | None:
        words = _words(query)
        start_value, end_value = _text(start), _text(end)
        if start_value.casefold() == end_value.casefold():
            readings = _linked_readings(start_value, words)
            readings |= _quantity_readings(start_value, words, numbers)
            reading = _one_reading(readings)
        else:
            reading = _stuffed_reading(start_value, end_value, words) or _unwritten_end(
                start_value, end_value, words, query
            )
        if reading is None:
            return None
        note = f"read as the user wrote them, {reading[0]!r} to {reading[1]!r}"
        return (as_drafted(start, reading[0]), as_drafted(end, reading[1])), note

    return reshaped_pairs(calls, read)


def _text(value: Any) -> str:
    number = number_argument(value)
    return format(number.normalize(), "f") if number is not None else str(value).strip()
