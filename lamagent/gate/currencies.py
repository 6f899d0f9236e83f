"""The currencies the user named, as their ISO 4217 codes, each where the user sent it.

Tools that convert money or look up a rate take currencies as codes (`from_currency: "EUR"`),
and users name them in words: "How many Canadian dollars can I get for 500 US dollars?",
"the exchange rate from British pounds to Japanese yen". A small model under a call grammar
cannot spell a code it was never shown: it writes `"base_currency": "BK"` for British pounds,
`"C$"` for both ends of the dollars' question, or the user's two codes the other way round
("Convert 200 euros to US dollars" drafted `from_currency: "USD", to_currency: "EUR"`).

`said_currencies(text)` reads the currencies a text names, in order: a code of the table below
written in capitals ("USD to AUD"), a name ("euros", "US dollars", "pounds sterling",
"Japanese yen"; the longest name that fits: "Canadian dollars" is no US dollar), or a sign
before a number ("€200", "C$50"). Each gets the end of the money's way it is on, where the
words say:

- the start: after "from", written after a number ("200 euros", "for 500 US dollars": the
  amount is in it), or a sign before a number;
- the end: after "to", "into" or "in" ("to US dollars", "in yen"), or asked for ("How many
  Canadian dollars", "how much yen").

Where the user named two currencies and the words place one, the other is at the other end.
A currency named at both ends, or two at one end ("USD to AUD and USD to CAD"), has no end.

`currency_codes(calls, tools, text)`: a string argument of a currency parameter (its name says
"currency"; no enum, which the grammar keeps) that is not the code of the currency it should
hold takes that code: for a parameter of the start (its name says from, source, base, ...) the
one currency at the start, for one of the end (to, target, ...) the one at the end, for any
other the one currency the user named. A name of the right currency ("British Pounds")
becomes its code too, as tools take them, but where the parameter's description shows
currencies by name and no code ("the currency's name, e.g. 'Euro'"); a sign ("C$") is no
code. A currency the user did not name is never written. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["CURRENCY_NAMES", "SaidCurrency", "currency_codes", "said_currencies"]

End = Literal["start", "end"]

#: ISO 4217 codes and the names (singular, lower case) users write for them. A bare "dollar"
#: is the US dollar, a bare "pound" the pound sterling, as people write them.
CURRENCY_NAMES: Mapping[str, tuple[str, ...]] = {
    "USD": ("us dollar", "u.s. dollar", "united states dollar", "american dollar", "dollar"),
    "EUR": ("euro",),
    "GBP": ("british pound", "pound sterling", "pounds sterling", "sterling", "uk pound", "pound"),
    "JPY": ("japanese yen", "yen"),
    "CAD": ("canadian dollar",),
    "AUD": ("australian dollar",),
    "NZD": ("new zealand dollar",),
    "HKD": ("hong kong dollar",),
    "SGD": ("singapore dollar", "singaporean dollar"),
    "CHF": ("swiss franc",),
    "CNY": ("chinese yuan", "yuan", "renminbi"),
    "INR": ("indian rupee", "rupee"),
    "MXN": ("mexican peso",),
    "BRL": ("brazilian real",),
    "RUB": ("russian ruble", "russian rouble", "ruble", "rouble"),
    "KRW": ("south korean won", "korean won"),
    "ZAR": ("south african rand",),
    "SEK": ("swedish krona",),
    "NOK": ("norwegian krone",),
    "DKK": ("danish krone",),
    "PLN": ("polish zloty", "zloty"),
    "TRY": ("turkish lira",),
    "THB": ("thai baht", "baht"),
    "AED": ("uae dirham", "emirati dirham"),
    "SAR": ("saudi riyal",),
}
#: Signs written before an amount.
_SIGNS: Mapping[str, str] = {
    "C$": "CAD",
    "A$": "AUD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
}

_NAMES = sorted(
    ((name, code) for code, names in CURRENCY_NAMES.items() for name in names),
    key=lambda pair: -len(pair[0]),
)
_CODE_OF = {name: code for name, code in _NAMES}
_NAME = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(name) for name, _ in _NAMES) + r")(?:e?s)?(?!\w)",
    re.IGNORECASE,
)
_CODE = re.compile(r"(?<![\w$])(" + "|".join(CURRENCY_NAMES) + r")(?![\w])")
_SIGN = re.compile(
    r"(?<![\w$])(" + "|".join(re.escape(s) for s in sorted(_SIGNS, key=len, reverse=True)) + r")"
    r"\s?\d"
)
#: A number, its scale aside, right before a currency's name: the amount is in it.
_AMOUNT_BEFORE = re.compile(
    r"\d[\d,]*(?:\.\d+)?\s*(?:thousand|million|billion|k|m|bn)?\s*$", re.IGNORECASE
)
_WORD_BEFORE = re.compile(r"(\w+)\W*(?:(?:the|a|an|some)\W+)?$", re.IGNORECASE)
#: How far back the words before a currency are read (a word, an article, an amount).
_LOOK_BACK = 48
_START_WORDS = frozenset({"from"})
_END_WORDS = frozenset({"to", "into", "in", "many", "much"})

#: Words of a parameter's name that put it at the start, or at the end, of the money's way.
_STARTS = frozenset({"from", "source", "src", "base", "origin", "sell", "input", "have"})
_ENDS = frozenset({"to", "target", "destination", "dest", "dst", "quote", "buy", "output", "into"})


@dataclass(frozen=True)
class SaidCurrency:
    """A currency a text names: its code, where (`start`, the offset), and the end of the
    money's way the words put it at, if they do."""

    code: str
    start: int
    end: End | None


def said_currencies(text: str) -> list[SaidCurrency]:
    """The currencies `text` names, in order, with the ends their words put them at."""
    found: dict[int, tuple[int, str, End | None]] = {}
    named: set[int] = set()  # the offsets the names cover
    for match in _NAME.finditer(text):
        code = _CODE_OF[match.group(1).lower()]
        found[match.start()] = (match.end(), code, _placed(text, match.start()))
        named.update(range(match.start(), match.end()))
    for match in _CODE.finditer(text):
        if match.start() not in named:
            found[match.start()] = (match.end(), match.group(1), _placed(text, match.start()))
    for match in _SIGN.finditer(text):
        found[match.start()] = (match.end(), _SIGNS[match.group(1)], "start")
    said = [SaidCurrency(code, at, end) for at, (_, code, end) in sorted(found.items())]
    return _ends_told(said)


def _placed(text: str, at: int) -> End | None:
    """The end of the money's way that the words before a currency's name (at `at`) put it
    at; only the last `_LOOK_BACK` characters are read."""
    before = text[max(0, at - _LOOK_BACK) : at]
    word = _WORD_BEFORE.search(before)
    last = word.group(1).lower() if word else ""
    if last in _START_WORDS:
        return "start"
    if last in _END_WORDS:
        return "end"
    if _AMOUNT_BEFORE.search(before):
        return "start"
    return None


def _ends_told(said: list[SaidCurrency]) -> list[SaidCurrency]:
    """`said` with one end per currency: none for a currency named at both ends or where two
    are named at one end, and the other end for the second of two currencies where the words
    placed only one."""
    ends: dict[str, set[End]] = {}
    for currency in said:
        ends.setdefault(currency.code, set())
        if currency.end is not None:
            ends[currency.code].add(currency.end)
    placed: dict[str, End | None] = {
        code: next(iter(at)) if len(at) == 1 else None for code, at in ends.items()
    }
    for end in ("start", "end"):
        at_end = [code for code, at in placed.items() if at == end]
        if len(at_end) > 1:
            placed |= dict.fromkeys(at_end, None)
    if len(placed) == 2:
        (one, one_end), (other, other_end) = placed.items()
        if (one_end is None) != (other_end is None):
            told = one_end or other_end
            opposite: End = "end" if told == "start" else "start"
            placed[one if one_end is None else other] = opposite
    return [SaidCurrency(c.code, c.start, placed[c.code]) for c in said]


def currency_codes(
    calls: Sequence[ToolCall], tools: Sequence[Tool], text: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each currency argument that is not the code of the currency the user put
    at its end as that code, and a note per value changed."""
    said = said_currencies(text)
    if not said:
        return list(calls), []
    codes = {c.code for c in said}
    at_end = {end: {c.code for c in said if c.end == end} for end in ("start", "end")}
    schemas = tool_schemas(tools)

    def as_code(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        schema = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(schema, Mapping):
            return None
        if not _takes_currency(name, schema):
            return None
        end = _end_of(name)
        wanted = at_end[end] if end is not None else codes
        if len(wanted) != 1:
            return None
        (code,) = wanted
        named = _names(value)
        if value.strip() == code or (named == code and _takes_names(schema)):
            return None
        return code, f"{value!r} as {code}, the currency the user named"

    return reshaped_calls(calls, as_code)


def _takes_currency(name: str, schema: Any) -> bool:
    """A string parameter the schema leaves open (`open_string`) whose name says it is a
    currency."""
    return open_string(schema) and any(word.startswith("currenc") for word in words(name))


def _takes_names(schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's description shows currencies by name and no code ("the name of
    the currency, e.g. 'Euro'")."""
    description = str(schema.get("description") or "")
    return bool(_NAME.search(description)) and not _CODE.search(description)


def _end_of(name: str) -> End | None:
    """The end of the money's way a parameter's name puts it at, if one."""
    named = set(words(name))
    starts, ends = bool(named & _STARTS), bool(named & _ENDS)
    if starts == ends:
        return None
    return "start" if starts else "end"


def _names(value: str) -> str | None:
    """The currency a value names: its code (any case) or a name; not a sign ("C$", "$":
    a tool that takes codes takes no sign)."""
    written = value.strip()
    if written.upper() in CURRENCY_NAMES:
        return written.upper()
    named = _NAME.fullmatch(written)
    return _CODE_OF[named.group(1).lower()] if named else None
