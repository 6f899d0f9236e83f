"""Arguments the user asked for and the draft left out.

A small model under a call grammar writes the required arguments and closes the call: "the
circumference of a circle with a radius of 4 inches" becomes `{"radius": 4}`, "in Celsius" is
dropped, "in descending order" never reaches `sortBy`. The grammar allows the optional
parameter; the model's probability of closing the object is simply higher than of going on.

`mentioned_parameters` finds, for each drafted call, the optional parameters the user's words
speak to: the words of the query that no argument value copied and that the tool and the
arguments already written do not explain (the request's leftover), met by the parameter's
name, one of its enum values (both even where the tool's description writes them: "with a
patio" asks for the `amenities` of a tool that finds restaurants "such as the presence of a
patio"), at least two words of its description, or, for a parameter that
is the unit of an argument the call wrote ("the unit of the radius"), the word after that
argument's number ("4 inches"). By its name, a parameter is asked for even where the tool's
description lists it too ("with Danny John-Jules in the cast" asks for the `cast` of a tool
that "searches by director, genre and cast"; the tool's name is its subject, and its words ask
for nothing). A date the user wrote that no argument writes (`lamagent.gate.dates`) asks for a
parameter whose description names a date form, and then, the only such date, in that form, is
its value ("April 4th 2023" gives `"date": "2023-04-04"` for 'YYYY-MM-DD'), or for a string
parameter named a date; a time of day likewise for a parameter whose description names a time
form (`lamagent.gate.times`: "8:30 pm" gives "20:30" for 'HH:MM'). A place the user named
that no argument holds ("in California") asks for the one parameter named for a kind of
place the call left out (`lamagent.gate.places`), with the place as its value when the user
named one. A number the user wrote
that no argument took ("set the
starting level to 5", "two tickets", in digits or in words up to twelve) asks for the
parameter whose name or description meets a word next to it (after it, for a number in
words), even a word the tool's description explains (the tool "creates a profile with name,
class and starting level"); a number parameter asked for this way takes that number.

With `GenerationParams.mentioned_arguments`, a turn that must call (`PromptTurns`) is generated
again when a call left such parameters out: the same prompt (a prefix-caching engine re-reads
nothing), with those parameters required, an enum or the described options narrowed to the
values the user said, a unit
parameter without an enum narrowed to the word the user wrote, and no more calls than the
draft; the arguments the draft wrote keep their values. The copy bias, when on, helps the
model copy the user's value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from lamagent.gate.dates import date_form, value_dates, writes_date
from lamagent.gate.items import NUMBERS, number_value
from lamagent.gate.options import parameter_options
from lamagent.gate.places import place_parameters, untaken_places
from lamagent.gate.reshape import described_forms, enum_values, tool_properties
from lamagent.gate.signals import (
    content_words,
    leaf_values,
    meets,
    query_text,
)
from lamagent.gate.switches import SWITCH_WORDS, said_switches
from lamagent.gate.times import time_form, written_times
from lamagent.messages import MessageLike, ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "NUMBER_WORDS",
    "amended_tools",
    "mentioned_parameters",
    "named_switches",
    "parameter_number",
    "said_numbers",
    "with_required",
]

#: Words of a parameter's description that must meet the leftover for it to count as asked.
_DESCRIPTION_WORDS = 2
#: The stem of "unit", "units": a parameter about a value's unit of measure.
_UNIT = "unit"
#: The word of a parameter's name that says it takes a date (it meets "dates" too).
_DATE = "date"
#: Words and numbers as the user wrote them.
_SURFACE = re.compile(r"[^\W\d_]+|\d+")
#: A number as the user wrote it ("5", "400,000", "3.5", "20" of "20ft"; not the digits of a
#: code, "Q3CC-CRT3"), or a word.
_WRITTEN = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*|[^\W\d_]+\d*[\w-]*|\d+")
#: Numbers written in words, as a request writes a count ("two tickets", "next three days").
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
#: How many words before and after a number no argument took may say whose it is
#: ("set the starting level to 5", "two tickets", "under 30 minutes to prepare").
_NUMBER_REACH_BEFORE = 3
_NUMBER_REACH_AFTER = 2
#: Words right before a count in words that say which count it is ("the top three plants",
#: "the next five days", "the last six months"): read with it.
_COUNT_OPENERS = frozenset({"top", "first", "last", "next", "past", "best", "latest", "bottom"})


def _values(spec: Mapping[str, Any]) -> list[Any]:
    """The values a parameter takes as its enum gives them or, for a string without one, as
    its description lists them ("'Celsius' or 'Fahrenheit'", "could be 'IMAX', '2D'"; names
    too: the user saying one speaks to the parameter)."""
    return enum_values(spec) or parameter_options(spec, names=True)


def _hits(words: set[str], pool: set[str]) -> int:
    return sum(meets(w, pool) for w in words)


def mentioned_parameters(
    call: ToolCall, tool: Tool, messages: Sequence[MessageLike]
) -> dict[str, tuple[Any, ...]]:
    """The optional parameters of `tool` that `call` left out and the last user message asks
    for (see the module's docstring), in the tool's order; each with the values of its enum
    or described options the user said (empty: they are not what asked for it, or it has
    none)."""
    props = tool_properties(tool)
    required = set(tool.parameters.get("required") or ())
    absent = [name for name in props if name not in required and name not in call.arguments]
    if not absent:
        return {}
    query = query_text(messages)
    uncopied = content_words(query) - content_words(" ".join(leaf_values(call.arguments)))
    written = [tool.name]
    for name in call.arguments:
        spec = props.get(name)
        written.append(name)
        if isinstance(spec, Mapping):
            written.append(str(spec.get("description") or ""))
    # by its name, a parameter the tool's description lists is still asked for: "with Danny
    # John-Jules in the cast" asks for the `cast` of a tool that "searches by director,
    # genre and cast"; the tool's name is its subject ("find a recipe" for `recipe_search`)
    own = content_words(" ".join(written))
    named_left = {w for w in uncopied if not meets(w, own)}
    spoken = own | content_words(tool.description)
    leftover = {w for w in named_left if not meets(w, spoken)}
    when = _asked_when(query, call, tool, absent)
    placed = _asked_where(query, call, tool, absent)
    if not named_left and not when and not placed:
        return {}
    units = {u: of for u, of in _units(query, call).items() if content_words(u) & leftover}
    counted = _around_untaken_numbers(query, call)
    found: dict[str, tuple[Any, ...]] = {}
    for name in absent:
        spec = props[name] if isinstance(props[name], Mapping) else {}
        description = content_words(str(spec.get("description") or ""))
        # an option the user named asks for its parameter even where the tool's description
        # names it too ("such as the presence of a patio": "with a patio" asks for `amenities`)
        said = tuple(v for v in _values(spec) if _hits(content_words(str(v)), named_left))
        by_name = _hits(content_words(name), leftover) or _all_hit(name, named_left)
        by_description = _hits(leftover, description)
        # a unit parameter whose description says whose unit it is ("the unit of the radius")
        # takes the word after the number the call gave that argument ("radius of 4 inches")
        measured = [
            unit
            for unit, arguments in units.items()
            if any(_hits(content_words(a), description) for a in arguments)
        ]
        by_unit = bool(measured) and _UNIT in content_words(name) | description
        # a number no argument took, next to the parameter's name or a word of its
        # description: the user gave it a value, whatever the tool's description says; a
        # number parameter takes that number, when it is one
        numbers = [
            number
            for number, near in counted.items()
            if _hits(content_words(name), near) or _hits(near, description)
        ]
        by_number = bool(numbers)
        if len(numbers) == 1 and not said:
            said = parameter_number(numbers[0], spec)
        if by_unit and not said and spec.get("type") == "string" and "enum" not in spec:
            said = tuple(measured)  # the unit is what the user wrote after the number
        if name in when and not said:
            said = when[name]  # the user's date or time, in the form the description names
        if name in placed and not said:
            said = placed[name]  # the place the user named
        if (
            said
            or by_name
            or by_description >= _DESCRIPTION_WORDS
            or by_unit
            or by_number
            or name in when
            or name in placed
        ):
            found[name] = said
    return found


def _asked_where(
    query: str, call: ToolCall, tool: Tool, absent: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The place parameter (`lamagent.gate.places`) a place the user named and no argument
    of `call` holds asks for: the only one of the tool's that `call` left out, none where it
    left out several (which one the place is for is the model's call); with the place as
    its value where the user named one such place (asked to write a place it was not shown,
    the model writes "")."""
    left_out = [name for name in place_parameters(tool) if name in absent]
    if len(left_out) != 1:
        return {}  # the query is read only for a tool that can take its place
    places = untaken_places(query, leaf_values(call.arguments))
    if not places:
        return {}
    return {left_out[0]: (places[0],) if len(places) == 1 else ()}


def _all_hit(name: str, pool: set[str]) -> bool:
    """Whether every word of a parameter's name but those that say it is a switch meets
    `pool` ("has_laundry_service": "laundry" and "service"; "include_forecast": "forecast")."""
    said = {w for w in content_words(name) if w not in SWITCH_WORDS}
    return bool(said) and all(meets(w, pool) for w in said)


def _asked_when(
    query: str, call: ToolCall, tool: Tool, absent: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The `absent` parameters a date or a time of day the user wrote and no argument of
    `call` writes asks for (`lamagent.gate.dates`, `lamagent.gate.times`), each with the
    user's value in the form its description names (empty: no form, several values, or a
    field the form needs and the user did not write). One date for two date parameters
    ("since July 2022" for a minimum and a maximum date) asks for neither: which one it is
    for is the model's call."""
    values = leaf_values(call.arguments)
    said_dates = value_dates(query)
    dates = [d for d in said_dates if not any(writes_date(v, d) for v in values)]
    taken = {t for v in values if isinstance(v, str) for t in written_times(v)}
    times = [t for t in written_times(query) if t not in taken]
    asked: dict[str, tuple[Any, ...]] = {}
    date_forms = described_forms(tool, date_form)
    props = tool_properties(tool)
    dated = [n for n in absent if n in date_forms or _named_date(n, props[n])]
    if dates and len(dated) <= len(dates):
        for name in dated:
            form = date_forms.get(name)
            value = form.write(dates[0]) if form is not None and len(dates) == 1 else None
            asked[name] = () if value is None else (value,)
    time_forms = described_forms(tool, time_form)
    timed = [n for n in absent if n in time_forms]
    if times and len(timed) <= len(times):
        day = said_dates[0] if len(said_dates) == 1 else None
        for name in timed:
            value = time_forms[name].write(times[0], day) if len(times) == 1 else None
            asked[name] = asked.get(name) or (() if value is None else (value,))
    return asked


def _named_date(name: str, spec: Any) -> bool:
    """Whether a string parameter's name says it takes a date (`date`, `start_date`)."""
    return (
        isinstance(spec, Mapping)
        and spec.get("type") == "string"
        and meets(_DATE, content_words(name))
    )


def said_numbers(query: str) -> list[tuple[Decimal, set[str]]]:
    """Each number `query` writes (in digits, or in words up to twelve), in order, with the
    content words next to it (a number in words: after it, and a word right before it that
    says which count it is: "top", "first", "next", ...): what the user said it is."""
    said = _WRITTEN.findall(query)
    found: list[tuple[Decimal, set[str]]] = []
    for i, word in enumerate(said):
        in_digits = word[0].isdigit()
        number = number_value(word if in_digits else NUMBER_WORDS.get(word.lower(), ""))
        if number is None:
            continue
        # a count in words comes before what it counts ("two tickets"); "between two sets
        # of variables" says nothing of the significance level before it, but "top three"
        # says the count is of the top ones
        if in_digits:
            before = said[max(0, i - _NUMBER_REACH_BEFORE) : i]
        else:
            before = [w for w in said[max(0, i - 1) : i] if w.lower() in _COUNT_OPENERS]
        near = before + said[i + 1 : i + 1 + _NUMBER_REACH_AFTER]
        found.append((number, content_words(" ".join(w for w in near if not w[0].isdigit()))))
    return found


def _around_untaken_numbers(query: str, call: ToolCall) -> dict[Decimal, set[str]]:
    """Each number of `query` (see `said_numbers`) that no argument of `call` took, with the
    content words next to it. A number a value holds is taken ("iPhone 12": the 12 is the
    product's); a number next to the name of an argument the call wrote is that argument's
    ("radius 4" where the call wrote a radius of 5), not an absent parameter's."""
    taken = {number_value(n) for leaf in leaf_values(call.arguments) for n in NUMBERS.findall(leaf)}
    written = content_words(" ".join(str(name) for name in call.arguments))
    found: dict[Decimal, set[str]] = {}
    for number, words_near in said_numbers(query):
        if number in taken:
            continue
        if words_near and not any(meets(w, written) for w in words_near):
            found.setdefault(number, set()).update(words_near)
    return found


def parameter_number(number: Decimal, spec: Mapping[str, Any]) -> tuple[Any, ...]:
    """`number` as a value of the parameter `spec` describes: none for a parameter that is no
    number, or whose enum does not hold it."""
    kind = spec.get("type")
    whole = number == number.to_integral_value()
    value: int | float
    if kind == "integer" and whole:
        value = int(number)
    elif kind == "number":
        value = int(number) if whole else float(number)
    else:
        return ()
    enum = spec.get("enum")
    if isinstance(enum, list) and value not in enum:
        return ()
    return (value,)


def named_switches(call: ToolCall, tool: Tool, messages: Sequence[MessageLike]) -> list[str]:
    """The boolean parameters of `tool` that `call` left out or set false and that the last
    user message names on (`said_switches`): "assuming equal variance" names
    `equal_variance`, "apply standardization" `standardize`, "with quality monitoring"
    `monitoringEnabled`; "disable the power-saving mode" names `powerSaveEnabled` off, so not
    that one."""
    return [
        name
        for name, on in said_switches(tool, query_text(messages)).items()
        if on and call.arguments.get(name, False) is False
    ]


def _units(query: str, call: ToolCall) -> dict[str, list[str]]:
    """The words of `query` right after a number the call used ("4 inches", "10 kg"), as
    written, each with the arguments that number went to."""
    numbers: dict[str, list[str]] = {}
    for argument, value in call.arguments.items():
        for leaf in leaf_values(value):
            if leaf.isdigit():
                numbers.setdefault(leaf, []).append(str(argument))
    said = _SURFACE.findall(query)
    units: dict[str, list[str]] = {}
    for number, word in pairwise(said):
        if number in numbers and word.isalpha():
            units.setdefault(word, []).extend(numbers[number])
    return units


def with_required(
    tool: Tool,
    asked: Mapping[str, Sequence[Any]],
    kept: Mapping[str, Sequence[Any]] | None = None,
) -> Tool:
    """A copy of `tool` whose schema also requires the parameters `asked` (the grammar then
    makes the model write them), each limited to the values given for it, if any (a list
    parameter's items, when its items have an enum); and the parameters `kept`, each to the
    whole values given (what a draft wrote)."""
    from lamagent.tools import Tool as ToolClass

    kept = {n: v for n, v in (kept or {}).items() if n not in asked}
    parameters = dict(tool.parameters)
    required = list(parameters.get("required") or ())
    wanted = [*asked, *kept]
    parameters["required"] = [*required, *(n for n in wanted if n not in required)]
    properties = dict(tool_properties(tool))
    for name in wanted:
        spec = properties.get(name)
        if not isinstance(spec, Mapping):
            continue
        # a parameter with a default reads as optional whatever "required" says: drop it
        spec = {k: v for k, v in spec.items() if k != "default"}
        items = spec.get("items")
        if name in kept:
            spec["enum"] = list(kept[name])
        elif asked[name] and spec.get("type") == "array" and isinstance(items, Mapping):
            # the items the user said, each once at most (a small model repeats an item)
            spec["items"] = {**items, "enum": list(asked[name])}
            spec["minItems"], spec["maxItems"] = 1, len(asked[name])
        elif asked[name]:
            spec["enum"] = list(asked[name])
        properties[name] = spec
    parameters["properties"] = properties
    return ToolClass(tool.name, tool.description, parameters)


def amended_tools(
    calls: Sequence[ToolCall], tools: Sequence[Tool], messages: Sequence[MessageLike]
) -> tuple[list[Tool], dict[str, tuple[str, ...]]]:
    """`tools` with, for each tool a call used, the parameters the calls left out and the
    user asked for made required, and the arguments they wrote kept to the values written;
    and the parameters asked for, by tool (empty: nothing to amend)."""
    by_name = {t.name: t for t in tools}
    wanted: dict[str, dict[str, tuple[Any, ...]]] = {}
    for call in calls:
        tool = by_name.get(call.name)
        if tool is None:
            continue
        for name, said in mentioned_parameters(call, tool, messages).items():
            asked = wanted.setdefault(tool.name, {})
            # two calls of a tool: the values either one's words said
            asked[name] = tuple(dict.fromkeys([*asked.get(name, ()), *said]))
        for name in named_switches(call, tool, messages):
            wanted.setdefault(tool.name, {})[name] = (True,)  # a switch the user named is on
    if not wanted:
        return list(tools), {}
    amended = [
        with_required(t, wanted[t.name], _written(calls, t.name)) if t.name in wanted else t
        for t in tools
    ]
    return amended, {name: tuple(asked) for name, asked in wanted.items()}


def _written(calls: Sequence[ToolCall], tool: str) -> dict[str, tuple[Any, ...]]:
    """The arguments the calls of `tool` wrote, each with the values they wrote: the second
    generation adds arguments, it does not write the others again differently."""
    values: dict[str, dict[str, Any]] = {}
    for call in calls:
        if call.name != tool:
            continue
        for name, value in call.arguments.items():
            key = json.dumps(value, sort_keys=True, default=str)
            values.setdefault(str(name), {})[key] = value
    return {name: tuple(found.values()) for name, found in values.items()}
