"""Where a value a model writes ends in a loop: one round written over and over.

A small model writing a value can fall into degenerate repetition and go round until the token
limit. Two parts of lamagent read the same definition: the engines close such a value while
the model writes it (`lamagent.backends._engine.loop_watch`), and the call rules cut the
rounds out of the parsed call (`lamagent.gate.loops`).

A value *ends in a loop* when its end is one round written at least `MIN_ROUNDS` times in a
row (the first round of the run may start anywhere in the value; the last may be cut short),
and the run holds at least `MIN_LOOP_CHARS` characters of text or `MIN_LOOP_ELEMENTS`
elements of a list. A loop the sources (the user's messages, the tools' results) hold is
theirs, not the model's: text the sources hold, or a list whose round has an element the
sources write as often as the run goes round.

Finding the loop is linear in the value's length: a Z-function over the value read backwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Sequence
from typing import Any

__all__ = [
    "MIN_ANSWER_LOOP_CHARS",
    "MIN_LOOP_CHARS",
    "MIN_LOOP_ELEMENTS",
    "MIN_ROUNDS",
    "Loop",
    "answer_loop",
    "element_key",
    "list_loop",
    "loop_at_end",
    "text_loop",
]

#: Rounds in a row that make a loop: two are a value said twice, three are a model going round.
MIN_ROUNDS = 3
#: The shortest loop in text ("1. 1. 1. 1. 1. 1." is one; "www", "...", "0000" are not).
MIN_LOOP_CHARS = 16
#: The shortest loop in a text answer: prose, where a line of 16 dashes, a table's `|---|---|`
#: rule or a code block's indentation are written on purpose; and a round must hold a letter
#: or a digit.
MIN_ANSWER_LOOP_CHARS = 32
#: The shortest loop in a list: `[0, 0, 0]` or `[1, 2, 1, 2, 1, 2]` may be meant; a loop runs
#: on to the token limit (tens of elements in the embedded model's drafts).
MIN_LOOP_ELEMENTS = 8

#: (start, period): the run of rounds begins at `start`; a round is `period` items long.
Loop = tuple[int, int]


def _z_function(seq: Sequence[Hashable]) -> list[int]:
    """z[i]: the length of the longest common prefix of `seq` and `seq[i:]` (z[0] = len)."""
    n = len(seq)
    z = [0] * n
    if n:
        z[0] = n
    left = right = 0
    for i in range(1, n):
        if i < right:
            z[i] = min(right - i, z[i - left])
        while i + z[i] < n and seq[z[i]] == seq[i + z[i]]:
            z[i] += 1
        if i + z[i] > right:
            left, right = i, i + z[i]
    return z


def loop_at_end(seq: Sequence[Hashable], min_length: int) -> Loop | None:
    """The loop `seq` ends in (the shortest round whose run at the end holds `MIN_ROUNDS`
    rounds and `min_length` items), or None."""
    n = len(seq)
    z = _z_function(list(reversed(seq)))
    for period in range(1, n // MIN_ROUNDS + 1):
        run = period + z[period]
        if run >= MIN_ROUNDS * period and run >= min_length:
            return n - run, period
    return None


def _held(text: str, sources: Sequence[str]) -> bool:
    return any(text in source for source in sources)


def text_loop(text: str, sources: Sequence[str]) -> Loop | None:
    """The model's loop `text` ends in, or None (none, or the sources hold it)."""
    found = loop_at_end(text, MIN_LOOP_CHARS)
    if found is None or _held(text[found[0] :], sources):
        return None
    return found


def answer_loop(text: str, sources: Sequence[str]) -> Loop | None:
    """The model's loop a text answer ends in, or None: one round that holds a letter or a
    digit, written `MIN_ROUNDS` times in a row over at least `MIN_ANSWER_LOOP_CHARS`
    characters, that the sources do not hold ("which is 10^12, which is 10^12, which is
    10^12, ...")."""
    found = loop_at_end(text, MIN_ANSWER_LOOP_CHARS)
    if found is None:
        return None
    start, period = found
    if not any(ch.isalnum() for ch in text[start : start + period]):
        return None
    return None if _held(text[start:], sources) else found


def element_key(element: Any) -> str:
    """One list element as comparable text (JSON, keys sorted)."""
    return json.dumps(element, sort_keys=True, ensure_ascii=False, default=str)


def _written_times(element: Any, sources: Sequence[str]) -> int:
    """How often a source writes `element` standing on its own (its text, or its JSON)."""
    text = element if isinstance(element, str) else element_key(element)
    if not text:
        return 0
    pattern = re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")
    return max((len(pattern.findall(source)) for source in sources), default=0)


def list_loop(elements: Sequence[Any], sources: Sequence[str]) -> Loop | None:
    """The model's loop the list `elements` ends in, or None (none, or a source writes an
    element of its round as often as the run goes round)."""
    found = loop_at_end([element_key(e) for e in elements], MIN_LOOP_ELEMENTS)
    if found is None:
        return None
    start, period = found
    rounds = (len(elements) - start) // period
    if any(_written_times(e, sources) >= rounds for e in elements[start : start + period]):
        return None
    return found
