"""Asks joined within one sentence, and the ones no call took anything from.

One sentence often asks two things: "Calculate the factorial of 8 and generate the prime
numbers from 1 to 50.", "How many steps do I need to walk to lose 500 calories and how much
water do I need to intake today if I exercise for 2 hours?", "Create a square painting with
blue background and dimensions 16x16 inches, then display it for 30 seconds". The embedded
model under the calls-only grammar writes one of the calls and closes the list. The rules for a
sentence of its own and for the asks the user marked (`lamagent.gate.sentences`,
`lamagent.gate.parts`) read whole sentences; this one reads the clauses of one.

- `request_clauses(query, tools)`: each sentence of the request split where a joining word
  ("and", "then", "also", after a comma or not: "and then", "and also") comes right before a
  word that opens an ask: a question's word ("how", "what", "which", ...), "can you", "could
  you", "please", a verb that asks for something from `ASK_VERBS` ("find", "calculate",
  "get", "book", ...), or the first word of the last part of an offered tool's name ("and
  withdraw $1000 from Apple" with `investment.withdraw`; not "and duration" with
  `maps.get_distance_duration`). "between 1 and 50", "Italian and Chinese", "check-in ...
  and check-out on May 5" are no joins.
- `joined_clauses(calls, query, tools)`: where a sentence holds two clauses or more, the
  clauses no call took from (as `lamagent.gate.parts.open_parts` reads it: each call from the
  clause that writes most of its values) that write a value (a number in digits, a quoted
  string, or a capitalised word after the clause's first): each is asked on its own, as a
  part is, and its calls are kept as a part's (`lamagent.gate.parts.part_calls`). A clause
  that writes no value gives the model nothing a kept call could hold: it is not asked.
  None where no call took from a clause and no string value holds a word of the request:
  the draft answered no ask (`view_service_provider_profile(professional_id=12345)`
  for "a provider between the ages of 25 and 35 who is in Group B and who has never been
  late"), and asked one by one the model answers no better. A call that holds a mangled
  value ("Australia, 100,000,000") took from no clause, but answered an ask.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from lamagent.gate.parts import taken_texts
from lamagent.gate.sentences import request_sentences
from lamagent.gate.signals import leaf_values, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["ASK_VERBS", "joined_clauses", "request_clauses", "writes_value"]

_ASK_VERB_TEXT = """
add analyse analyze book buy calculate cancel check compare compute convert count create
delete determine display draw estimate evaluate fetch find generate get give identify list
locate look measure order perform play plot predict provide recommend remove reserve
retrieve return run schedule search send set show solve suggest tell translate update
"""
#: Verbs a user opens an ask with ("... and find the most popular site seeing place in Miami").
ASK_VERBS = frozenset(_ASK_VERB_TEXT.split())
_OPENER_TEXT = "how what what's where when which who whom whose whether please"
#: Words that open a question or a request ("and how much water ...", "and can you ...").
_OPENERS = frozenset(_OPENER_TEXT.split())
#: A joining word, after a comma or a space: "and", "then", "also", "and then", "and also".
_JOIN = re.compile(
    r"(?:,\s*|\s+)(?:and\s+(?:then\s+|also\s+)?|then\s+|also\s+)(?=([\w']+)(?![\w'-])(\s+\w+)?)",
    re.IGNORECASE,
)
#: A value a clause writes: a number in digits, a quoted string, or a capitalised word.
_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"[\"'`][^\"'`]+[\"'`]")
_CAPITAL = re.compile(r"\b(?!I\b|I')[A-Z]")
#: The fewest letters of a word of the request a string value must hold to hold something of it.
_MIN_WORD = 3


def request_clauses(query: str, tools: Sequence[Tool]) -> list[list[str]]:
    """The clauses of each sentence of `query`, in order (a sentence no join divides is one
    clause); see the module's docstring. Read once per request and tool list: a turn's rules
    ask for them more than once."""
    named = frozenset({_name_verb(tool.name) for tool in tools} - {""})
    return [list(clauses) for clauses in _clauses(query, named)]


@lru_cache(maxsize=32)
def _clauses(query: str, named: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    out: list[tuple[str, ...]] = []
    for sentence in request_sentences(query):
        clauses: list[str] = []
        start = 0
        for join in _JOIN.finditer(sentence):
            if not _opens_ask(join.group(1), join.group(2), named):
                continue
            clauses.append(sentence[start : join.start()])
            start = join.end()
        clauses.append(sentence[start:])
        out.append(tuple(c.strip(" ,;") for c in clauses if re.search(r"[^\W\d_]", c)))
    return tuple(out)


def _name_verb(name: str) -> str:
    """The first word of the last part of a tool's name, where a name says what it does
    ("withdraw" of `investment.withdraw`, "generate" of `generate_prime`, "get" of
    `maps.get_distance_duration`; its other words are mostly things: "distance and duration"
    is no join)."""
    named = words(name.rsplit(".", 1)[-1])
    return named[0] if named and len(named[0]) >= 3 and named[0].isalpha() else ""


def _opens_ask(word: str, after: str | None, named: frozenset[str]) -> bool:
    """Whether `word` (followed by `after`) opens an ask: a question's word, "can/could/would
    you", a verb of `ASK_VERBS`, or the word a tool's name opens with (`_name_verb`)."""
    lowered = word.lower()
    if lowered in _OPENERS or lowered in ASK_VERBS:
        return True
    if lowered in {"can", "could", "would"} and (after or "").strip().lower() == "you":
        return True
    return lowered in named


def joined_clauses(calls: Sequence[ToolCall], query: str, tools: Sequence[Tool]) -> list[str]:
    """The clauses of the sentences `query` divides that no call took from and that write a
    value (see the module's docstring)."""
    sentences = request_clauses(query, tools)
    if not any(len(clauses) > 1 for clauses in sentences):
        return []
    flat = [c for clauses in sentences for c in clauses]
    taken = taken_texts(calls, flat)
    if not taken and not _holds_any(calls, query):
        return []  # the draft took nothing of the request: no ask of it was answered
    open_: list[str] = []
    index = 0
    for clauses in sentences:
        for clause in clauses:
            if len(clauses) > 1 and index not in taken and writes_value(clause):
                open_.append(clause)
            index += 1
    return open_


def _holds_any(calls: Sequence[ToolCall], query: str) -> bool:
    """Whether a string value of the calls holds a word of three letters or more of `query`
    ("Australia, 100,000,000" holds "Australia"; a number the request writes is taken by the
    clause that writes it)."""
    said = {w for w in words(query) if len(w) >= _MIN_WORD and w.isalpha()}
    return any(
        w in said for call in calls for value in leaf_values(call.arguments) for w in words(value)
    )


def writes_value(clause: str) -> bool:
    """Whether `clause` writes a value a call could take: a digit, a quoted string, or a
    capitalised word after its first."""
    first = re.match(r"\W*\w+", clause)
    rest = clause[first.end() :] if first else clause
    return bool(_DIGIT.search(clause) or _QUOTED.search(clause) or _CAPITAL.search(rest))
