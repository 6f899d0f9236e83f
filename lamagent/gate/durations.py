"""A length of time the user gave, in the unit its parameter counts in.

Users say "for the next week", "a duration of 3 minutes", "over the past hour", "the upcoming
month"; tool authors count in one unit: "The number of days for which releases are
required", "Length of the mix track in seconds.", "The duration for which sensor data will be
fetched, specified in seconds". A small model under a call grammar copies the user's count in
the user's unit (`"track_length": 3` for "3 minutes", counted in seconds), writes a count of
its own (`"timeframe": 1` for "the next week", counted in days) or leaves the parameter out.

`duration_values(calls, tools, query)`: a number parameter that counts time, the only one of
its tool, takes the length of time the user gave, in its unit, when the user gave one length
of time:

- a parameter counts time in the unit its description says it is in or is a number of ("in
  seconds", "(in minutes)", "specified in seconds", "number of days", "how many hours";
  exactly one such unit), or, where the description says none, the unit its name holds in
  the plural (`days`, `days_ahead`; a `year` is a year, not a count of years); never a rate
  ("meals per week");
- the user's lengths of time: a count and a unit ("3 minutes", "two weeks", "a 6-hour
  flight"), or one unit after "next", "coming", "upcoming", "following", "past" or "last"
  ("the next week"), or after "a"/"an" after "for", "in", "within", "over" or "after" ("for
  a week"; "three times a week" is a rate, "quarter of a second" a fraction);
- a length is counted in the parameter's unit where that gives a whole number: a week is 7
  days, a month 30 days, a year 12 months or 365 days, an hour 60 minutes ("120 minutes" is 2
  hours, "90 minutes" no whole number of hours);
- the value is set where the call holds none, or holds the user's count in the user's unit
  (3 of "3 minutes"), or a number the user wrote nowhere (1 for "the next week"). A length
  the user gave in the parameter's own unit is its value where the call left the parameter
  out ("takes under 30 minutes to prepare" for an optional `prep_time` "(in minutes)": the
  model under a call grammar closes the call before the optional ones), unless another
  argument of the call took its count, and replaces a number the user wrote nowhere ("the
  next month" for `months` drafted 12): `said_lengths`, a number the user said replacing a
  held one, which the call gate applies once it has decided, as it does the numbers the user
  named (`lamagent.turns.with_said_values`): it weighs its draft as the model wrote it.

Left alone: a tool with two parameters that count time ("hours" and "minutes" of one start
time), two lengths of time (whose is which is the model's call), a value the user wrote for
it otherwise. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import number_argument
from lamagent.gate.mentions import NUMBER_WORDS, parameter_number
from lamagent.gate.reshape import filled_parameters, tool_properties
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "counted_unit",
    "duration_value",
    "duration_values",
    "said_durations",
    "said_lengths",
]

#: Each unit of time, in seconds (a month of 30 days, a year of 365: `_EXACT` overrides).
UNIT_SECONDS: dict[str, int] = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
#: Units counted in one another other than through seconds.
_EXACT: dict[tuple[str, str], int] = {("year", "month"): 12}
_UNIT = r"(second|minute|hour|day|week|month|year)s?"
#: Words that make one unit a length of time ("the next week").
_ONE_UNIT = r"next|coming|upcoming|following|past|last"
#: Words after which "a"/"an" and a unit is a length of time ("for a week").
_A_UNIT_CUES = r"for|in|within|over|after"
_COUNT_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_LENGTH = re.compile(
    rf"(?<![\w.])(?:(?P<digits>\d+(?:\.\d+)?)|(?P<words>{_COUNT_WORDS})|(?P<one>{_ONE_UNIT})"
    rf"|(?:{_A_UNIT_CUES})\s+an?)[\s-]+(?P<unit>second|minute|hour|day|week|month|year)s?\b",
    re.IGNORECASE,
)
#: The unit a description says its number is in or a number of.
_DESCRIBED_UNIT = re.compile(
    rf"\b(?:in|number of|how many|count of)\s+(?:\w+\s+)?{_UNIT}\b", re.IGNORECASE
)
#: A rate: a count per unit of time.
_RATE = re.compile(rf"\b(?:per|a|an|each|every)\s+{_UNIT}\b", re.IGNORECASE)
_PLURAL_UNITS = {f"{unit}s": unit for unit in UNIT_SECONDS}


def said_durations(query: str) -> list[tuple[Decimal, str]]:
    """The lengths of time `query` gives, in order: each one's count and unit ("3 minutes":
    (3, "minute"); "the next week": (1, "week"))."""
    found: list[tuple[Decimal, str]] = []
    for match in _LENGTH.finditer(query):
        if match.group("digits"):
            count = Decimal(match.group("digits"))
        elif match.group("words"):
            count = Decimal(NUMBER_WORDS[match.group("words").lower()])
        else:
            count = Decimal(1)
        found.append((count, match.group("unit").lower()))
    return found


def counted_unit(name: str, spec: Mapping[str, Any]) -> str | None:
    """The unit of time the parameter `name` counts in (see the module's docstring), or
    None."""
    if spec.get("type") not in ("integer", "number"):
        return None
    description = str(spec.get("description") or "")
    described = {m.group(1).lower() for m in _DESCRIBED_UNIT.finditer(description)}
    rates = {m.group(1).lower() for m in _RATE.finditer(description)}
    if rates or "per" in words(name):
        return None
    if described:
        return described.pop() if len(described) == 1 else None
    named = {_PLURAL_UNITS[w] for w in words(name) if w in _PLURAL_UNITS}
    return named.pop() if len(named) == 1 else None


def _in_unit(count: Decimal, unit: str, wanted: str) -> Decimal | None:
    """`count` `unit`s counted in `wanted`s, where that is a whole number."""
    if (unit, wanted) in _EXACT:
        ratio = Fraction(_EXACT[unit, wanted])
    elif (wanted, unit) in _EXACT:
        ratio = 1 / Fraction(_EXACT[wanted, unit])
    else:
        ratio = Fraction(UNIT_SECONDS[unit], UNIT_SECONDS[wanted])
    value = Fraction(count) * ratio
    return Decimal(value.numerator) if value.denominator == 1 else None


def duration_value(
    tool: Mapping[str, Any], name: str, durations: Sequence[tuple[Decimal, str]]
) -> tuple[Decimal, tuple[Decimal, str]] | None:
    """The length of time of `durations` (the user's) that parameter `name` of a tool with
    parameters `tool` takes, counted in its unit, with the length as the user gave it; None
    where the module's docstring leaves it alone."""
    spec = tool.get(name)
    unit = counted_unit(name, spec) if isinstance(spec, Mapping) else None
    if unit is None or not durations:
        return None
    if len(durations) != 1:
        return None  # two lengths: whose is which is the model's call
    timed = (p for p, s in tool.items() if isinstance(s, Mapping) and counted_unit(p, s))
    if next(timed, None) is None or next(timed, None) is not None:
        return None  # the tool's one parameter that counts time, or none of its two
    count, said_unit = durations[0]
    value = count if said_unit == unit else _in_unit(count, said_unit, unit)
    return None if value is None else (value, durations[0])


def duration_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str, written: set[Decimal]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each parameter that counts time holding the length of time the user
    gave (see the module's docstring; `written`: the numbers the user wrote), and a note per
    value set ("mix.track_length: 3 as 180, for 3 minutes"), but for a number held where the
    length is in the parameter's own unit: that is `said_lengths`' to replace."""
    return _length_values(calls, tools, query, written, held=False)


def said_lengths(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str, written: set[Decimal]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number nobody wrote that a parameter counting time holds replaced by
    the length the user gave in that parameter's own unit ("the next month" for `months`
    drafted 12), and a note per value. A number the user said replacing a held one: the call
    gate weighs its draft as the model wrote it and applies this once it has decided
    (`lamagent.turns.with_said_values`)."""
    return _length_values(calls, tools, query, written, held=True)


def _length_values(
    calls: Sequence[ToolCall],
    tools: Sequence[Tool],
    query: str,
    written: set[Decimal],
    *,
    held: bool,
) -> tuple[list[ToolCall], list[str]]:
    """`duration_values` (not `held`) or `said_lengths` (`held`)."""
    durations = said_durations(query)

    def fill(
        call: ToolCall, tool: Tool, name: str, spec: Mapping[str, Any]
    ) -> tuple[Any, str] | None:
        found = duration_value(tool_properties(tool), name, durations)
        if found is None:
            return None
        value, (count, unit) = found
        drafted = call.arguments.get(name)
        number = number_argument(drafted)
        if name in call.arguments and (number is None or number == value):
            return None
        # in the user's unit: a count another argument took is that one's; a held number is
        # `said_lengths`' to replace, and only it is
        if held != (value == count and name in call.arguments):
            return None
        if value == count and any(number_argument(v) == count for v in call.arguments.values()):
            return None
        if number is not None and number != count and number in written:
            return None
        as_value = parameter_number(value, spec)
        if not as_value:
            return None
        was = repr(drafted) if name in call.arguments else "none"
        length = f"{count} {unit}{'' if count == 1 else 's'}"
        return as_value[0], f"{was} as {as_value[0]!r}, for {length}"

    return filled_parameters(calls, tools, fill) if durations else (list(calls), [])
