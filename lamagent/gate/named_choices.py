"""The option of an enum the user named, where the call holds another.

A parameter with an enum is held to its options by the call grammar, and a small model picks
one by what it has seen most, not by what the user said: "I would like the temperature in
Fahrenheit" drafted with `"unit": "celsius"`, "a ride of type 'Plus'" with `"type":
"comfort"`, "the burger" with `"TheFod": "PIZZA"`. The copy bias cannot help: the grammar
allows only the options, and the model's choice among them is not a copy.

`named_choices(calls, tools, query)`: a string argument of an enum, holding an option the user
did not name, becomes the one option the user named (its words, whole, in a row, case aside,
not right after a "not", "no", "without" or "except": `lamagent.gate.options`), when:

- the tool is called once in the list (a tool called for several items takes one option
  each: "a sine wave and a square one");
- the option held is a choice, not the enum's "no preference" ("dontcare", "any", "all",
  "none", "default": the model chose not to filter, and the words of a request name options
  in passing, "my cousin's house");
- no other argument of the call holds the option named (a conversion's `from_unit` holds the
  "celsius" of "celsius to fahrenheit").

An option the request writes only inside a longer one it names is not named apart ("like new"
names "Like New", not "New" too). Options the user cannot be said to name by writing them are
none here: numbers ("3" of "3-star"), stop words ("all" of "list all servers") and single
characters. Nothing else changes; nothing is generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.options import MIN_OPTION_CHARS, said_options
from lamagent.gate.reshape import enum_choices
from lamagent.gate.signals import STOPWORDS, WordRuns, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["named_choices"]

#: Options that choose nothing: the enum's way to say "any".
NO_CHOICE = frozenset({"dontcare", "any", "all", "none", "default", "unknown", "n/a"})


def _nameable(option: Any) -> bool:
    """Whether writing `option`'s words names it: a string of letters, not only stop words."""
    if not isinstance(option, str) or len(option.strip()) < MIN_OPTION_CHARS:
        return False
    said = words(option)
    return bool(said) and not all(w.isdigit() for w in said) and not set(said) <= STOPWORDS


def _places(option: str, said: WordRuns) -> set[int]:
    """The indexes of the request's words (`said`) where `option`'s words are written."""
    wanted = words(option)
    return {i + k for i in said.at(wanted) for k in range(len(wanted))}


def _outermost(options: list[Any], query: str) -> list[Any]:
    """`options` without those the request writes only inside a longer option it names:
    "like new" names "Like New", not "New" too."""
    if len(options) < 2:
        return options
    said = WordRuns(words(query))
    places = {option: _places(option, said) for option in options}
    return [
        option
        for option in options
        if not places[option]
        or not any(
            len(words(other)) > len(words(option)) and places[option] <= places[other]
            for other in options
        )
    ]


def named_choices(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each enum value the user did not name as the option the user named (see
    the module's docstring), and a note per value changed ("get_current_weather.unit:
    'celsius' as 'fahrenheit', the option the user named")."""
    said_of: dict[tuple[Any, ...], list[str]] = {}

    def choose(enum: list[Any], value: str) -> str | None:
        if value.strip().lower() in NO_CHOICE:
            return None
        key = tuple(enum)
        if key not in said_of:  # one reading of the request per enum
            said_of[key] = said_options(query, [o for o in enum if isinstance(o, str)])
        said = said_of[key]
        nameable = _outermost([o for o in said if _nameable(o)], query)
        if len(nameable) != 1 or value in said:
            return None
        return nameable[0]

    return enum_choices(calls, tools, choose, "the option the user named")
