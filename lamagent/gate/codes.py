"""Numbers a parameter's description gives a meaning, where the user named the meaning.

Many APIs take a code where users say a word: "service_id: For example, 1 represents cleaning
service, 2 for ironing service, and 3 for a comprehensive cleaning service.", "province_id:
1 corresponds to Bangkok, 2 to Chiang Mai, and 3 to Chonburi." Asked to "find a housekeeper
who provides ironing services in Bangkok", a small model writes `service_id: 1` (the first
code it read) and leaves the province out: which number is which is written in the
description, and the user wrote the word.

- `described_codes(description)`: the codes a description gives meanings, in order: a number
  (in quotes or not), a link ("represents", "for", "corresponds to", "to", "means", "stands
  for", "indicates", "denotes", "=") and the words of its meaning, up to a comma, a stop, a
  bracket, "and" or "or". A description must give two codes or more (one "for" is mostly
  no code: "the top 5 for each category"), each its own number.
- `coded_values(calls, tools, query)`: a number parameter (integer or number) whose
  description gives codes takes the code of the meaning the request names: the words of the
  meaning that tell it from the others (the words every meaning shares aside: "service") in
  a row among the request's words (stop words aside), stems and prefixes aside (as
  `lamagent.gate.chosen_options` reads an option). Where the request names several, the
  meaning of the most words ("big cleaning" over "cleaning"); left alone where that is two
  codes or more (a request may name two, one per call), or where the call's value is the
  code already. A call that lacks the argument gets it: the user named its value. Nothing
  is generated. An enum keeps the codes it lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import number_argument
from lamagent.gate.mentions import parameter_number
from lamagent.gate.reshape import filled_parameters
from lamagent.gate.signals import STOPWORDS, SaidWords, named_in, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["coded_values", "described_codes", "named_code", "spoken_words"]

#: A code and its meaning: "'1' represents cleaning services", "2 for ironing service",
#: "3 to Chonburi", "0.0 indicates least confidence". The meaning opens with a letter and ends
#: at a comma, a stop that ends no number, a bracket, "and", "or" or the text's end.
_CODE = re.compile(
    r"(?<![\w.])['\"]?(-?\d+(?:\.\d+)?)['\"]?\s*"
    r"(?:represents?|stands? for|corresponds? to|means|indicates|denotes|is for|for|to|=)\s+"
    r"(?:an?\s+|the\s+)?([^\W\d_][^,;.()\[\]\n]{0,60}?)"
    r"(?=\s*(?:[,;()\[\]\n]|\.(?!\d)|\band\b|\bor\b|$))",
    re.IGNORECASE,
)
#: The fewest codes a description gives for its numbers to be codes.
MIN_CODES = 2
_NUMBER_TYPES = frozenset({"integer", "number"})


def described_codes(description: str) -> list[tuple[Decimal, str]]:
    """The codes `description` gives meanings, each with its meaning, in order; [] where it
    gives fewer than `MIN_CODES` or gives one number two meanings."""
    found: list[tuple[Decimal, str]] = []
    for match in _CODE.finditer(description):
        found.append((Decimal(match.group(1)), match.group(2).strip()))
    codes = [code for code, _ in found]
    if len(found) < MIN_CODES or len(set(codes)) < len(codes):
        return []
    return found


def _stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def _named_code(codes: Sequence[tuple[Decimal, str]], said: SaidWords) -> Decimal | None:
    """The code whose meaning the request's words (`said`, stemmed) name, the meaning of the
    most words where they name several; None for none, or for two codes."""
    meanings = [(code, _stems(meaning)) for code, meaning in codes]
    shared = set.intersection(*(set(m) for _, m in meanings)) if meanings else set()
    best: set[Decimal] = set()
    most = 0
    for code, meaning in meanings:
        own = [w for w in meaning if w not in shared]
        if not own or not named_in(own, said):
            continue
        if len(own) > most:
            best, most = {code}, len(own)
        elif len(own) == most:
            best.add(code)
    return next(iter(best)) if len(best) == 1 else None


def spoken_words(text: str) -> SaidWords:
    """The words of `text` as `named_code` reads them: stems, stop words aside."""
    return SaidWords(_stems(text))


def named_code(spec: Any, said: SaidWords) -> tuple[Decimal, str] | None:
    """The code of a number parameter (`spec`, its schema) whose meaning its description
    gives and the words `said` (`spoken_words`) name, with the meaning; None where the
    description gives no codes, or the words name none or two."""
    kind = spec.get("type") if isinstance(spec, Mapping) else None
    if not isinstance(kind, str) or kind not in _NUMBER_TYPES:  # (a list of types: not hashed)
        return None
    # the codes the schema takes (a whole number for an integer, one its enum holds)
    codes = [
        (c, m)
        for c, m in described_codes(str(spec.get("description") or ""))
        if parameter_number(c, spec)
    ]
    code = _named_code(codes, said) if codes else None
    if code is None:
        return None
    return code, next(m for c, m in codes if c == code)


def coded_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number parameter whose description gives codes holding the code of
    the meaning the request names (see the module's docstring), and a note per value set."""
    said = spoken_words(query)

    def fill(
        call: ToolCall, tool: Tool, name: str, spec: Mapping[str, Any]
    ) -> tuple[Any, str] | None:
        found = named_code(spec, said)
        if found is None:
            return None
        code, meaning = found
        if name in call.arguments and number_argument(call.arguments[name]) == code:
            return None
        (value,) = parameter_number(code, spec)
        was = repr(call.arguments[name]) if name in call.arguments else "none"
        return value, f"{was} as {value!r}, for {meaning!r}"

    return filled_parameters(calls, tools, fill)
