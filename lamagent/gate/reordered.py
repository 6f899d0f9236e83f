"""A name the model wrote in its own order: the name as the user wrote it.

Copying a name of two words or more, a small model sometimes writes the words in the order its
own training prefers, with function words between: "the Louvre Museum" becomes "Museum of the
Louvre", "John Smith" becomes "Smith, John". The user's order is the name.

`reordered_names(calls, tools, query)`: a string argument (no enum, const or pattern) whose
words, function words aside (`STOPWORDS`: "of", "the", ...), are two to `MAX_NAME_WORDS`, all
letters (numbers in another order are a date's other form: "2024-03-12" of "12/03/2024"),
and are the words of one stretch of the user's request in another order (each word once,
case aside, no mark between them that ends a clause), takes that stretch as the user wrote
it, when exactly one stretch is so and the request does not write the value's own words in a
row. Left alone: a value in the user's order with a word added ("the Plaza Hotel" for "Plaza
Hotel"), words the user wrote with others between ("cheese and pasta" of "pasta, cheese"),
and a value the user wrote as well. Nothing is generated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_properties
from lamagent.gate.signals import STOPWORDS
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_NAME_WORDS", "reordered_names"]

#: The most words (function words aside) of a name read in another order.
MAX_NAME_WORDS = 8

_WORD = re.compile(r"[A-Za-z]+|[0-9]+")
#: Marks that end a clause: no name runs across them.
_CLAUSE_MARK = re.compile(r"[,;:!?()\[\]{}\"“”]|\.\s")


def _keys(text: str) -> list[str]:
    """The words of `text`, lower case (runs of letters, runs of digits)."""
    return [match.group().lower() for match in _WORD.finditer(text)]


@functools.lru_cache(maxsize=32)
def _stretches(query: str, size: int) -> dict[tuple[str, ...], dict[str, str]]:
    """The stretches of `size` words of `query` within a clause, by their words (lower case,
    sorted): each stretch's text, by its text case-folded. One pass per query and size."""
    found = list(_WORD.finditer(query))
    stretches: dict[tuple[str, ...], dict[str, str]] = {}
    for i in range(len(found) - size + 1):
        text = query[found[i].start() : found[i + size - 1].end()]
        if not _CLAUSE_MARK.search(text):
            keys = tuple(sorted(m.group().lower() for m in found[i : i + size]))
            stretches.setdefault(keys, {})[text.casefold()] = text
    return stretches


def _written(words: list[str], query: str) -> list[str]:
    """The stretches of `query` (within a clause) whose words are `words`, in any order."""
    if not words:
        return []
    return list(_stretches(query, len(words)).get(tuple(sorted(words)), {}).values())


def _user_order(value: str, query: str) -> str | None:
    """The stretch of `query` that writes `value`'s words in another order (see the module's
    docstring), or None."""
    said = _keys(value)
    content = [w for w in said if w not in STOPWORDS]
    if not 2 <= len(content) <= MAX_NAME_WORDS or not all(w.isalpha() for w in content):
        return None  # numbers in another order are another form ("2024-03-12", "12/03/2024")
    matches = [text for text in _written(content, query) if _keys(text) != content]
    if len(matches) != 1 or any(_keys(text) == said for text in _written(said, query)):
        return None  # none or two; or the user wrote the value too
    return matches[0]


def reordered_names(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each name the model wrote in another order than the user as the user
    wrote it (see the module's docstring), and a note per value changed ("museum.name:
    'Museum of the Louvre' as 'Louvre Museum', the user's order")."""
    by_name = {tool.name: tool for tool in tools}

    def as_written(call: ToolCall, argument: str, value: Any) -> tuple[Any, str] | None:
        tool = by_name.get(call.name)
        spec = tool_properties(tool).get(argument) if tool is not None else None
        if not (isinstance(value, str) and isinstance(spec, Mapping) and open_string(spec)):
            return None
        ordered = _user_order(value, query)
        if ordered is None:
            return None
        return ordered, f"{value!r} as {ordered!r}, the user's order"

    return reshaped_calls(calls, as_written)
