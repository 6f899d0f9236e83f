"""A place the user named, and the parameter that takes a place.

Users say where: "prior felony convictions in California", "the sculptures of Michelangelo
with material Marble in Rome, Italy", "emissions I would save ... in California". A small
model under a call grammar writes the required arguments and closes the call; the tool's
optional `state`, `location` or `region` is left out, and the tool searches everywhere. The
words of the request say nothing about the parameter's name or description ("convictions"
is no "state"); what asks for it is the kind of thing the user wrote: a place.

- `said_places(query)`: the names the user wrote after "in" or "near", a run of capitalised
  words and, after a comma, another ("Rome, Italy", "San Francisco, California"); not a
  month or a day of the week ("in March", "in Monday's game"), nor one word that names a
  language or a people ("in Chinese", "in English", "in Italian").
- `place_parameters(tool)`: the string parameters whose name is a kind of place (`location`,
  `city`, `state`, `region`, `county`, `country`, `province`, `place`, `town`, `area`,
  `address`, `venue`, `locale`, and names made of those: `city_name`, `search_location`).
- `untaken_places(query, values)`: the places of the query that no value of the call holds
  (case aside), nor holds a part of ("Rome" of "Rome, Italy").

`lamagent.gate.mentions` asks for a place parameter the call left out when the user named a
place no argument took and the tool has exactly one such parameter left out: with a city, a
state and a country all left out, which of them the place is for is the model's call, and
asking for all three would have it invent two. Where the user named one such place, the
grammar narrows the parameter to it (asked for a place it was not shown, the embedded model
wrote ""); with two, the model writes the value, under the copy bias when on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from lamagent.gate.dates import DAY_NAMES, MONTH_NAMES
from lamagent.gate.reshape import tool_properties
from lamagent.gate.signals import content_words

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["place_parameters", "said_places", "untaken_places"]

#: The stems of the words a parameter's name uses for a kind of place.
PLACE_WORDS = frozenset(
    content_words(
        "location city state region county country province place town area address venue locale"
    )
)
#: Words that are no place, capitalised as they are: months and days of the week.
_NOT_PLACES = MONTH_NAMES | DAY_NAMES
#: A possessive's "'s" ("in Monday's game").
_POSSESSIVE = re.compile(r"'s$")
_WORD = r"[A-Z](?:[\w'&-]|\.(?=\w))*"  # "D.C", "O'Hare"; not a sentence's full stop
_NAME = rf"{_WORD}(?:\s+(?:of\s+|de\s+|la\s+)?{_WORD})*"
#: A language or a people, capitalised as a place is ("in Chinese", "in English").
_LANGUAGE = re.compile(r"^[A-Z][a-z]+(?:ese|ish|ian)$")
#: A place: "in" or "near", then capitalised words, and after a comma more of them.
_PLACE = re.compile(rf"\b(?:in|near)\s+(?P<place>{_NAME}(?:,\s*{_NAME})?)")


def said_places(query: str) -> list[str]:
    """The places the user named after "in" or "near" (see the module's docstring)."""
    places: list[str] = []
    for match in _PLACE.finditer(query):
        place = match.group("place")
        first = _POSSESSIVE.sub("", place.split()[0].lower())
        if first in _NOT_PLACES or _LANGUAGE.match(place):
            continue
        places.append(place)
    return places


def place_parameters(tool: Tool) -> list[str]:
    """The string parameters of `tool` whose name is a kind of place."""
    props = tool_properties(tool)
    found: list[str] = []
    for name, spec in props.items():
        if not isinstance(spec, Mapping) or spec.get("type", "string") != "string":
            continue
        if content_words(name) & PLACE_WORDS:
            found.append(name)
    return found


def untaken_places(query: str, values: Iterable[Any]) -> list[str]:
    """The places of `query` no string of `values` holds, or holds a part of."""
    held = [v.casefold() for v in values if isinstance(v, str)]
    untaken: list[str] = []
    for place in said_places(query):
        parts = [p.strip().casefold() for p in place.split(",")]
        if not any(part in value for part in parts for value in held):
            untaken.append(place)
    return untaken
