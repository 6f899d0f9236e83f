"""Tools the user's request names that no call used.

A request often asks for several tools' work by naming what each does: "What was the average
life expectancy in the USA in the year 1900 and 1950? Additionally, what was the GDP of the
USA in these years?" beside `us_history.life_expectancy` and `us_history.gdp`; "Get
temperature and humidity forecast for Boston, USA and precipitation forecast for Rome" beside
`weather_forecast_temperature`, `_humidity` and `_precipitation`. The embedded model under
the calls-only grammar calls the first tool and closes the list. Asked again on the same
request under the grammar of the tool it left out, it writes that tool's call.

`named_asks(calls, query, tools)` gives the tools the request asks for by name that no call
used:

- A tool's own words are the words of its name no other offered tool's name has, nor with
  another ending of up to three letters ("movie" of `get_movie_details` beside `get_movies`
  is shared; "invest" of `investment.invest` is its own beside `investment.withdraw`), that
  are no verb a user asks with ("get", "find", ...), no stop word and no word that only says
  what kind of thing it returns ("info", "details", "data"). `us_history.gdp` has "gdp";
  `weather_forecast_humidity` beside `weather_forecast_temperature` has "humidity".
- The request names a tool where it writes one of its own words, whole or with an ending
  ("stores" for `store_count`; not "MTNA" for `add_mtnards_server`).
- A tool no call used is asked for where the request names it in a clause
  (`lamagent.gate.joined.request_clauses`) that names no tool a call used ("Additionally,
  what was the GDP ..."), right after "and" or a comma ("temperature and humidity"), or in
  a piece of its own (below) that names no used tool and gives a value of its own: a number
  in digits, a name or a quoted string that names no tool (`written_names`): "Find me the
  sales growth rate for company XYZ for the last 3 years and also the interest coverage
  ratio ...". A word beside the used tool's own, not divided from it, mostly says what the
  asked one is for ("the fastest route ... for playing a chess championship" names
  `chess_club_details.find` beside `route_planner.calculate_route`; the user asked for the
  route), and a piece that gives no value what came before ("Now that the tank is
  completely filled, ..." beside `startEngine`).
- A request that names more than `MAX_NAMED` tools no call used describes the tools rather
  than asking for them (a persona prompt listing what each function does): none.
- The words that ask for a tool (`NamedAsk.ask`) are the piece of the clause that names it:
  a clause naming several tools divides between each two at the last "and", "then", comma
  or semicolon between their names.

`named_calls(drafted, text, calls)` keeps the calls drafted for a named tool that hold a
value of the text they were drafted on, write no number nobody wrote and no string the text
does not write (a date it writes in another form, or a default the parameter's description
states, is written), write no string in two arguments, none of their tool's name words and
none that names nothing (stop words only, a pronoun: "I'd", "I"), give no number the text
writes once to two arguments, and that no call makes already.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

from lamagent.gate.dates import value_dates, writes_date
from lamagent.gate.items import number_argument
from lamagent.gate.joined import ASK_VERBS, request_clauses
from lamagent.gate.mentions import said_numbers
from lamagent.gate.parts import part_calls
from lamagent.gate.reshape import stated_default, tool_properties
from lamagent.gate.sentences import string_values, written_numbers
from lamagent.gate.signals import STOPWORDS, leaves, stem, words
from lamagent.gate.written_names import written_names
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_NAMED", "NamedAsk", "ToolNames", "named_asks", "named_calls"]

#: More tools named that no call used than this, and the request describes the tools.
MAX_NAMED = 4
#: Words of a tool's name that say what kind of thing it returns, not which.
_KIND_TEXT = "info information details detail data result results value values type name id api "
_KIND_WORDS = frozenset((_KIND_TEXT + "tool function service default by").split())
#: The shortest name word that counts as the tool's own.
_MIN_WORD = 3
#: Words that name a person or a thing already named, no value ("I" of "I prefer a SUV").
_PRONOUNS_TEXT = "i me my you your we us our he him his she her it its they them"
_PRONOUNS = frozenset(_PRONOUNS_TEXT.split())
#: The most letters an ending may add to a name word ("stores", "supermarkets", "forecasts").
_MAX_ENDING = 3
#: "and", "&" or a comma, right before a word (or its article): one more thing listed.
_JOINED = re.compile(r"(?:\band|&|,)\s*(?:(?:the|a|an|its|their)\s+)?$", re.IGNORECASE)
#: Where a clause may divide between two tools it names (not at a comma inside a number:
#: "$300,000").
_CUT = re.compile(r"(?<!\d),|,(?!\d)|;|\b(?:and|then)\b", re.IGNORECASE)
#: How far before a word "and" or a comma is looked for (", and  " with spaces to spare).
_LOOK_BACK = 12
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def _name_words(name: str) -> set[str]:
    """The lower-case words of a tool's name, whole ("us_history.gdp", "scienceFacts.getWeight"):
    its own words compare endings, so they are not stemmed as `content_words` are."""
    return {w for w in words(name) if w.isalpha()}


@lru_cache(maxsize=32)
def _own_words(tool_names: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Each tool's own words (see the module's docstring), by tool name; read once per tool
    list (the same on every turn of a run)."""
    names = {name: _name_words(name) for name in tool_names}
    tools_of = Counter(word for said in names.values() for word in said)
    # the starts a few letters shorter than a word: "movie" of "movies"
    shortened = {word[:n] for word in tools_of for n in _shorter(word)}

    def alone(word: str) -> bool:  # one tool's, and no word is it with another ending
        if tools_of[word] > 1 or word in shortened:
            return False
        return not any(word[:n] in tools_of for n in _shorter(word))

    return {
        name: frozenset(
            word
            for word in said
            if len(word) >= _MIN_WORD
            and word not in STOPWORDS
            and word not in ASK_VERBS
            and word not in _KIND_WORDS
            and alone(word)
        )
        for name, said in names.items()
    }


def _shorter(word: str) -> range:
    """The lengths of the starts of `word` that are it without an ending of a few letters."""
    return range(max(_MIN_WORD, len(word) - _MAX_ENDING), len(word))


def _writes_any(text: str, pool: set[str]) -> bool:
    """Whether a word of `text` writes a word of `pool`, whole or with an ending."""
    said = (m.group().lower() for m in _WORD.finditer(text))
    return any(_says(w, word) for w in said for word in _starting(pool, w))


def _gives_values(piece: str, by_start: dict[str, list[tuple[str, str]]]) -> bool:
    """Whether `piece` writes a number in digits, or a name or quoted string that names no
    tool (`written_names`; "Google" of "Google Books" names `google.books_search`)."""
    if written_numbers(piece):
        return True
    return any(not _named_words(name, by_start) for name in written_names(piece))


def _says(said: str, word: str) -> bool:
    """Whether the request's word `said` writes the name word `word`, whole or with an
    ending of a few letters."""
    return said.startswith(word) and len(said) - len(word) <= _MAX_ENDING


def _starting(pool: set[str], word: str) -> list[str]:
    """The words of `pool` that `word` may write (those sharing its first letters)."""
    return [p for p in pool if p[:_MIN_WORD] == word[:_MIN_WORD]]


@lru_cache(maxsize=32)
def _by_start(tool_names: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """Every tool's own words with their tool's name, by their first letters (looked up per
    word of a request); read once per tool list."""
    by_start: dict[str, list[tuple[str, str]]] = {}
    for name, mine in _own_words(tool_names).items():
        for word in sorted(mine):
            by_start.setdefault(word[:_MIN_WORD], []).append((word, name))
    return by_start


def _named_words(
    clause: str, by_start: dict[str, list[tuple[str, str]]]
) -> list[tuple[int, int, str]]:
    """Each word of `clause` that writes a tool's own word (`by_start`, see `_by_start`): its
    start, end and the tool's name, in order."""
    return [
        (m.start(), m.end(), name)
        for m in _WORD.finditer(clause)
        for mine, name in by_start.get(m.group().lower()[:_MIN_WORD], ())
        if _says(m.group().lower(), mine)
    ]


class ToolNames:
    """The tools' own words (see `named_asks`), read once per tool list, to read texts with:
    which tools a text names, and a clause divided between the tools it names."""

    def __init__(self, tools: Sequence[Tool]) -> None:
        self._by_start = _by_start(tuple(tool.name for tool in tools))

    def named(self, text: str) -> set[str]:
        """The names of the tools whose own words `text` writes, whole or with an ending."""
        return {name for _, _, name in _named_words(text, self._by_start)}

    def pieces(self, clause: str) -> list[str]:
        """`clause` divided between each two tools it names (`_cuts`: at the last "and",
        "then", comma or semicolon between their names); the whole clause where it names one
        tool or none."""
        pieces: list[str] = []
        start = 0
        for cut, cut_end in _cuts(clause, _named_words(clause, self._by_start)):
            pieces.append(clause[start:cut])
            start = cut_end
        pieces.append(clause[start:])
        return [piece.strip(" ,;") for piece in pieces if piece.strip(" ,;")]


@dataclass(frozen=True)
class NamedAsk:
    """A tool the request asks for by name, and the words that ask for it: the piece of the
    clause that names it, divided from the other tools' names at the last "and", "then",
    comma or semicolon between ("precipitation forecast for Rome, Italy")."""

    tool: Tool
    ask: str


def _cuts(clause: str, named: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Where `clause` divides between two tools it names (`named`: each name word's start,
    end and tool's name, in order): the last "and", "then", comma or semicolon between them."""
    cuts: list[tuple[int, int]] = []
    for (_, end, first), (after, _, second) in pairwise(named):
        if first == second:
            continue
        spans = [join.span() for join in _CUT.finditer(clause, end, after)]
        if spans:
            cuts.append(spans[-1])
    return cuts


def named_asks(calls: Sequence[ToolCall], query: str, tools: Sequence[Tool]) -> list[NamedAsk]:
    """The tools `query` asks for by name that no call of `calls` used (see the module's
    docstring), in the order offered, each with the words that ask for it."""
    used = {call.name for call in calls}
    if not calls or len(tools) < 2 or not query:
        return []
    own = _own_words(tuple(tool.name for tool in tools))
    used_words = set().union(*(own.get(name, frozenset()) for name in used))
    by_start = _by_start(tuple(tool.name for tool in tools))
    asked: dict[str, str] = {}  # the words that ask for each tool, by name
    for clauses in request_clauses(query, tools):
        for clause in clauses:
            names_used = _writes_any(clause, used_words)
            named = _named_words(clause, by_start)
            cuts = _cuts(clause, named)
            for at, end, name in named:
                if name in used or name in asked:
                    continue
                # the piece that names it: between the cuts before and after its word
                start = max((cut_end for _, cut_end in cuts if cut_end <= at), default=0)
                stop = min((cut for cut, _ in cuts if cut >= end), default=len(clause))
                piece = clause[start:stop]
                if (
                    not names_used
                    or _JOINED.search(clause, max(0, at - _LOOK_BACK), at)
                    # beside a used tool's ask, a piece of its own with values of its own
                    or (not _writes_any(piece, used_words) and _gives_values(piece, by_start))
                ):
                    asked[name] = piece.strip(" ,;")
    if len(asked) > MAX_NAMED:
        return []
    return [NamedAsk(tool, asked[tool.name]) for tool in tools if tool.name in asked]


def named_calls(
    drafted: Sequence[ToolCall],
    query: str,
    calls: Sequence[ToolCall],
    tool: Tool | None = None,
) -> list[ToolCall]:
    """The calls of `drafted` (of a tool the request named) kept beside `calls`: each that
    holds a value `query` writes, whose numbers are all written (or, where `query` writes
    no number, held: "these years") and whose strings are all written, and that no call
    (nor one kept before it) makes already. Asked "Invest $2000 in Google", a call of 1000
    takes the withdrawal's number. Drafted on the whole request, a call may take another
    ask's values; one that invents a string ("Greek" for "a Thai restaurant in Porto") is
    the model's own, and so is one that writes one string in two arguments (`"game":
    "Xbox", "platform": "Xbox"`) or a string of its tool's name words (`"category": "game
    recommendation"` for `AmazonGameStore.recommend`). A tool's second call may hold only
    values other tools' calls hold: the GDP of 1950 beside the life expectancy of 1950.
    A string is written where the text writes it, where it writes a date the text writes in
    another form ("2020-01-01" of "January 1, 2020": `lamagent.gate.dates`), or where it is
    the default its parameter's description states ("English" of "Default is English"; given
    `tool`, the drafted one)."""
    lowered = query.lower()
    dates = value_dates(query)
    defaults = _stated_defaults(tool)
    written = written_numbers(query)
    counts = Counter(number for number, _ in said_numbers(query))
    once = {number for number, count in counts.items() if count == 1}
    kept: list[ToolCall] = []
    for call in drafted:
        made = [*calls, *kept]
        if any(c.name == call.name and c.arguments == call.arguments for c in made):
            continue
        unwritten = (v for v in string_values(call) if v not in lowered and v not in defaults)
        if not all(any(writes_date(v, date) for date in dates) for v in unwritten):
            continue  # a string the request does not write: the model's own
        numbers = (number_argument(leaf) for leaf in leaves(call.arguments))
        if written and any(n is not None and n not in written for n in numbers):
            continue  # the text writes its numbers: another ask's is no value of it
        if _degenerate(call) or _number_twice(call, once):
            continue
        if part_calls([call], query, [c for c in made if c.name != call.name]):
            kept.append(call)
    return kept


def _stated_defaults(tool: Tool | None) -> set[str]:
    """The string defaults `tool`'s parameters state, lower case."""
    if tool is None:
        return set()
    stated = (stated_default(spec) for spec in tool_properties(tool).values())
    return {value.lower() for value in stated if isinstance(value, str)}


def _degenerate(call: ToolCall) -> bool:
    """Whether `call` writes one string in two arguments, or a string whose words are all
    words of its tool's name (stop words aside): it names its tool, not a value; or a string
    of two words or more, all stop words or single letters ("I'd" of "I'd like to know"), or
    a pronoun ("I" of "I prefer a SUV"): it names nothing."""
    strings = [v.strip() for v in call.arguments.values() if isinstance(v, str) and v.strip()]
    if len(strings) != len({v.lower() for v in strings}):
        return True
    for value in strings:
        said = words(value)
        if len(said) > 1 and all(w in STOPWORDS or len(w) == 1 for w in said):
            return True
        if len(said) == 1 and said[0] in _PRONOUNS:
            return True
    name = [w for w in _name_words(call.name) if len(w) >= _MIN_WORD]
    for value in strings:  # words split as written ("getCellValue": get, cell, value)
        said = [w for w in words(value) if w not in STOPWORDS and len(w) >= _MIN_WORD]
        if said and all(any(_alike(w, n) for n in name) for w in said):
            return True
    return False


def _number_twice(call: ToolCall, once: set[Decimal]) -> bool:
    """Whether `call` gives a number the request writes once (`once`) to two arguments
    (`"initial_speed": 20, "final_speed": 20` for "a distance of 20 meters"): what
    `shared_numbers` could not give out is the model's guess, as one string in two arguments
    is."""
    numbers = Counter(number_argument(value) for value in call.arguments.values())
    return any(count > 1 and n in once for n, count in numbers.items())


def _alike(one: str, other: str) -> bool:
    """The same word, an ending aside ("games" and "game", "recommendation" and
    "recommend"; not "gettysburg" and "get")."""
    return stem(one) == stem(other) or _says(one, other) or _says(other, one)
