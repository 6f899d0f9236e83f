"""How often a year, where the user named how often in a word.

Interest compounds "monthly", "quarterly", "annually"; tools count it as a number of times a
year: `compounding_periods_per_year` "The number of times that interest is compounded per
year", `n` "The number of times that interest is compounded per unit time". A small model
under a call grammar leaves the parameter out ("with monthly compounding" drafted without
it) or writes a number of the request's that is another argument's (`"n": 10` beside
`"time": 10` for "10 years, compounded annually").

`frequency_values(calls, tools, query, written)`: a number parameter whose description counts
times or periods per year, per annum, or, where its tool or description speaks of compounding
or interest, per time period or per unit of time, takes the times a year of the one frequency
the user named: daily 365, weekly 52, biweekly and fortnightly 26, monthly 12, quarterly 4,
semi-annually (semiannually, biannually, half-yearly) 2, annually and yearly 1. A frequency
word is one the user said of how often, not of a thing: after it comes a function word, a
punctuation mark, the end, or "compounding" ("monthly compounding"); "monthly repayment",
"quarterly dividend", "yearly interest rate" name other things. The value is set where the
call holds none, a number the user wrote nowhere (`written`), or a number another argument of
the call holds; left alone: a number the user wrote for it ("4 times a year"), two
frequencies named (whose is which is the model's call), a count the user wrote per year
("twice a year", "4 times per year": the model has it to take). Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import number_argument
from lamagent.gate.mentions import parameter_number
from lamagent.gate.reshape import filled_parameters
from lamagent.gate.signals import STOPWORDS
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["TIMES_A_YEAR", "counts_per_year", "frequency_values", "named_frequency"]

#: How many times a year each frequency word says.
TIMES_A_YEAR: dict[str, int] = {
    "daily": 365,
    "weekly": 52,
    "biweekly": 26,
    "fortnightly": 26,
    "monthly": 12,
    "quarterly": 4,
    "semiannually": 2,
    "biannually": 2,
    "halfyearly": 2,
    "annually": 1,
    "yearly": 1,
}
_FREQUENCY = re.compile(
    r"\b(daily|weekly|bi-?weekly|fortnightly|monthly|quarterly|semi-?annually|bi-?annually"
    r"|half-yearly|annually|yearly)\b(?:\s*([^\W\d_]+))?",
    re.IGNORECASE,
)
#: A count the user wrote per year ("twice a year", "4 times per year").
_COUNT_PER_YEAR = re.compile(
    r"\b(?:once|twice|thrice|times)\s+(?:a|an|per|each|every)\s+(?:year|annum)\b", re.IGNORECASE
)
#: A description that counts per year, or per period where the period is the interest's.
_PER_YEAR = re.compile(r"\b(?:times?|periods?)\b[^.]{0,60}?\bper\s+(?:year|annum)\b", re.IGNORECASE)
_PER_PERIOD = re.compile(
    r"\b(?:times?|periods?)\b[^.]{0,60}?\bper\s+(?:unit(?:\s+of)?\s+time|time\s+period|period)\b",
    re.IGNORECASE,
)
_INTEREST = re.compile(r"compound|interest", re.IGNORECASE)
#: The word after a frequency that keeps it a frequency ("monthly compounding").
_COMPOUNDING = re.compile(r"compound", re.IGNORECASE)


def named_frequency(query: str) -> int | None:
    """The times a year of the one frequency `query` names of how often (see the module's
    docstring), or None: none named, two named, or a count per year written."""
    if _COUNT_PER_YEAR.search(query):
        return None
    named: set[int] = set()
    for match in _FREQUENCY.finditer(query):
        after = match.group(2)
        if after and after.lower() not in STOPWORDS and not _COMPOUNDING.match(after):
            continue  # "monthly repayment": a thing, not how often
        named.add(TIMES_A_YEAR[re.sub(r"-", "", match.group(1).lower())])
    return named.pop() if len(named) == 1 else None


def counts_per_year(tool: Tool, spec: Mapping[str, Any]) -> bool:
    """Whether parameter `spec` of `tool` counts times a year (see the module's docstring)."""
    if spec.get("type") not in ("integer", "number"):
        return False
    description = str(spec.get("description") or "")
    if _PER_YEAR.search(description):
        return True
    about = f"{tool.name} {tool.description} {description}"
    return bool(_PER_PERIOD.search(description) and _INTEREST.search(about))


def frequency_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str, written: set[Decimal]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each parameter that counts times a year holding the times a year of the
    frequency the user named (see the module's docstring), and a note per value set
    ("finance.n: none as 4, 4 times a year")."""
    times = named_frequency(query)

    def fill(
        call: ToolCall, tool: Tool, name: str, spec: Mapping[str, Any]
    ) -> tuple[Any, str] | None:
        if times is None or not counts_per_year(tool, spec):
            return None
        held = call.arguments.get(name)
        number = number_argument(held)
        if name in call.arguments:
            others = {number_argument(v) for k, v in call.arguments.items() if k != name}
            if number is None or number == times:
                return None
            if number in written and number not in others:
                return None
        as_value = parameter_number(Decimal(times), spec)
        if not as_value:
            return None
        was = repr(held) if name in call.arguments else "none"
        return as_value[0], f"{was} as {as_value[0]!r}, {times} times a year"

    return filled_parameters(calls, tools, fill) if times is not None else (list(calls), [])
