"""A value the user wrote right before its parameter's name, where the model wrote the slot.

Users often put a value before the word that says what it is: "the user table", "a hill
slope", "theft crimes", "a progression in C key", "the personal_data table". A small model
under a call grammar that must write the parameter (it is required) and does not see the value
after the name writes the slot instead: `"table": "user_table"`, `"slope_type": "slope_type_1"`,
`"crime_type": "theft_crime_type_2020"`, `"key": "key"`.

`named_before(calls, tools, query)`: a required string argument (no enum, pattern or const)
whose value is a placeholder (`lamagent.gate.placeholders.is_placeholder`) that the user did
not write takes the word the user wrote right before a word of the parameter's name ("slope"
of `slope_type`, "crimes" of `crime_type`; not the words that only say what a name is:
"type", "name", "id", ...), with the capitalised words before it for a name ("the Santa Clara
county"), when every place the user wrote the name's word gives the same value. A name of
such words only (`type`) is read by the word its description writes before it ("The
personality type.": "ENFJ personality type" gives "ENFJ"). Left alone:
an optional argument (the placeholder rule leaves it out), a value of the user's, a word
before the name that is a function word, a number or a word of the parameter's own name
("the slope type"), and two different words before the name. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.placeholders import is_placeholder
from lamagent.gate.reshape import open_string, reshaped_calls, tool_properties
from lamagent.gate.signals import GENERIC_NAME_WORDS, STOPWORDS, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["named_before"]

#: A word as the user wrote it: letters, digits, "_" and "-" inside ("personal_data").
_WORD = re.compile(r"[^\W_](?:[\w-]*[^\W_])?")
#: How many letters two stems of one word may differ by at their end, the shorter at least
#: `_MIN_STEM` long.
_ENDING = 2
_MIN_STEM = 3
#: How many capitalised words before the name a value may hold ("Santa Clara").
_MAX_NAME_WORDS = 3


def _same_word(written: str, anchors: set[str]) -> bool:
    """Whether a word of the query (its stem) is one of the name's words (stems), an ending
    aside ("crimes" is "crime": the stems "crim" and "crime")."""
    return any(
        written == a
        or (
            len(written) >= _MIN_STEM
            and (a.startswith(written) or written.startswith(a))
            and abs(len(written) - len(a)) <= _ENDING
        )
        for a in anchors
    )


def _before(query: str, anchors: set[str], own: set[str]) -> set[str]:
    """The values written right before each word of `query` that is one of `anchors`."""
    found = list(_WORD.finditer(query))
    values: set[str] = set()
    for at, match in enumerate(found):
        if at == 0 or not _same_word(stem(match.group().lower()), anchors):
            continue
        if query[found[at - 1].end() : match.start()].strip():
            values.add("")  # a mark between: no value right before
            continue
        start = at - 1
        word = found[start].group()
        if word.lower() in STOPWORDS or word.isdigit() or _same_word(stem(word.lower()), own):
            values.add("")
            continue
        while (
            word[:1].isupper()
            and start > 0
            and at - start < _MAX_NAME_WORDS
            and found[start - 1].group()[:1].isupper()
            and not query[found[start - 1].end() : found[start].start()].strip()
            and found[start - 1].group().lower() not in STOPWORDS
        ):
            start -= 1
        values.add(query[found[start].start() : found[at - 1].end()])
    return values


def _described_kind(spec: Mapping[str, Any], own: set[str]) -> set[str]:
    """For a name of generic words only (`type`, `name`), the word its description writes
    right before one of them ("The personality type." gives "personality"), stemmed."""
    description = spec.get("description")
    if not isinstance(description, str):
        return set()
    said = words(description)
    return {
        stem(said[i - 1])
        for i in range(1, len(said))
        if stem(said[i]) in own
        and said[i - 1] not in STOPWORDS
        and stem(said[i - 1]) not in GENERIC_NAME_WORDS
        and not said[i - 1].isdigit()
    }


def named_before(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each required placeholder argument as the value the user wrote right
    before its parameter's name, and a note per value changed."""
    by_name = {tool.name: tool for tool in tools}
    written = query.lower()

    def before(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        tool = by_name.get(call.name)
        if tool is None or not isinstance(value, str):
            return None
        if value.lower() in written and value.lower() != name.lower():
            return None  # the user wrote it: data (but the name itself: "in C key")
        spec = tool_properties(tool).get(name)
        required = tool.parameters.get("required") or ()
        if name not in required or not open_string(spec) or not isinstance(spec, Mapping):
            return None
        if not is_placeholder(value, name, spec):
            return None
        own = {stem(w) for w in words(name)}
        anchors = (own - GENERIC_NAME_WORDS) or _described_kind(spec, own)
        values = _before(query, anchors, own) if anchors else set()
        if len(values) != 1 or "" in values:
            return None
        (found,) = values
        return found, f"{value!r} as {found!r}, written before the parameter's name"

    return reshaped_calls(calls, before)
