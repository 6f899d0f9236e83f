"""A date the user wrote, in the form its parameter's description names.

Tool authors say how a date is written: "Format: 'yyyy-mm-dd'", "in the format mm-dd-yyyy",
"The date (month-day-year)", "in 'mm-yyyy' format". Users write dates as they speak: "May 3rd
2022", "15th October, 2023", "2022/08/16", "01-01-1980". A small model under a call grammar
copies the user's form ("2022/08/16" where the tool wants "08-16-2022"), rewrites it in another
("1980-01-01" for "MM-DD-YYYY"), or, held to the form's digits by the grammar
(`lamagent.tools.shapes`), writes the wrong ones ("2022-05-30" for "May 3rd 2022").

`dated_values(calls, tools, query)`: a string argument whose parameter's description names one
date form (its fields, year, month and day, written `YYYY`, `YY`, `MM`, `DD` in any case or as
the words `year`, `month`, `day`, joined by `-`, `/` or `.`; no time of day) takes the date the
user wrote for it, in that form:

- the date the model's value writes, when the user wrote it (in any form);
- else, where the user wrote as many dates as the call has such arguments, the user's dates in
  the order written ("from April 4th to April 8th" for `check_in_date` and
  `check_out_date`), or, where the tool's calls have one such argument each and the user wrote
  a date per call, one per call in order;
- the user's dates are numbers in a row (year first, or year last when the day is over 12 or
  equals the month, so the order is plain: "01-01-1980", "16/08/2022") and dates with a month's
  name ("March 17, 1915", "15th October,2023", "Jan.28,2021", "April 2022").

A field the form needs and the user did not write (the year of "May 3rd") is the model's, when
its value writes it as a date; else the value stays. A date the user says is today ("the
upcoming Wednesday, today is Monday April 25th 2023") is one to count from, not a value: it is
none of the user's dates here. Nothing is generated; no date is computed from words such as
"next Friday".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import described_forms, open_string, reshaped_calls, tool_properties
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "DAY_NAMES",
    "MONTH_NAMES",
    "DateForm",
    "WrittenDate",
    "date_form",
    "dated_values",
    "value_dates",
    "writes_date",
    "written_dates",
    "written_form",
]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
#: The months' names as the user writes them, lower case ("march", "mar").
MONTH_NAMES = frozenset(_MONTHS)
#: The days of the week, lower case.
DAY_NAMES = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_YEAR = r"(?<![\d.])[12]\d{3}(?![\d:])"

#: Dates with a month's name: "March 17, 1915", "Jan.28,2021", "May 3rd 2022", "April 2022",
#: "15th October,2023", "17th of March", "2023 April 4th".
_NAMED_DATES = re.compile(
    rf"(?P<y1>{_YEAR})\s+(?P<m1>{_MONTH})\s*(?P<d1>{_DAY})"
    rf"|(?P<m2>{_MONTH})\s*(?P<d2>{_DAY})(?:,?\s*(?P<y2>{_YEAR}))?"
    rf"|(?P<d3>\b{_DAY})\s+(?:of\s+)?(?P<m3>{_MONTH})(?:,?\s*(?P<y3>{_YEAR}))?"
    rf"|(?P<m4>{_MONTH})\s*,?\s*(?P<y4>{_YEAR})",
    re.IGNORECASE,
)
#: Dates in numbers: "2022-03-11", "2022/08/16", "01-01-1980", "16.08.2022".
_NUMBER_DATES = re.compile(
    r"(?<![\w./-])(?:(?P<y>\d{4})([-/.])(?P<a>\d{1,2})\2(?P<b>\d{1,2})"
    r"|(?P<c>\d{1,2})([-/.])(?P<e>\d{1,2})\6(?P<z>\d{4}))(?![\w/-]|\.\d)"
)
#: Words that say the date after them is today's (within `_TODAY_REACH` characters).
_TODAY = re.compile(r"\b(?:today|now)\b", re.IGNORECASE)
_TODAY_REACH = 24
#: A date form's fields ('YYYY-MM-DD', 'mm-dd-yyyy', 'month-day-year', 'YYYY-MM').
_FIELD = r"(?:y{2,4}|m{2}|d{2}|year|month|day)"
_FORM = re.compile(rf"(?<![\w-])({_FIELD}(?:[-/.]{_FIELD}){{1,2}})(?![\w-])", re.IGNORECASE)
#: Descriptions of a time of day too ('yyyy-mm-dd HH:MM', 'ISO 8601 date-time').
_TIME = re.compile(r"\bhh\b|hh:|:mm|:ss|\btime\b|\bT\d|date-?time", re.IGNORECASE)


@dataclass(frozen=True)
class WrittenDate:
    """A date as written: the fields the writer gave (None for those left out)."""

    year: int | None
    month: int
    day: int | None


@dataclass(frozen=True)
class DateForm:
    """A date form: its fields in order ("Y4", "Y2", "M", "D") and the mark between them."""

    fields: tuple[str, ...]
    separator: str

    def write(self, date: WrittenDate) -> str | None:
        """`date` in this form, or None when it lacks a field the form needs."""
        parts: list[str] = []
        for field in self.fields:
            if field == "M":
                parts.append(f"{date.month:02d}")
            elif field == "D":
                if date.day is None:
                    return None
                parts.append(f"{date.day:02d}")
            elif date.year is None:
                return None
            else:
                parts.append(f"{date.year:04d}" if field == "Y4" else f"{date.year % 100:02d}")
        return self.separator.join(parts)


def _field(written: str) -> str:
    first = written[0].lower()
    if first == "y":
        return "Y2" if written.lower() == "yy" else "Y4"
    return "M" if first == "m" else "D"


def written_form(written: str) -> DateForm | None:
    """The date form of fields written as `written` ("YYYY-MM-DD", "month-day-year"), or None
    (a field twice: "YYYY-YYYY" is a season; no month or no year)."""
    separator = re.search(r"[-/.]", written)
    fields = tuple(_field(part) for part in re.split(r"[-/.]", written))
    if separator is None or len(set(fields)) != len(fields):
        return None
    has = {f[0] for f in fields}
    return DateForm(fields, separator.group()) if {"Y", "M"} <= has else None


def date_form(description: str) -> DateForm | None:
    """The one date form `description` names (see the module's docstring), or None: none, two
    different ones, one with a time of day, or one without a month and a year."""
    if _TIME.search(description):
        return None
    forms = {written_form(match.group(1)) for match in _FORM.finditer(description)}
    if len(forms) != 1:
        return None
    [form] = forms
    return form


def _number(text: str | None) -> int | None:
    return None if text is None else int(re.sub(r"\D", "", text))


def _named(match: re.Match[str]) -> WrittenDate | None:
    for i in "1234":
        month = match.group(f"m{i}")
        if month is None:
            continue
        day = match.group(f"d{i}") if i != "4" else None
        year = match.group(f"y{i}")
        if day is None and year is None:
            return None
        name = month.rstrip(".").lower()
        return WrittenDate(_number(year), _MONTHS[name], _number(day))
    return None


def _numbered(match: re.Match[str]) -> WrittenDate | None:
    if match.group("y"):
        year, month, day = (int(match.group(k)) for k in ("y", "a", "b"))
    else:
        first, second, year = (int(match.group(k)) for k in ("c", "e", "z"))
        if first > 12 >= second:
            day, month = first, second
        elif second > 12 >= first or first == second:
            month, day = first, second
        else:
            return None  # "03/04/2022": March the 4th or April the 3rd?
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return WrittenDate(year, month, day)


def _dates_at(text: str) -> list[tuple[int, WrittenDate]]:
    found: list[tuple[int, WrittenDate]] = []
    for match in _NAMED_DATES.finditer(text):
        date = _named(match)
        if date is not None:
            found.append((match.start(), date))
    for match in _NUMBER_DATES.finditer(text):
        date = _numbered(match)
        if date is not None:
            found.append((match.start(), date))
    return sorted(found, key=lambda found: found[0])


def written_dates(text: str) -> list[WrittenDate]:
    """The dates `text` writes, in order (see the module's docstring)."""
    return [date for _, date in _dates_at(text)]


def value_dates(text: str) -> list[WrittenDate]:
    """The dates `text` writes as values: not one it says is today ("the upcoming Wednesday,
    today is Monday April 25th 2023": a date to count from, not the one asked about)."""
    return [
        date
        for at, date in _dates_at(text)
        if not _TODAY.search(text, max(0, at - _TODAY_REACH), at)
    ]


def _meets(value_date: WrittenDate, user: WrittenDate) -> bool:
    """Whether the date a value writes is the user's (each field the user gave equal)."""
    return (
        value_date.month == user.month
        and (user.day is None or value_date.day == user.day)
        and (user.year is None or value_date.year == user.year)
    )


def writes_date(value: Any, date: WrittenDate) -> bool:
    """Whether `value` (a string) writes `date`, in any form: the one date it writes is it."""
    found = written_dates(value) if isinstance(value, str) else []
    return len(found) == 1 and _meets(found[0], date)


def _completed(user: WrittenDate, value: str) -> WrittenDate:
    """The user's date with the fields the user left out taken from the value's date (when
    it writes one date)."""
    found = written_dates(value)
    if len(found) != 1:
        return user
    [drafted] = found
    return replace(
        user,
        year=user.year if user.year is not None else drafted.year,
        day=user.day if user.day is not None else drafted.day,
    )


#: A date as ISO 8601 writes it, the form a model writes when none is named.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_FORM = DateForm(("Y4", "M", "D"), "-")


def _iso_written(
    call: ToolCall, tool: Tool | None, named: dict[str, DateForm]
) -> dict[str, DateForm]:
    """The open string parameters of `call`'s tool whose description names no form and whose
    value the model wrote as an ISO 8601 date ("2022-05-30"), each with that form."""
    if tool is None:
        return {}
    properties = tool_properties(tool)
    return {
        name: _ISO_FORM
        for name, value in call.arguments.items()
        if name not in named
        and isinstance(value, str)
        and _ISO_DATE.fullmatch(value.strip())
        and open_string(properties.get(name))
    }


def dated_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each date argument as the user wrote it, in its parameter's form (see the
    module's docstring), and a note per value changed ("air_quality.date: '2022/08/16' as
    '08-16-2022', the user's date")."""
    user_dates = value_dates(query)
    if not user_dates:
        return list(calls), []
    by_name = {tool.name: tool for tool in tools}
    forms = {call.name: described_forms(by_name.get(call.name), date_form) for call in calls}
    for call in calls:  # no form named: the one the model wrote, when it is ISO 8601's
        forms[call.name].update(_iso_written(call, by_name.get(call.name), forms[call.name]))
    # where every call of a tool has one date argument and the user wrote one date per call
    one_each = {
        name
        for name in forms
        if len(forms[name]) == 1
        and sum(c.name == name for c in calls) == len(user_dates) > 1
        and all(next(iter(forms[name])) in c.arguments for c in calls if c.name == name)
    }
    # the user's date each date argument takes, by call
    meant: dict[int, dict[str, WrittenDate]] = {}
    seen: dict[str, int] = {}
    for call in calls:
        form_of = forms[call.name]
        dated = [n for n in call.arguments if n in form_of and isinstance(call.arguments[n], str)]
        if not dated:
            continue
        index = seen[call.name] = seen.get(call.name, -1) + 1
        in_order: dict[str, WrittenDate] = {}
        if len(dated) == len(user_dates):
            in_order = dict(zip(dated, user_dates, strict=True))
        elif call.name in one_each:
            in_order = {dated[0]: user_dates[index]}
        taken = meant[id(call)] = {}
        for name in dated:
            written = [u for u in user_dates if writes_date(call.arguments[name], u)]
            user = written[0] if written else in_order.get(name)
            if user is not None:
                taken[name] = user

    def redate(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        user = meant.get(id(call), {}).get(name)
        written = forms[call.name][name].write(_completed(user, value)) if user else None
        if written is None or written == value:
            return None
        return written, f"{value!r} as {written!r}, the user's date"

    return reshaped_calls(calls, redate)
