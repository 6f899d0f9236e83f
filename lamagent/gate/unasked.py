"""Calls nobody asked for: what a small model writes after the call the user asked for.

Under a call grammar the embedded model often does not close the list after its call. It
goes on with a second call of the same tool and values of its own ("origin": "D.C. (D.C. is
a city, not a state)", "cell_type": "cell" after "human cell", "vehicle_type":
"vehicle_type"), or tours the other tools with the same values ("the greatest common divisor
of 128 and 256": `calculate_gcd`, then `calculate_lcm`). A tool with side effects would run
them all.

`unasked_calls(calls, text, sources, tools)` keeps the first call and every later one that the
conversation asks for, and leaves out the rest:

- a call of a tool an earlier kept call used (a repeat) is kept when it takes an item of a
  list in the user's request (`lamagent.gate.items`) no earlier call of the tool took, when
  it is an earlier call again (asked twice is the model's choice), or when, against each
  earlier call of the tool, one of the arguments it writes otherwise holds a value written in
  the request or a tool's result (`sources`) that neither holds nor is part of the earlier
  value (a list of items the earlier list holds brings none: `["Fiction"]` after
  `["Wi-Fi", "Fiction", "Children Section"]`); a value is written in another form too: a
  place without its region ("San Francisco, CA" for "San Francisco"), a percentage as its
  fraction (0.015 of "1.5%"), one word of `_MIN_FORM` letters or more in another form
  ("vaporization" of "vaporizing"), an option of the parameter's enum the request writes
  in words (`lamagent.gate.options.said_options`: "five_years" of "the last five years"),
  and a switch (a boolean) the request names, on or off (`lamagent.gate.switches`: "What if
  the process is not isothermal?");
- a call of a tool no earlier kept call used is kept when one of its values is written in
  the request or a tool's result and no earlier call holds it, and, where the tools are
  given, a word of its tool's name or description is one of the request's words (a speed's
  "100 m" is no `get_event_date`'s event: "Retrieve the date of a historical event" speaks
  to nothing of "the final speed of an object dropped from 100 m"), or when a word of its tool's
  name that the earlier calls' tool names do not have is one of the request's words
  ("important" of `history.get_important_figures` for "an array of important leaders");
- but a repeat that only mixes the values earlier calls of the tool wrote (each in the same
  argument) into items of lists the user paired, from different places, is left out: after
  ("Google", "Santa Clara") and ("Facebook", "San Mateo"), ("Facebook", "Santa Clara");
- and of two calls kept (no more: several calls are several asks, each in the user's words,
  which need not be its tool's name's), one (the first too) that tours the tools with the
  other's values is left out where the request names the other's tool and not its own: the
  other call is of another tool and its values are this one's or among them, no word of this
  one's tool name that the other's lacks is a word of the request, and one of the other's is
  ("the most points scored
  by a single player in an NBA game": `most_points_career` beside `most_points_single_game`,
  both with "NBA"; "how much will I weigh on Mars": `unit_conversion.convert` of 70, "Mars"
  and "Earth" beside `calculate.weight_in_space` of 70 and "Mars").

Nothing is generated and nothing else changes: the calls kept are the model's as written.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import NUMBERS, number_value, value_lists
from lamagent.gate.listed import pairs_otherwise, taken_items
from lamagent.gate.options import said_options
from lamagent.gate.reshape import enum_values, tool_properties
from lamagent.gate.signals import content_words, leaf_values, meets, stem, words
from lamagent.gate.switches import said_switches
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["unasked_calls"]

#: How many calls a turn keeps where one may be the other's tour (`_unnamed_tours`).
_TOUR = 2
#: Fewest letters of a one-word value read as another form of a word the request writes.
_MIN_FORM = 5
#: A place and its region: "San Francisco, CA", "Paris, France".
_PLACE = re.compile(r"([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}), [A-Z][\w.]*(?: [A-Z][\w.]*){0,2}")


def unasked_calls(
    calls: Sequence[ToolCall],
    text: str,
    sources: Sequence[str] = (),
    tools: Sequence[Tool] = (),
) -> tuple[list[ToolCall], list[ToolCall]]:
    """`calls` split into those kept and those nobody asked for, each in order.

    `text`: the user's request; `sources`: what else a value may be written in (the user's
    earlier messages, the tools' results)."""
    if len(calls) < 2:  # the first call is always kept
        return list(calls), []
    lists = value_lists(text)
    context = _Conversation([text, *sources], tools)
    asked = content_words(text)
    kept: list[ToolCall] = []
    dropped: list[ToolCall] = []
    for call in calls:
        same = [c for c in kept if c.name == call.name]
        if not kept:
            keep = True
        elif same:
            took = set().union(*(taken_items(c, lists) for c in same))
            keep = (
                bool(taken_items(call, lists) - took)
                or any(c.arguments == call.arguments for c in same)
                or all(_brings_written(call, c, context) for c in same)
            ) and not _recombined(call, same, text)
        else:
            keep = (_brings_new(call, kept, context) and _speaks_to(call, tools, asked)) or _named(
                call, kept, asked
            )
        (kept if keep else dropped).append(call)
    # two calls: one ask toured over two tools, unless the request names both; more calls
    # are several asks, each in the user's words, which need not be its tool's name's
    toured = _unnamed_tours(kept, asked) if len(kept) == _TOUR else []
    if not toured:
        return kept, dropped
    order = {id(call): i for i, call in enumerate(calls)}
    left = sorted([*dropped, *toured], key=lambda c: order[id(c)])
    return [c for c in kept if not any(c is t for t in toured)], left


def _unnamed_tours(kept: Sequence[ToolCall], asked: set[str]) -> list[ToolCall]:
    """The calls of `kept` that tour the tools with another call's values while the request
    names the other call's tool and not theirs: against a call of another tool whose values
    are theirs or among theirs, no word of their tool's name that the other's lacks is one of
    the request's words (`asked`), and one of the other's is ("the most points scored by a
    single player in an NBA game": `most_points_career` beside `most_points_single_game`,
    both with "NBA")."""
    values = [{leaf.casefold() for leaf in leaf_values(c.arguments)} for c in kept]
    toured: list[ToolCall] = []
    for call, held in zip(kept, values, strict=True):
        own = content_words(call.name)
        for other, other_held in zip(kept, values, strict=True):
            if not held or not other_held:  # a call of the same tool: no word of its own
                continue
            if not (held <= other_held or other_held <= held):
                continue
            theirs = content_words(other.name)
            mine = [w for w in own if not meets(w, theirs)]
            its = [w for w in theirs if not meets(w, own)]
            if not any(meets(w, asked) for w in mine) and any(meets(w, asked) for w in its):
                toured.append(call)
                break
    return toured


def _recombined(call: ToolCall, earlier: Sequence[ToolCall], text: str) -> bool:
    """Whether `call` only mixes the values earlier calls of its tool wrote, each in the same
    argument, into a pair the user did not write: items of paired lists from different
    places (after ("Google", "Santa Clara") and ("Facebook", "San Mateo"), ("Facebook",
    "Santa Clara"))."""
    mixed = all(
        any(name in c.arguments and c.arguments[name] == value for c in earlier)
        for name, value in call.arguments.items()
    )
    return mixed and pairs_otherwise(call, text)


def _brings_written(call: ToolCall, earlier: ToolCall, context: _Conversation) -> bool:
    """Whether an argument `call` writes otherwise than `earlier` holds a value written in
    `context` that neither holds nor is part of the earlier value (a list of the earlier
    list's items is part of it)."""
    for name, value in call.arguments.items():
        before = earlier.arguments.get(name)
        if name in earlier.arguments and before == value:
            continue
        if isinstance(value, bool) and context.names_switch(call.name, name):  # "not isothermal"
            return True
        if context.says_option(call.name, name, value):  # "five_years" of "five years"
            return True
        if not context.writes(value):
            continue
        if (
            isinstance(value, str)
            and isinstance(before, str)
            and before.strip()  # an empty value is part of none
            and (value in before or before in value)
        ):
            continue
        if _items_of(value, before):
            continue
        return True
    return False


def _items_of(value: Any, before: Any) -> bool:
    """Whether list `value` holds only items of list `before`, not all of them (some, none
    new); all of them in another order is another list ("[56, 78, 90, 12, 34]" after "[34,
    78, 12, 56, 90]", both written, each to be sorted)."""
    if not isinstance(value, list) or not isinstance(before, list):
        return False
    held = {json.dumps(item, sort_keys=True) for item in before}
    items = {json.dumps(item, sort_keys=True) for item in value}
    return items < held


def _brings_new(call: ToolCall, earlier: Sequence[ToolCall], context: _Conversation) -> bool:
    """Whether one of `call`'s values is written in `context` and held by no earlier call."""
    held = {leaf.casefold() for c in earlier for leaf in leaf_values(c.arguments)}
    return any(
        leaf.casefold() not in held and context.writes(leaf) for leaf in leaf_values(call.arguments)
    )


def _named(call: ToolCall, earlier: Sequence[ToolCall], asked: set[str]) -> bool:
    """Whether a word of `call`'s tool name, not in the earlier calls' tool names, is one of
    the request's words (`asked`, as `content_words`). A word is in them as the request's
    words are, stems and starts aside: `get_movie_details` after `get_movies` brings
    "details", not "movie"."""
    before = set().union(*(content_words(c.name) for c in earlier))
    new = (word for word in content_words(call.name) if not meets(word, before))
    return any(meets(word, asked) for word in new)


def _speaks_to(call: ToolCall, tools: Sequence[Tool], asked: set[str]) -> bool:
    """Whether a word of `call`'s tool (its name, its description) is one of the request's
    words (`asked`); true for a tool the list does not describe."""
    tool = next((t for t in tools if t.name == call.name), None)
    if tool is None:
        return True
    said = content_words(call.name) | content_words(tool.description or "")
    return any(meets(word, asked) for word in said)


class _Conversation:
    """The texts a value may be written in, read once: the numbers they write (a percentage
    also as its fraction: "2.5%" writes 0.025), folded, and their words' stems when asked; and
    the tools, whose enums' options and switches the request (the first text) may name."""

    def __init__(self, texts: Sequence[str], tools: Sequence[Tool] = ()) -> None:
        self.request = texts[0] if texts else ""
        self.texts = [t.casefold() for t in texts]
        self.tools = {tool.name: tool for tool in tools}
        self._switches: dict[str, dict[str, bool]] = {}
        self.numbers: set[Decimal] = set()
        for t in texts:
            for m in NUMBERS.finditer(t):
                n = number_value(m.group())
                if n is not None:
                    self.numbers.add(n)
                    if m.group().endswith("%"):
                        self.numbers.add(n / 100)

    def writes(self, value: Any) -> bool:
        """Whether `value` (each of its leaves) is written in one of the texts."""
        if isinstance(value, bool) or value is None:
            return False
        if isinstance(value, (list, tuple, dict)):
            leaves = list(value.values() if isinstance(value, dict) else value)
            return bool(leaves) and all(self.writes(leaf) for leaf in leaves)
        if isinstance(value, (int, float)):
            return Decimal(str(value)) in self.numbers
        if isinstance(value, str):
            folded = value.strip().casefold()
            number = number_value(folded)
            return bool(folded) and (
                any(folded in t for t in self.texts)
                or (number is not None and number in self.numbers)
                or self._written_as(value.strip())
            )
        return False

    @functools.cached_property
    def stems(self) -> set[str]:
        """The stems of the texts' words (read when a one-word value is looked up)."""
        return {stem(w) for t in self.texts for w in words(t)}

    def says_option(self, tool: str, parameter: str, value: Any) -> bool:
        """Whether `value` is an option of the parameter's enum that the request writes in
        words (`lamagent.gate.options.said_options`: "five_years" of "the last five
        years")."""
        called = self.tools.get(tool)
        spec = tool_properties(called).get(parameter) if called is not None else None
        if not isinstance(value, str) or not isinstance(spec, Mapping):
            return False
        return value in enum_values(spec) and bool(said_options(self.request, [value]))

    def names_switch(self, tool: str, parameter: str) -> bool:
        """Whether the request names the tool's switch `parameter`, on or off
        (`lamagent.gate.switches.said_switches`: "What if the process is not isothermal?")."""
        called = self.tools.get(tool)
        if called is None:
            return False
        if tool not in self._switches:
            self._switches[tool] = said_switches(called, self.request)
        return parameter in self._switches[tool]

    def _written_as(self, value: str) -> bool:
        """Whether a text writes the value in another form: a place without the region after
        its comma ("San Francisco, CA" for "San Francisco"), or one word of at least
        `_MIN_FORM` letters as another form of it ("vaporization" for "vaporizing")."""
        place = _PLACE.fullmatch(value)
        if place is not None:
            head = place.group(1).casefold()
            return any(head in t for t in self.texts)
        said = words(value)
        return (
            len(said) == 1
            and said[0] == value.casefold()
            and len(said[0]) >= _MIN_FORM
            and stem(said[0]) in self.stems
        )
