"""The asks a request enumerates, and one call per ask that no call took anything from.

Users who want several things often number them: "First, I'm studying genetics and I came
across a SNP mutation with the ID 'rs123456'. ... Second, I'm planning to visit New York, NY
next month and I'm interested in attending an art exhibition ... Lastly, I need to know the
list of proteins in the 'nucleus' cell compartment." Or, in one sentence: "Can you tell me the
function of the molecule ATP ..., then calculate the shortest driving distance from New York
to Los Angeles in miles, after that, can you tell me who is credited for the discovery of the
theory of relativity, and finally, can you tell me ...". The embedded model under the
calls-only grammar writes one or two of the calls and closes the list. An ask there may span
several sentences (the species of the first ask is a sentence of its own), and many write no
number, so the rule for a sentence of its own (`lamagent.gate.sentences`) cannot find them;
the user's own markers can.

- `request_parts(query)`: where the request enumerates (two markers or more), its parts, each
  from one marker to the next. A marker opens a sentence ("First,", "Second", "Secondly",
  "Third", "Next,", "Then", "Also,", "Additionally", "In addition", "After that", "Lastly",
  "Finally") or follows a comma or semicolon within one, with a comma of its own (", after
  that,", ", and finally,"; in ", then carbon copy it to my manager" one ask goes on). What
  the request says before a "First" is its preamble ("Could you help me with a two-part
  request?"), no part; before any other first marker, it is the first ask. None where the
  request does not enumerate.
- `open_parts(calls, query)`: the parts no call took from (None where the request does not
  enumerate). A call took from the part (or the preamble) that writes most of its values,
  its numbers and its strings of three characters or more (case aside); from each, where two
  write as many. The preamble counts: "I have two
  points, Point A [3, 2] and Point B [7, 5]. First, ... rounded to 2 decimal places" gives
  the call with those points to the preamble, not to every part that says "2 decimal places".
  A mixed call took from none: of the values the parts write (less the preamble's), one part
  writes some and another the rest, no part all ("New York to Los Angeles in miles" as
  `origin`, "sunburst finish" of the guitar's part as `destination`). The model garbled two
  asks into one call; each is asked on its own.
- `mixed_calls(calls, query)`: those calls. `replaced_mixed(calls, drafted, query)`: the
  calls without each mixed call of the draft whose tool a part's drafted call calls.
- `marked_sentences(calls, query)`: in a request that does not enumerate, the sentences after
  the first that a marker opens and no call took from (as `open_parts` reads it): "Find all
  prime numbers between 50 and 150. Then get the fibonacci series upto 150." One marker does
  not say the request lists its asks, but it does say where one more begins. Each is asked
  as a part is (`lamagent.turns.PromptTurns.sentence_calls`), beside the sentences the rule
  for a sentence of its own asks.
- `part_calls(drafted, part, calls)`: the calls drafted for a part (asked on its own, as
  `lamagent.gate.sentences.standalone` writes it) that hold a value the part writes, a number
  or a string of three characters or more, that no call holds (of `calls`, or kept before it),
  or that call a tool no call used with a value the part writes (the fibonacci's 150 is held
  by the primes' call; the tool is new), and whose number values are each the part's or
  held: a draft that took nothing of its part is the model's own (it writes a call whatever
  it is asked), and a number nobody wrote is invented.

A string counts here where a sentence needs a number: the user said where each ask begins, so
a part is an ask, where a sentence may state a fact ("The species is 'Homo sapiens'.").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from lamagent.gate.sentences import (
    new_calls,
    request_sentences,
    string_values,
    written_numbers,
)
from lamagent.gate.shared_numbers import held_numbers
from lamagent.messages import ToolCall

__all__ = [
    "marked_sentences",
    "mixed_calls",
    "open_parts",
    "part_calls",
    "replaced_mixed",
    "request_parts",
    "taken_texts",
]

#: A marker that opens a sentence: an ordinal, or a word that adds an ask to the ones before.
#: "Next" and "Also" only with a comma ("Next month I travel" is no marker).
_OPENS = re.compile(
    r"^[\"'(]*(?:(?:first|second|third|fourth|fifth)(?:ly)?\b|lastly\b|finally\b|then\b|"
    r"additionally\b|in addition\b|after that\b|afterwards\b|(?:next|also)\s*,)",
    re.IGNORECASE,
)
#: "First": what comes before it is a preamble, not an ask.
_FIRST = re.compile(r"^[\"'(]*first(?:ly)?\b", re.IGNORECASE)
#: A marker within a sentence: after a comma or semicolon, a word that goes on to the next ask,
#: set off by its own comma (", after that, can you ...", ", and finally, ..."). Without it the
#: word mostly goes on within one ask: "send an email to ..., then carbon copy it to my
#: manager", "start from New York, stop at Philadelphia, and finally reach Miami".
_WITHIN = re.compile(
    r"[,;]\s+(?=(?:and\s+)?(?:then|after that|afterwards|finally|lastly|next),)",
    re.IGNORECASE,
)
#: Fewest markers of a request that enumerates (one "then" ties two clauses, two list asks).
MIN_MARKERS = 2


def request_parts(query: str) -> list[str] | None:
    """The parts of a request that enumerates its asks, in order; None where it does not
    (see the module's docstring)."""
    divided = _divided(query)
    return None if divided is None else divided[1]


def _divided(query: str) -> tuple[str, list[str]] | None:
    """The preamble of a request that enumerates its asks ("" where it has none) and its
    parts; None where it does not enumerate."""
    pieces: list[tuple[str, bool]] = []  # (text, opened by a marker)
    for sentence in request_sentences(query):
        start = 0
        opened = _OPENS.match(sentence) is not None
        for marker in _WITHIN.finditer(sentence):
            pieces.append((sentence[start : marker.start()], opened))
            start, opened = marker.end(), True
        pieces.append((sentence[start:], opened))
    if sum(opened for _, opened in pieces) < MIN_MARKERS:
        return None
    parts: list[str] = []
    for text, opened in pieces:
        if opened or not parts:
            parts.append(text)
        else:  # a sentence of the part before ("The species is 'Homo sapiens'.")
            parts[-1] = f"{parts[-1]} {text}"
    preamble = ""
    if not pieces[0][1] and _FIRST.match(parts[1]):
        preamble = parts.pop(0)  # what the request said before "First" is no ask
    return preamble, [p.strip(" ,;") for p in parts if re.search(r"[^\W\d_]", p)]


def open_parts(calls: Sequence[ToolCall], query: str) -> list[str] | None:
    """The parts of `query` no call took from (see the module's docstring); None where the
    request does not enumerate."""
    divided = _divided(query)
    if divided is None:
        return None
    preamble, parts = divided
    mixed = _mixed(calls, parts, preamble)
    # a call may take what the preamble says ("Point A [3, 2]")
    whole = [call for call, split in zip(calls, mixed, strict=True) if not split]
    taken = taken_texts(whole, [*parts, preamble])
    return [part for i, part in enumerate(parts) if i not in taken]


def mixed_calls(calls: Sequence[ToolCall], query: str) -> list[ToolCall]:
    """The calls of `calls` whose values two parts of `query` write and none writes all of
    (with the preamble): "New York to Los Angeles in miles" as `origin` and "sunburst
    finish" as `destination`. None where the request does not enumerate."""
    divided = _divided(query)
    if divided is None:
        return []
    preamble, parts = divided
    mixed = _mixed(calls, parts, preamble)
    return [call for call, split in zip(calls, mixed, strict=True) if split]


def replaced_mixed(
    calls: Sequence[ToolCall], drafted: int, query: str
) -> tuple[list[ToolCall], list[ToolCall]]:
    """`calls` without each mixed call of its first `drafted` (the draft of the whole request)
    whose tool a later call (drafted for a part) calls, and the calls left out: the part's
    call answers the ask the mixed call garbled."""
    later = {call.name for call in calls[drafted:]}
    replaced = [c for c in mixed_calls(calls[:drafted], query) if c.name in later]
    return [c for c in calls if not any(c is r for r in replaced)], replaced


def _mixed(calls: Sequence[ToolCall], parts: Sequence[str], preamble: str) -> list[bool]:
    """For each call, whether it is mixed: no part writes all of the values the parts write
    (what the preamble writes counts for every part)."""
    texts = _read([*parts, preamble])
    mixed: list[bool] = []
    for call in calls:
        *written, shared = _written_values(call, texts)
        own = [values - shared for values in written]
        every = set().union(*own)
        mixed.append(not any(values == every for values in own))
    return mixed


#: A text as the values are looked up in it: the numbers it writes, and its lower case.
_Read = tuple[set[Decimal], str]


def _read(texts: Sequence[str]) -> list[_Read]:
    return [(written_numbers(text), text.lower()) for text in texts]


def _written_values(call: ToolCall, texts: Sequence[_Read]) -> list[set[Decimal | str]]:
    """For each text, the values of `call` it writes: its numbers, and its strings (case
    aside)."""
    numbers, strings = held_numbers(call.arguments), string_values(call)
    return [
        {*(numbers & written), *(s for s in strings if s in lowered)} for written, lowered in texts
    ]


def taken_texts(calls: Sequence[ToolCall], texts: Sequence[str]) -> set[int]:
    """The indices of the texts the calls took from: each call from the text that writes most
    of its values, its numbers and its strings (case aside); from each, where two write as
    many."""
    read = _read(texts)
    taken: set[int] = set()
    for call in calls:
        shares = [len(values) for values in _written_values(call, read)]
        most = max(shares)
        taken |= {i for i, share in enumerate(shares) if most and share == most}
    return taken


def marked_sentences(calls: Sequence[ToolCall], query: str) -> list[str]:
    """In a request that does not enumerate, the sentences after the first that a marker
    opens ("Then get the fibonacci series upto 150.", "Additionally, ...") and no call took
    from (as `open_parts` reads it: "between 50 and 150" took the first sentence's call, not
    the fibonacci's "upto 150"): one marker says where one more ask begins, though not that
    the request lists its asks."""
    if _divided(query) is not None:
        return []
    sentences = request_sentences(query)
    taken = taken_texts(calls, sentences)
    return [
        sentence
        for i, sentence in enumerate(sentences)
        if i > 0 and i not in taken and _OPENS.match(sentence)
    ]


def part_calls(drafted: Sequence[ToolCall], part: str, calls: Sequence[ToolCall]) -> list[ToolCall]:
    """The calls of `drafted` that hold a value `part` writes, a number or a string, and none
    of `calls` (nor an earlier one kept) holds, or that call a tool none of them called with
    a value of the part, and whose number values are all the part's or held."""
    return new_calls(drafted, part, calls, strings=True)
