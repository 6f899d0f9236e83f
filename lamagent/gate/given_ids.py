"""The identifier the user gave after an identifier's word, in an argument left without it.

Users hand over identifiers right after a word that says what they are: "the user with ID
U123456", "the DNA molecule with id `DNA123`", "building Id B1004", "event number 456123",
"docket numbered 2022/AL2562". A small model under a call grammar writes the parameter's slot
instead of the value (`"user_id": "{user_id}"`, `"building_id": "{{building_id}}}"`),
nothing (`"DNA_id": ""`), or the value inside the parameter's words (`"event_identifier":
"event_456123"`).

`given_ids(calls, tools, query)`: a string argument of an identifier's parameter (a word of its
name is one of `ID_WORDS`: `user_id`, `event_identifier`, `docket_number`, `zip_code`) whose
value holds nothing of the user's (it is empty, a placeholder as
`lamagent.gate.placeholders.is_placeholder` reads one, or the user's identifier with words of
the parameter's name around it) takes the identifier the user wrote after an identifier's word
("ID", "number", "No.", "#", "code", "numbered"; "is", ":" or "=" between, quoted or not): a
token with a digit in it ("#123" of "my order ID is #123" keeps its "#"), when the user gave
exactly one such identifier and no argument of the call holds it, and the word before the
identifier's word does not name another parameter of the tool instead ("order number 12345"
is no `user_id`'s beside an `order_id`). Left alone: a value that holds anything else, a
parameter of another type or with an enum, a pattern or a const, two identifiers given (which
one is it?) or none. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lamagent.gate.placeholders import is_placeholder
from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["ID_WORDS", "SaidId", "given_ids", "said_ids"]

#: Words that say a value is an identifier, in a parameter's name or before the user's value.
ID_WORDS = frozenset(
    {"id", "ids", "identifier", "uuid", "guid", "number", "no", "num", "code", "docket", "key"}
)
#: The words before an identifier the user gives ("no" only as "No."; "no 2nd floor" is none).
_SAID_WORDS = sorted((ID_WORDS - {"no"}) | {"numbered"})
_SAID = re.compile(
    r"(?<!\w)(?:(?:" + "|".join(_SAID_WORDS) + r")\.?|no\.|#)"
    r"(?:\s*(?:is|:|=|#)\s*|\s+|(?<=#))"
    r"[\"'`“‘]?(?P<id>#?(?=[\w./\\-]*\d)[A-Za-z0-9](?:[\w./\\-]*\w)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SaidId:
    """An identifier the user gave, and the word before its identifier's word ("order" of
    "order number 12345"; "" for none)."""

    value: str
    kind: str


#: The word before an identifier's word, and how far back it is read.
_KIND = re.compile(r"(?<![A-Za-z])([A-Za-z]+)\s+$")
_KIND_REACH = 40


def said_ids(query: str) -> list[SaidId]:
    """The identifiers `query` gives after an identifier's word, in order (each has a
    digit)."""
    return [SaidId(m["id"], _kind(query, m.start())) for m in _SAID.finditer(query)]


def _kind(query: str, at: int) -> str:
    """The word right before offset `at` (a space between), lower case; "" for none. Only
    the last `_KIND_REACH` characters are read."""
    before = _KIND.search(query[max(0, at - _KIND_REACH) : at])
    return before.group(1).lower() if before else ""


def _for_another(said: SaidId, name: str, others: Sequence[str]) -> bool:
    """Whether the word before the identifier's word names another parameter of the tool and
    not `name` ("order number 12345" is no `user_id`'s where there is an `order_id`)."""
    if not said.kind:
        return False
    kind = stem(said.kind)
    if kind in {stem(w) for w in words(name)}:
        return False
    return any(kind in {stem(w) for w in words(other)} for other in others)


def _of_an_id(name: str, schema: Any) -> bool:
    """A string parameter the schema leaves open (`open_string`), named for an identifier."""
    return open_string(schema) and any(word in ID_WORDS for word in words(name))


def _holds_nothing(value: str, name: str, schema: Mapping[str, Any], given: str) -> bool:
    """Whether `value` holds nothing of the user's: empty, a placeholder, or `given` inside
    words of the parameter's name ("event_456123" of `event_identifier`)."""
    if not value.strip() or is_placeholder(value, name, schema):
        return True
    if value == given or given not in value:
        return False
    rest = set(words(value.replace(given, " ")))
    return bool(rest) and rest <= set(words(name))


def given_ids(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each identifier argument that holds nothing of the user's as the one
    identifier the user gave, and a note per value changed."""
    given = said_ids(query)
    if not given:
        return list(calls), []
    schemas = tool_schemas(tools)

    def as_given(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        schema = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(schema, Mapping):
            return None
        if not _of_an_id(name, schema):
            return None
        held = {v for v in call.arguments.values() if isinstance(v, str)}
        others = [str(n) for n in schemas.get(call.name, {}) if n != name]
        free = {g.value for g in given if g.value not in held and not _for_another(g, name, others)}
        if len(free) != 1:
            return None
        (one,) = free
        if not _holds_nothing(value, name, schema, one):
            return None
        return one, f"{value!r} as {one!r}, the identifier the user gave"

    return reshaped_calls(calls, as_given)
