"""A number argument the user did not give, where the user said which number is its.

Filling a call's number arguments, a small model often writes a number the user never wrote
where the user said which one it is: "a $5000 investment" drafted as `"present_value": 10000`,
"charge fee less than 400 dollars per hour" as `"fee": 1000`, "during the 19th century" as
`"century": 1800`. Or it writes a number the user wrote once for another value into this one
as well: "two adults in Paris from 2023 April 4th" gives `"check_in_date": "2023-04-04",
"no_of_adults": 2023`.

`named_numbers(calls, tools, query)`: a number argument (not a boolean, not inside a list or
an object) whose value

- the user wrote nowhere (in digits, in words up to twelve, with a magnitude: "50 million",
  "$1.2M", in scientific notation, or as a percentage's fraction:
  `unwritten_numbers.written_numbers_of`), or wrote once where another argument of the call
  holds it too (the year of a date, a number another number argument took), or wrote only
  next to words that name another parameter that takes a number ("for the first 2 years"
  drafted as the compounding's `n`: "years" names the `time`; a word said next to several
  numbers counts here, as the kind of number it is),
- and whose nearby words do not name the parameter,

takes the number the user wrote next to words that name the parameter, when exactly one
number no argument of the call holds is named so (held as written, or as the fraction of a
percentage the user wrote: 0.05 holds "5%", unless the user wrote 0.05 too). A number the
user wrote with a magnitude is taken whole ("revenues of $1M" gives 1000000).

The words next to a number (`mentions.said_numbers`: a few before a number in digits, two
after one) name a parameter when one of them meets a word of its name or description that no
other parameter of the tool has: "investment" names no parameter of a tool whose present
value, rate and horizon are all "of the investment", "revenues" neither `year1_revenue` nor
`year2_revenue`. A word said next to two numbers tells neither apart ("feet" of "a wall of 30
feet by 12 feet ... covers 400 square feet").

Left alone: a number the user wrote that no other argument holds and that is not said to be
another's, one written twice (both arguments may hold it) unless every place says it is
another's, two or more numbers named (or none), a number the parameter's enum
does not hold, a number another call of the tool holds in the argument (the calls take one
value each: "a loan of $500,000 from HSBC ... for Wells Fargo $700,000"), a value that is the
named number in another unit ("50mH" as 0.05, "11 PM" as 23), values in lists or objects.
Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import NUMBERS, number_argument, number_value
from lamagent.gate.mentions import parameter_number, said_numbers
from lamagent.gate.reshape import reshaped_calls, tool_properties
from lamagent.gate.shared_numbers import drafted_number, held_numbers
from lamagent.gate.signals import content_words, meets
from lamagent.gate.unwritten_numbers import written_numbers_of
from lamagent.messages import ToolCall
from lamagent.numerals import magnitude_numbers

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["named_numbers"]

_HUNDRED = Decimal(100)
#: What the user said of each number: the number and the content words next to it.
Said = list[tuple[Decimal, set[str]]]


def _telling(said: Said) -> Said:
    """`said` with each number's words cut to those said next to no other number: a word said
    next to two numbers ("feet" of "30 feet by 12 feet") tells neither apart."""
    told: Said = []
    for i, (number, near) in enumerate(said):
        elsewhere = {
            w for j, (other, words) in enumerate(said) if j != i and other != number for w in words
        }
        told.append((number, near - elsewhere))
    return told


def _telling_pools(properties: Mapping[str, Any]) -> dict[str, set[str]]:
    """Each parameter's words (its name's and its description's) that no other parameter of
    the tool has: "investment" of "The investment horizon in years" names no parameter of a
    tool whose present value and rate are "of the investment" too."""
    pools = {
        str(name): content_words(str(name))
        | content_words(str(spec.get("description") or "") if isinstance(spec, Mapping) else "")
        for name, spec in properties.items()
    }
    return {
        name: pool - {w for other, words in pools.items() if other != name for w in words}
        for name, pool in pools.items()
    }


def _names(near: set[str], pool: set[str]) -> bool:
    """Whether a word said next to a number meets a word of a parameter's own."""
    return any(meets(word, pool) for word in near)


def _percentages_held(held: set[Decimal], query: str, said: Said) -> set[Decimal]:
    """The percentages `query` writes that an argument holds as their fraction: "5%" where an
    argument holds 0.05, and the user wrote no 0.05 ("50%" is not the 0.5 of "a 0.5-second
    window")."""
    percentages = (number_value(p) for p in NUMBERS.findall(query) if p.endswith("%"))
    written = {n for n, _ in said}
    return {
        p
        for p in percentages
        if p is not None and p / _HUNDRED in held and p / _HUNDRED not in written
    }


def _whole(number: Decimal, query: str, said: Said) -> Decimal:
    """`number` as the user meant it: with its magnitude, where every place the user wrote it
    carries one ("$1M" is 1000000; "1" of "1 adult and $1M" stays 1)."""
    wholes = [whole for head, whole in magnitude_numbers(query) if head == number]
    written = sum(1 for n, _ in said if n == number)
    return wholes[0] if wholes and len(set(wholes)) == 1 and len(wholes) == written else number


#: The scales of a unit's prefixes (centi, milli, micro, nano; kilo, mega, giga): a number
#: that is the user's times one of them is the user's in another unit.
_SCALES = frozenset(Decimal(10) ** e for e in (-9, -6, -3, -2, 2, 3, 6, 9))
_PM = r"\s*p\.?\s?m\b"


def _converted(number: Decimal, said: Decimal, query: str) -> bool:
    """Whether the call's `number` is the `said` one in another unit: scaled by a prefix's
    factor ("50mH" as 0.05, "100µF" as 0.0001; not a number the user wrote with a magnitude,
    "$1.5M", whose scale the magnitude says) or an hour after noon in 24 hours ("11 PM" as
    23)."""
    if said != 0 and number / said in _SCALES:
        return True
    if said < 12 and number == said + 12 and said == said.to_integral_value():
        return re.search(rf"(?<![\d.]){int(said)}(?::\d\d)?{_PM}", query, re.I) is not None
    return False


def _anothers(
    number: Decimal,
    name: str,
    properties: Mapping[str, Any],
    pools: Mapping[str, set[str]],
    places: Sequence[set[str]],
) -> bool:
    """Whether every place the user wrote `number`, its words (`places`) name another
    parameter than `name` that takes a number ("5 meters" is no number of a string `units`)."""
    numbered = [
        pool
        for other, pool in pools.items()
        if other != name
        and isinstance(spec := properties.get(other), Mapping)
        and parameter_number(number, {**spec, "enum": None})
    ]
    return bool(places) and all(any(_names(near, pool) for pool in numbered) for near in places)


def named_numbers(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number argument the user did not give taking the one number the user
    said is its (see the module's docstring), and a note per argument changed
    ("tool.no_of_adults: 2023 is not its, takes 2, as said")."""
    said = said_numbers(query)
    if not said:
        return list(calls), []
    told = _telling(said)
    written = written_numbers_of([query])
    by_name = {t.name: t for t in tools}
    pools: dict[str, dict[str, set[str]]] = {}

    def _siblings(call: ToolCall, name: str) -> set[Decimal]:
        """The numbers the other calls of `call`'s tool hold in the argument."""
        return {
            n
            for other in calls
            if other is not call and other.name == call.name
            if (n := number_argument(other.arguments.get(name))) is not None
        }

    def take(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        tool = by_name.get(call.name)
        number = number_argument(value)
        if tool is None or number is None:
            return None
        properties = tool_properties(tool)
        spec = properties.get(name)
        if not isinstance(spec, Mapping):
            return None
        if tool.name not in pools:
            pools[tool.name] = _telling_pools(properties)
        pool = pools[tool.name][name]
        if any(n == number and _names(near, pool) for n, near in told):
            return None  # the user said it is this parameter's
        others = held_numbers({k: v for k, v in call.arguments.items() if k != name})
        places = [near for n, near in said if n == number]  # the words of each place
        if (
            number in written
            and not (len(places) == 1 and number in others)
            and not _anothers(number, name, properties, pools[tool.name], places)
        ):
            return None  # the user's, and no other argument's
        held = held_numbers(call.arguments)
        held |= _percentages_held(held, query, said)
        named = {n for n, near in told if n not in held and _names(near, pool)}
        if len(named) != 1:
            return None
        head = named.pop()
        whole = _whole(head, query, said)
        if whole in _siblings(call, name):
            return None  # another call of the tool took it: the calls take one each
        if whole == head and _converted(number, whole, query):
            return None  # the user's number in another unit ("50mH" as 0.05 henries)
        if "enum" in spec and not parameter_number(whole, spec):
            return None
        meant = drafted_number(value, whole, spec)
        return meant, f"{value} is not its, takes {meant}, as said"

    return reshaped_calls(calls, take)
