"""An optional number argument whose value nobody wrote.

With no number of the user's to put in an optional number parameter, a small model under a call
grammar still writes one, and it is its own: `"flights_per_year": 1000` for a lifestyle the user
described without flights, `"die_sides": 1` for "a six-sided die", `"x_value": 3.0` for a
derivative asked at no point. A tool would run with it as if the user had said it; left out, the
argument takes the tool's default.

`unwritten_numbers(calls, tools, sources)`: a number argument (not a boolean) of a parameter the
tool does not require is left out when its value is no number the sources write: the system prompt,
the user's messages and the tools' results (`sources`), read in digits ("1,000", "$5", "-2"), in
words up to twelve ("six-sided", "two tickets"), with a magnitude ("50 million", "$1.2M"), in
scientific notation ("1e-9"), as a time's hour in 24 hours ("11 PM" writes 23), or as a
percentage's fraction or a fraction's percentage ("5%"
writes 0.05, "0.05" writes 5), or as the meaning the parameter's description gives the number
("1 corresponds to Bangkok": `lamagent.gate.codes`), or a length of time the sources give in
another unit than the parameter counts in (180 of "3 minutes" for seconds:
`lamagent.gate.durations`), or the times a year of a frequency they name (12 of "monthly"
for compounding periods per year: `lamagent.gate.frequencies`). A number the sources write
only inside a value another argument of the call holds is that value's: the 3 of "the
derivative of the function 3x^2 + 2x - 1" beside `"function": "3x^2 + 2x - 1"`.

A required argument cannot be left out: it takes the number its parameter's description
states as its default, where it states one ("The size of the deck. Default is 52." for
`"deck_size": 5`, a number the question about a full house never wrote), and stays where the
description states none (there is no other value to put there). Every value inside a list or
an object stays. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.codes import named_code, spoken_words
from lamagent.gate.durations import duration_value, said_durations
from lamagent.gate.frequencies import counts_per_year, named_frequency
from lamagent.gate.items import NUMBERS, number_argument, number_value
from lamagent.gate.mentions import NUMBER_WORDS, said_numbers
from lamagent.gate.reshape import reshaped_calls, stated_default, tool_schemas, without_optional
from lamagent.gate.signals import SaidWords, words
from lamagent.gate.times import written_times
from lamagent.messages import ToolCall
from lamagent.numerals import magnitude_numbers, scientific_numbers

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["unwritten_numbers", "written_numbers_of"]

_HUNDRED = Decimal(100)
#: A value with a digit and a letter in it ("3x^2 + 2x - 1"), which may write a number inside.
_MIXED = re.compile(r"(?=.*\d)(?=.*[^\W\d_])", re.DOTALL)
#: A number a description states as the default ("Default is 52.", "defaults to 9.8 m/s^2").
_STATED_NUMBER = re.compile(
    r"\bdefaults?(?:\s+value)?(?:\s+is|\s+to|\s*:|\s*=)\s*['\"]?(-?\d+(?:\.\d+)?)(?![\d.]*[\w%])",
    re.IGNORECASE,
)


def written_numbers_of(sources: Sequence[str]) -> set[Decimal]:
    """The numbers `sources` write (see the module's docstring), with each one's fraction
    and percentage."""
    written: set[Decimal] = set()
    for text in sources:
        written.update(n for n, _ in said_numbers(text))
        written.update(Decimal(NUMBER_WORDS[w]) for w in words(text) if w in NUMBER_WORDS)
        written.update(n for t in NUMBERS.findall(text) if (n := number_value(t)) is not None)
        written.update(whole for _, whole in magnitude_numbers(text))
        written.update(scientific_numbers(text))
        # a time's hour in 24 hours ("11 PM" writes 23)
        written.update(Decimal(t.hour) for t in written_times(text))
    finite = {n for n in written if n.is_finite()}
    return finite | {n / _HUNDRED for n in finite} | {n * _HUNDRED for n in finite}


def _written_inside(
    call: ToolCall, name: str, number: Decimal, sources: Sequence[str]
) -> str | None:
    """The string value of another argument of `call` that holds every place the sources
    write `number` (it is that value's, not a number of its own), or None."""
    digits = format(number.normalize(), "f").lstrip("-")
    for other, value in call.arguments.items():
        if other == name or not isinstance(value, str) or digits not in value:
            continue  # (most values: the number's digits are none of theirs)
        if not _MIXED.search(value) or not any(value in text for text in sources):
            continue
        left = [text.replace(value, " ") for text in sources]
        if number not in written_numbers_of(left):
            return value
    return None


def unwritten_numbers(
    calls: Sequence[ToolCall], tools: Sequence[Tool], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` without their optional number arguments whose values the sources do not
    write, and a note per argument left out ("tool.flights_per_year: 1000 is written
    nowhere, left out")."""
    written: set[Decimal] | None = None
    said: SaidWords | None = None
    durations: list[tuple[Decimal, str]] | None = None
    times: int | None = None
    schemas = tool_schemas(tools)
    tools_by_name = {tool.name: tool for tool in tools}

    def unwritten(call: ToolCall, name: str, value: Any, spec: Mapping[str, Any]) -> str | None:
        nonlocal written, said, durations, times
        number = number_argument(value)
        if number is None:
            return None
        if written is None:
            written = written_numbers_of(sources)
        if number in written:
            # the 3 of "3x^2 + 2x - 1", where the call's function holds it, is none of its own
            inside = _written_inside(call, name, number, sources)
            return None if inside is None else f"{value} is written only inside {inside!r}"
        # the parameter's default is what leaving it out gives: the tool's, not the model's
        default = stated_default(spec)
        if number_argument(default) == number or (
            isinstance(default, str) and number_value(default.strip()) == number
        ):
            return None
        if said is None:
            said = spoken_words(" ".join(sources))
        # a code whose meaning the sources name ("2 for ironing service") is written by it
        coded = named_code(spec, said)
        if coded is not None and coded[0] == number:
            return None
        # and so is a length of time the sources give in another unit ("3 minutes": 180),
        # and the times a year of a frequency they name ("monthly": 12)
        if durations is None:
            text = " ".join(sources)
            durations, times = said_durations(text), named_frequency(text)
        timed = duration_value(schemas.get(call.name, {}), name, durations)
        if timed is not None and timed[0] == number:
            return None
        tool = tools_by_name.get(call.name)
        yearly = times is not None and tool is not None and counts_per_year(tool, spec)
        return None if yearly and times == number else f"{value} is written nowhere"

    kept, notes = without_optional(calls, tools, unwritten)

    # what is left of those nobody wrote is required: it takes the default its parameter states
    def stated(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if call.name not in tools_by_name or not isinstance(spec, Mapping):
            return None
        default = _stated_number(spec)
        if default is None or number_argument(value) is None:
            return None
        said = unwritten(call, name, value, spec)
        if said is None or not said.endswith("written nowhere"):
            return None  # (a number written inside another value is the user's, not invented)
        return default, f"{said}, as {default}, the default its parameter states"

    defaulted, stated_notes = reshaped_calls(kept, stated)
    return defaulted, [*notes, *stated_notes]


def _stated_number(spec: Mapping[str, Any]) -> int | float | None:
    """The number a number parameter's schema gives as its default, or its description states
    ("Default is 52.", "defaults to 9.8 m/s^2"), of the parameter's type; None for none."""
    default = spec.get("default")
    number = None if isinstance(default, bool) else number_argument(default)
    if number is None and default is None:
        found = _STATED_NUMBER.search(str(spec.get("description") or ""))
        number = None if found is None else Decimal(found.group(1))
    if number is None:
        return None
    if spec.get("type") == "integer":
        return int(number) if number == number.to_integral_value() else None
    return float(number) if spec.get("type") == "number" else None
