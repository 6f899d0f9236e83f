"""A value the model wrote in a loop, cut back to what it holds before the loop.

A small model writing a value can fall into degenerate repetition inside it and go round
until the token limit (or the backend's closing bias) ends the value: a body the user quoted
once becomes "Let's meet at 10 AM tomorrow. Let's meet at 10 AM tomorrow. Let's meet at 10",
seven scores `[85, 90, 88, 92, 86, 89, 91, 91, 91, ..., 91, 9]`, two fields
`["rating", "player count", "player count", "rating", "player count", "rating", ...]`, a
company "Apple Inc.}}}]  # 1. 1. 1. 1. ...". The rounds are nobody's value; what comes before
them, and the text the model copied, is.

A value *ends in a loop* as `lamagent.repetition` reads it: one round written at least three
times in a row at its end, 16 characters of text or 8 elements of a list at least, that the
sources (the user's messages, the tools' results) do not hold.

`looped_values(calls, sources)` cuts every value that ends in a loop, at any depth:

- text becomes the longest beginning of it that a source holds, when that beginning ends
  where a word does and holds one; else the text before the loop and one round of it;
- a list becomes its elements before the loop, then those of one round not among them; an
  element cut short by the end of the generation goes with the loop.

Nothing else changes. With `example_shapes` the engines also close such a value while the
model writes it (`lamagent.backends._engine.loop_watch`), so the rounds cut here are few.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lamagent.gate.reshape import reshaped_calls
from lamagent.messages import ToolCall
from lamagent.repetition import element_key, list_loop, text_loop

__all__ = ["looped_values"]

_WORD = re.compile(r"\w{2,}")
#: What a cut value does not end with: the separator before the next item ("New York,").
_SEPARATORS = ",;: "


def _copied_beginning(text: str, sources: Sequence[str]) -> str:
    """The longest beginning of `text` a source holds (a binary search: a beginning held
    means every shorter one is)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if any(text[:middle] in source for source in sources):
            low = middle
        else:
            high = middle - 1
    return text[:low]


def _cut_text(text: str, sources: Sequence[str]) -> tuple[str, str] | None:
    """The text a looped `text` is cut to and the note's words, or None (no loop, or the
    sources hold it)."""
    # a closing token may bring a space before the quote (' "'): no part of a round
    written = text.rstrip()
    found = text_loop(written, sources)
    if found is None:
        return None
    start, period = found
    copied = _copied_beginning(written, sources)
    ends_a_word = len(copied) == len(written) or not (
        copied[-1:].isalnum() and written[len(copied)].isalnum()
    )
    if ends_a_word and _WORD.search(copied):
        kept, how = copied.strip().rstrip(_SEPARATORS), "the text copied before a loop"
    else:
        kept, how = written[: start + period].rstrip().rstrip(_SEPARATORS), "one round of a loop"
    return kept, f"{len(text)} characters as {len(kept)}, {how}"


def _cut_short(element: Any, whole: Any) -> bool:
    """Whether `element` is the beginning of `whole`, ended by the generation's end (a number
    or text whose characters begin the other's)."""
    if isinstance(element, bool) or isinstance(whole, bool):
        return False
    if not isinstance(element, (str, int, float)) or type(element) is not type(whole):
        return False
    return str(whole).startswith(str(element)) and str(whole) != str(element)


def _cut_list(value: list[Any], sources: Sequence[str]) -> tuple[list[Any], str] | None:
    found = list_loop(value, sources)
    if found is None and len(value) > 1:
        # the generation may have ended inside the last element ("91, 91, 9]")
        found = list_loop(value[:-1], sources)
        if found is not None and not _cut_short(value[-1], value[-1 - found[1]]):
            found = None
    if found is None:
        return None
    start, period = found
    head = value[:start]
    kept = {element_key(e) for e in head}
    for element in value[start : start + period]:
        if element_key(element) not in kept:
            kept.add(element_key(element))
            head.append(element)
    return head, f"{len(value)} elements as {len(head)}, without a loop"


def _unlooped(value: Any, sources: Sequence[str]) -> tuple[Any, list[str]]:
    """`value` with every loop in it cut, and a note per cut."""
    if isinstance(value, str):
        cut = _cut_text(value, sources)
        return (value, []) if cut is None else (cut[0], [cut[1]])
    if isinstance(value, dict):
        notes: list[str] = []
        out: dict[str, Any] = {}
        for name, inner in value.items():
            out[name], inner_notes = _unlooped(inner, sources)
            notes.extend(inner_notes)
        return (out, notes) if notes else (value, [])
    if isinstance(value, list):
        notes = []
        elements: list[Any] = []
        for inner in value:
            element, inner_notes = _unlooped(inner, sources)
            elements.append(element)
            notes.extend(inner_notes)
        listed = _cut_list(elements, sources)
        if listed is not None:
            elements, note = listed
            notes.append(note)
        return (elements, notes) if notes else (value, [])
    return value, []


def looped_values(
    calls: Sequence[ToolCall], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with every value that ends in a loop cut back (module docstring), and a note
    per value cut ("send_email.body: the text copied before a loop")."""

    def cut(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        unlooped, notes = _unlooped(value, sources)
        return (unlooped, "; ".join(notes)) if notes else None

    return reshaped_calls(calls, cut)
