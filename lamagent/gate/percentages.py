"""A percentage the user wrote, in the form the parameter takes: 5% as 0.05, or as 5.

Asked for "an annual interest rate of 3%", a small model copies the 3: `"rate": 3`. Most
tools that take a rate, a return, a probability or a growth as a number take it as a
fraction (`numpy_financial.npv(rate=0.1, ...)`; BFCL's answers hold 0.03), and some say so
("Enter as a decimal. E.g, 5% is 0.05"); others take the percentage itself and say that ("The
interest rate for a year as a percentage").

`percent_fractions(calls, text, tools)`: a number argument whose value is a number the user
wrote only as a percentage ("3%", "3 %", "3 percent") becomes that number over 100, unless
the parameter's description says the value is a percentage: it holds the word ("percent",
"percentage", "porcentaje", "pourcentage", "Prozent") and no example of a fraction (a
number between 0 and 1: "Ejemplo: 0.1 para un enganche del 10%" is a fraction). An integer
parameter, a value the user also wrote without the percent sign ("5% for 5 years": the 5
may be the years), and a value that is already a fraction are left as they are.

The other way round, a number argument whose value is a percentage the user wrote over 100
(the model wrote `"annual_rate": 0.05` for "5%") becomes the percentage when the parameter's
description says the value is a percentage ("The interest rate for a year as a
percentage"), as above: the tool takes 5.0, not 0.05. This holds where the user also wrote
the number without the sign ("5% ... for 5 years"): no one wrote the fraction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import number_argument
from lamagent.gate.reshape import reshaped_calls, tool_schemas
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["as_decimal", "percent_fractions"]

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(?![\w.]|[.,]\d)(\s?(?:%|percent\b|per cent\b))?")
_PERCENT_WORD = re.compile(r"percent|porcent|pourcent|prozent", re.IGNORECASE)
_FRACTION_EXAMPLE = re.compile(r"(?<![\d.])0?\.\d*[1-9]\d*(?![\d.])")


def percent_fractions(
    calls: Sequence[ToolCall], text: str, tools: Sequence[Tool]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with the percentages the user wrote as fractions where the parameters take
    fractions, and a note per value changed ("tool.argument: 3% as 0.03")."""
    percents, plain = _written_numbers(text)
    only = percents - plain
    if not percents:
        return list(calls), []
    schemas = tool_schemas(tools)

    def as_taken(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        schema = schemas.get(call.name, {}).get(name)
        number = number_argument(value)
        if number is None:
            return None
        if number in only and _takes_fraction(schema):
            fraction = float(number / 100)
            if not math.isfinite(fraction) or (fraction == 0) != (number == 0):
                return None  # beyond what a float holds: left as written
            return fraction, f"{value}% as {fraction}"
        # a fraction no one wrote is the percentage's, even where the number is also written
        # plain ("5% ... for 5 years")
        fraction_written = number in percents or number in plain
        if number * 100 in percents and not fraction_written and _takes_percentage(schema):
            percentage = float(number * 100)
            return percentage, f"{value} as {percentage}, the percentage the user wrote"
        return None

    return reshaped_calls(calls, as_taken)


def _written_numbers(text: str) -> tuple[set[Decimal], set[Decimal]]:
    """The numbers `text` writes as percentages (not zero), and those it writes without the
    sign."""
    percent: set[Decimal] = set()
    plain: set[Decimal] = set()
    for match in _NUMBER.finditer(text):
        number = as_decimal(match.group(1).replace(",", "."))
        if number is not None:
            (percent if match.group(2) else plain).add(number)
    return {n for n in percent if n != 0}, plain


def as_decimal(value: Any) -> Decimal | None:
    """The finite number a value is (a number, or text that is one; never a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _takes_percentage(schema: Any) -> bool:
    """A number parameter whose description makes it a percentage (and shows no fraction)."""
    if not isinstance(schema, Mapping) or schema.get("type") != "number":
        return False
    description = str(schema.get("description") or "")
    return bool(_PERCENT_WORD.search(description)) and not _FRACTION_EXAMPLE.search(description)


def _takes_fraction(schema: Any) -> bool:
    """A number parameter (not an integer) whose description does not make it a percentage."""
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "number" not in kinds:
        return False
    description = str(schema.get("description") or "")
    if _FRACTION_EXAMPLE.search(description):
        return True
    return _PERCENT_WORD.search(description) is None
