"""A name nobody wrote, where the user wrote a name of its parameter's kind: "Premier League".

Asked for "the ranking of Manchester United in Premier League", the embedded model copies the
team and makes up the league: `"league": "Ligue 1"`, or "League of Nations". The parameter
says what kind of thing its value is (`lamagent.gate.kinds.parameter_kind`: "league"), and the
user wrote one name of that kind, the kind capitalised as the last word of a name: that name is
the value.

`kind_names(calls, tools, query, sources)`: an open string argument (no enum, const or
pattern) whose words, the kind and function words aside, are none of the conversation's
(`sources`: "ligue" and "1", "nations") becomes the name the request (`query`) writes with the
kind: the kind capitalised ("League", "Hotel") after one to `MAX_NAME_WORDS` capitalised words
("Premier", "the Plaza Hotel" gives "Plaza Hotel"), when the request writes exactly one such
name and no other argument of the call holds it. Left alone:

- a value with a word of the conversation's (a name the model began copying and made up is
  `lamagent.gate.mangled`'s; one the user wrote is the user's);
- a kind the user wrote in lower case ("a luxury hotel" names none), or alone;
- two names of the kind ("Premier League or La Liga League"): which one is the model's to say.

Nothing is generated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.kinds import parameter_kind
from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import STOPWORDS, holds_in_a_row, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_NAME_WORDS", "kind_names"]

#: Most capitalised words before the kind read as its name ("Manchester United Football Club").
MAX_NAME_WORDS = 4
_TOKEN = re.compile(r"[^\W_][\w'&.-]*")


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def _opens_sentence(query: str, spans: Sequence[tuple[int, int, str]], at: int) -> bool:
    """Whether the token at `at` is the first of a sentence: the request's first, or after
    a ".", "?" or "!" (not the dots of "U.S.")."""
    if at == 0:
        return True
    _, end, previous = spans[at - 1]
    return any(mark in query[end : spans[at][0]] for mark in "?!") or _closes_sentence(previous)


def _closes_sentence(token: str) -> bool:
    """Whether `token` ends a sentence: "Paris." does, "U.S." need not."""
    return token.endswith(".") and token.count(".") == 1


@functools.lru_cache(maxsize=32)
def _named_of_kind(query: str, kind: str) -> tuple[str, ...]:
    """The names the request writes ending with the kind, capitalised ("Premier League"),
    each once, in the request's order."""
    found: dict[str, str] = {}
    spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(query)]
    for at, (_, _, token) in enumerate(spans):
        if not _capitalised(token) or stem(token.rstrip(".").lower()) != kind:
            continue
        start = at
        while start > 0 and at - start < MAX_NAME_WORDS:
            _, end, before = spans[start - 1]
            if not _capitalised(before) or query[end : spans[start][0]].strip():
                break  # a lower-case word, or a mark between: the name begins after it
            if _closes_sentence(before):
                break
            if _opens_sentence(query, spans, start - 1):
                break  # capitalised as the first word of a sentence, not as a name
            start -= 1
        while start < at and spans[start][2].lower() in STOPWORDS:
            start += 1  # "The Plaza Hotel": the article is no part of the name
        if start == at:
            continue  # the kind alone names nothing ("Hotel" at a sentence's start)
        name = query[spans[start][0] : spans[at][1]].rstrip(".")
        found.setdefault(name.casefold(), name)
    return tuple(found.values())


def kind_names(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str, sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value nobody wrote taking the one name of its parameter's kind the
    request writes (see the module's docstring), and a note per value changed
    ("sports_ranking.league: 'Ligue 1' is written nowhere, as 'Premier League', the name of
    its kind the user wrote")."""
    schemas = tool_schemas(tools)
    written: set[str] | None = None

    def named(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        nonlocal written
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(spec, Mapping) or not open_string(spec):
            return None
        kind = parameter_kind(name, call.name)
        if kind is None:
            return None
        own = [w for w in words(value) if w not in STOPWORDS and stem(w) != kind]
        if not own:
            return None
        if written is None:
            written = {w for text in sources for w in words(text)}
        if any(w in written for w in own):
            return None
        names = _named_of_kind(query, kind)
        if len(names) != 1:
            return None
        [taken] = names
        held = [words(v) for k, v in call.arguments.items() if k != name and isinstance(v, str)]
        spelled = words(taken)
        if any(holds_in_a_row(other, spelled) for other in held):
            return None
        note = f"{value!r} is written nowhere, as {taken!r}, the name of its kind the user wrote"
        return taken, note

    return reshaped_calls(calls, named)
