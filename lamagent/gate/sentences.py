"""Sentences of the user's request that no call of the turn took anything from.

A request of several sentences often asks one thing per sentence: "Find the area of a rectangle
with length 7 and breadth 3. Also, calculate the area of a circle with radius 5." The embedded
model under the calls-only grammar writes the first sentence's call and closes the list; asked
the second sentence on its own, it writes that one's call (`area_circle.calculate(radius=5)`).

- `request_sentences(query)`: the sentences of a request, split after "?", "!" or a full stop
  that ends a word or a number, before a capital or a quote; not after an abbreviation ("Mr.",
  "D.C.", "Inc.": a capitalised word of three letters or fewer, or a single letter).
- `open_sentences(calls, query)`: where the request has two sentences or more, those that write
  a number in digits no call holds (one in words mostly counts what the request goes on to
  list: "for four individuals") and hold nothing any call holds: no number, no string value
  of three characters or more (case aside). Each is asked again on its own
  (`lamagent.turns.PromptTurns`, with `listed_items`), as `standalone` writes it: without
  the words that tie it to the one before ("Also, how many grams are in 2 pounds?" asked
  with its "Also," drafts `convert_units(2, "g", "m")`; without it, pounds to grams).
- `sentence_calls(drafted, sentence, calls)`: the calls drafted for a sentence that hold a
  number the sentence writes and no call (of `calls`, or drafted before it) holds, and whose
  number values are each the sentence's or held by those calls: a draft that took nothing of
  its sentence's is the model's own (it writes a call whatever it is asked), a call made
  already holds nothing new, and a number nobody wrote is invented ("accurate to 3 decimal
  places" drafted as `math.sqrt(num=1, accuracy=3)`; a table of the numbers 1 to 54 for "two
  2x2 contingency tables").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from lamagent.gate.items import NUMBERS, number_argument, number_value
from lamagent.gate.placeholders import is_placeholder
from lamagent.gate.shared_numbers import held_numbers
from lamagent.gate.signals import leaf_values, leaves
from lamagent.messages import ToolCall

__all__ = [
    "held",
    "new_calls",
    "open_sentences",
    "request_sentences",
    "sentence_calls",
    "standalone",
    "string_values",
    "written_numbers",
]

#: Where a sentence ends: "?" or "!", or a full stop after a word or a number that is no
#: abbreviation; then a space and a capital or a quote (or a line break).
_SENTENCE_END = re.compile(
    r"(?:[?!]|(?<![^\w][A-Z])(?<!^[A-Z])(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})\.)"
    r"(?:\s+(?=[A-Z\"'])|\s*\n\s*)"
)
#: Words that open a sentence by tying it to the one before ("Also, how many grams are in 2
#: pounds?"): asked on its own, the sentence is asked without them.
_TIES = re.compile(
    r"^(?:(?:and|also|then|so|plus|next|finally|lastly|additionally|moreover|furthermore|"
    r"(?:first|second|third|fourth|fifth)(?:ly)?|"
    r"besides|afterwards|after that|in addition|as well|now)\b[,:;]?\s*)+",
    re.IGNORECASE,
)
#: Fewest characters of a string value that marks a sentence as one a call took from.
_MIN_VALUE_CHARS = 3


def request_sentences(query: str) -> list[str]:
    """The sentences of `query`, in order (see the module's docstring); each holds a word."""
    text = query.strip()
    parts: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        parts.append(text[start : end.start() + 1])  # with its mark
        start = end.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if re.search(r"[^\W\d_]", p)]


def standalone(sentence: str) -> str:
    """`sentence` as a request of its own: without the words that tie it to the one before
    ("Also, how many grams are in 2 pounds?" is "How many grams are in 2 pounds?")."""
    rest = _TIES.sub("", sentence)
    if not re.search(r"[^\W\d_]", rest):
        return sentence  # nothing but ties ("And then.")
    return rest[0].upper() + rest[1:]


def written_numbers(text: str) -> set[Decimal]:
    """The numbers `text` writes in digits (a number in words is mostly a count of what the
    request goes on to list: "for four individuals", "two different investments")."""
    return {n for t in NUMBERS.findall(text) if (n := number_value(t)) is not None}


def held(calls: Sequence[ToolCall]) -> tuple[set[Decimal], set[str]]:
    """The numbers the calls hold (in any value) and their string values (`string_values`)."""
    numbers: set[Decimal] = set()
    strings: set[str] = set()
    for call in calls:
        numbers |= held_numbers(call.arguments)
        strings |= string_values(call)
    return numbers, strings


def string_values(call: ToolCall) -> set[str]:
    """The values of `call` that are strings of three characters or more and no number, lower
    case (a number written as a string counts as the number it holds)."""
    return {
        v.lower()
        for v in leaf_values(call.arguments)
        if not _is_number(v) and len(v) >= _MIN_VALUE_CHARS
    }


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d+)?", text) is not None


def open_sentences(calls: Sequence[ToolCall], query: str) -> list[str]:
    """The sentences of `query` no call took anything from that write a number of their own
    (see the module's docstring)."""
    sentences = request_sentences(query)
    if len(sentences) < 2:
        return []
    numbers, strings = held(calls)
    open_: list[str] = []
    for sentence in sentences:
        written = written_numbers(sentence)
        lowered = sentence.lower()
        if not written or written & numbers or any(s in lowered for s in strings):
            continue
        open_.append(sentence)
    return open_


def sentence_calls(
    drafted: Sequence[ToolCall], sentence: str, calls: Sequence[ToolCall]
) -> list[ToolCall]:
    """The calls of `drafted` that hold a number `sentence` writes and none of `calls` (nor an
    earlier one kept) holds, and whose number values are all the sentence's or held."""
    return new_calls(drafted, sentence, calls, strings=False)


def new_calls(
    drafted: Sequence[ToolCall], text: str, calls: Sequence[ToolCall], *, strings: bool
) -> list[ToolCall]:
    """The calls of `drafted` that hold a value `text` writes and none of `calls` (nor an
    earlier one kept) holds, a number or, with `strings`, also a string (`string_values`),
    and whose number values are all the text's or held (a number nobody wrote is invented).
    With `strings` (an ask the user marked), a call of a tool none of them called that holds
    a value of the text, held or not, is new of itself."""
    written = written_numbers(text)
    lowered = text.lower()
    numbers, held_strings = held(calls)  # a call made already holds nothing new
    tools = {call.name for call in calls}
    kept: list[ToolCall] = []
    for call in drafted:
        holds = held_numbers(call.arguments)
        values = (number_argument(leaf) for leaf in leaves(call.arguments))
        own = all(n is None or n in written or n in numbers for n in values)
        # a value that names its slot (`"route": "route"`) is no value of the user's
        slots = {
            v.lower()
            for n, v in call.arguments.items()
            if isinstance(v, str) and is_placeholder(v, n, {})
        }
        taken = string_values(call) - slots if strings else set()
        mine = bool(holds & written) or any(s in lowered for s in taken)
        new = (holds & written) - numbers or {s for s in taken if s in lowered} - held_strings
        # with strings (a part: an ask of its own), a tool no call used is new of itself
        if (new or (strings and mine and call.name not in tools)) and own:
            kept.append(call)
            numbers |= holds
            held_strings |= taken
            tools.add(call.name)
    return kept
