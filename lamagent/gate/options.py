"""A value that names one of the options its description lists, as that option.

Tool authors list a string parameter's values in words when they give it no enum: "'gas'
refers to a gasoline vehicle, 'diesel' refers to a diesel vehicle, and 'EV' refers to an
electric vehicle", "It can be either 'men' or 'women'", "E.g. reading, transportation, food".
Asked about "a gas-powered vehicle", a small model copies the user's words into the value,
"gas-powered vehicle", where the tool takes "gas".

`named_options(calls, tools)`: a string value that is none of the options but holds exactly
one of them as whole words (case aside: "gas" in "gas-powered vehicle", "reading" in
"digital_reading"; words joined by "/" are one: "km/h" holds no "km"; singular or plural:
"heart" holds "hearts", `singular`) becomes that option.
The options are the description's quoted strings (not a default: "Default is 'men'") or its
unquoted list after "e.g.", "such as", "like", "for example", "for instance" or "including"
("like vegan, vegetarian, gluten-free etc."), two at least, each of at most
`MAX_OPTION_WORDS` words. Left alone:

- a parameter with an enum, a const or a pattern (the grammar keeps those), or of another
  type than string;
- options that are names (every word capitalised: "such as 'Paris' or 'London'" shows what
  a city looks like, and "London, Ontario" is no "London"), unless the description says the
  value is one of them ("one of", "either", "can be", "options", "possible values",
  "refers to");
- a value that holds two options, or none, or says no "not" ("not gas", "non-diesel");
- options of one character ('C' for C major: "C sharp" is no "C").

A placeholder (the value names its slot: `"diet": "diet_type"`, `"type": "string"`) takes the
option the request writes, as whole words, case aside, where it writes exactly one and not
right after a "not": "What are some gluten-free recipes for dinner?" gives `diet` "e.g.,
'vegan', 'gluten-free'" its "gluten-free" and `meal_type` "e.g., 'dinner', 'breakfast'" its
"dinner".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.placeholders import is_placeholder
from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import holds_in_a_row, singular
from lamagent.messages import ToolCall
from lamagent.tools.shapes import quoted_examples

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "MAX_OPTION_WORDS",
    "NEGATIONS",
    "described_options",
    "named_options",
    "parameter_options",
    "said_option",
    "said_options",
]

#: Most words of one option: options are short ("gas", "Living room", "gluten-free").
MAX_OPTION_WORDS = 3
_ITEM = r"[\w+#-]+(?: [\w+#-]+){0,2}"
#: An unquoted list after a marker: "E.g. reading, transportation, food".
_LISTED = re.compile(
    rf"(?:\be\.g\.?|\bsuch as|\blike|\bfor example|\bfor instance|\bincluding)[,:]?\s+"
    rf"((?:{_ITEM}, )+(?:(?:and|or) )?{_ITEM})",
    re.IGNORECASE,
)
_AND_OR = re.compile(r"^(?:and|or) ", re.IGNORECASE)
_ETC = re.compile(r"\s*\betc\b\.?$", re.IGNORECASE)
#: Words that make the options the values the parameter takes.
_CLOSED = re.compile(
    r"\bone of\b|\beither\b|\bcan be\b|\boptions?\b|\bpossible values?\b|\brefers? to\b",
    re.IGNORECASE,
)
#: A word; words joined by "/" are one ("km/h", "m/s": a unit, not "km" and "h").
_WORD = re.compile(r"[^\W_]+(?:/[^\W_]+)*")
#: Words that make a value the opposite of the option it holds.
NEGATIONS = frozenset({"not", "non", "no", "without", "except"})
#: Fewest characters of an option: one letter ('C' for C major, 'x') is a word of too many
#: values ("C sharp").
MIN_OPTION_CHARS = 2


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _is_name(option: str) -> bool:
    words = _WORD.findall(option)
    return bool(words) and all(w[0].isupper() and not w.isupper() for w in words)


def described_options(description: str, *, names: bool = False) -> list[str]:
    """The options `description` lists for a string value (see the module's docstring), in
    order; empty when it lists fewer than two or, unless `names`, they are names it does not
    close (a value is not turned into one; that the user said one is another matter)."""
    if not description:
        return []
    found = list(quoted_examples(description))
    for match in _LISTED.finditer(description):
        for item in match.group(1).split(", "):
            found.append(_ETC.sub("", _AND_OR.sub("", item)).strip())
    options = [
        o
        for o in dict.fromkeys(found)
        if len(o) >= MIN_OPTION_CHARS and 0 < len(_words(o)) <= MAX_OPTION_WORDS
    ]
    if len(options) < 2:
        return []
    if not names and any(_is_name(o) for o in options) and not _CLOSED.search(description):
        return []
    return options


def _named(value: str, options: Sequence[str]) -> str | None:
    """The one option `value` holds as whole words, singular or plural ("heart" holds
    "hearts"), when it is none of them and says no "not" ("not gas", "non-diesel")."""
    words = _words(value)
    if NEGATIONS.intersection(words):
        return None
    read = [singular(w) for w in words]
    held: list[str] = []
    for option in options:
        spelled = _words(option)
        if spelled == words:
            return None
        one = [singular(w) for w in spelled]
        if holds_in_a_row(read, one):
            held.append(option)
    return held[0] if len(held) == 1 else None


def parameter_options(spec: Mapping[str, Any], *, names: bool = False) -> list[str]:
    """The options a string parameter's description lists (`described_options`), when its
    schema leaves the value open (no enum, const or pattern: the grammar keeps those)."""
    if not open_string(spec):
        return []
    description = spec.get("description")
    return described_options(description, names=names) if isinstance(description, str) else []


#: Most words of an option a request can be said to name by writing them.
MAX_SAID_WORDS = 8
#: Words of degree between a negation and what it negates ("not too pricey").
_DEGREE = frozenset({"too", "very", "so", "that", "really", "overly"})


def _negated(words: Sequence[str], at: int) -> bool:
    """Whether the word at `at` follows a negation: "not gluten-free", "not too pricey"."""
    before = words[max(0, at - 2) : at]
    return bool(before) and (
        before[-1] in NEGATIONS
        or (len(before) == 2 and before[0] in NEGATIONS and before[1] in _DEGREE)
    )


def said_options(query: str, options: Sequence[str]) -> list[str]:
    """The options the request writes as whole words (case aside), in a row, not right after
    a "not" ("not gluten-free", "not too pricey"), in the order of `options`."""
    words = _words(query)
    spelled = {option: tuple(_words(option)) for option in options}
    wanted = {s for s in spelled.values() if 0 < len(s) <= MAX_SAID_WORDS}
    # each run of words the request writes that spells an option, not after a negation: one
    # pass per option length, so a long request and a long enum take little time together
    named: set[tuple[str, ...]] = set()
    for length in {len(s) for s in wanted}:
        for i in range(len(words) - length + 1):
            run = tuple(words[i : i + length])
            if run in wanted and not _negated(words, i):
                named.add(run)
    return [option for option, s in spelled.items() if s in named]


def said_option(query: str, options: Sequence[str]) -> str | None:
    """The one option the request writes (`said_options`); None for none or two."""
    said = said_options(query, options)
    return said[0] if len(said) == 1 else None


def named_options(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str = ""
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each string value that names one of its parameter's options as that
    option, and each placeholder value (`lamagent.gate.placeholders.is_placeholder`) whose
    request (`query`) writes one of the options as that option, and a note per value changed
    ("tool.argument: 'gas-powered vehicle' as 'gas', an option the description lists")."""
    schemas = tool_schemas(tools)

    def as_option(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(spec, Mapping):
            return None
        options = parameter_options(spec)
        option = _named(value, options)
        if option is not None:
            return option, f"{value!r} as {option!r}, an option the description lists"
        if not options or not is_placeholder(value, name, spec):
            return None
        option = said_option(query, options)
        if option is None:
            return None
        return option, f"{value!r} as {option!r}, the option of the description the user wrote"

    return reshaped_calls(calls, as_option)
