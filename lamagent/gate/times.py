"""A time of day the user wrote, in the form its parameter's description names.

Tool authors write the form of a time as its fields: "in 24-hour format 'HH:MM'", "in the
format 'YYYY-MM-DD HH:mm:ss'", "in ISO-8601 format (e.g., 'YYYY-MM-DDTHH:MM:SS')". Users write
"at 8:30 pm", "4pm", "at 19:30", "November 1, 2023 at 4pm". A small model under a call grammar
leaves the time out, copies the user's form ("November 1, 2023 at 4pm London time" for an
ISO-8601 date and time) or writes another time ("22:00" for "at 19:00").

`timed_values(calls, tools, query)`: a string argument whose parameter's description names one
time form (`HH:MM` or `HH:MM:SS` in any case, on its own or after a date form and a `T` or a
space; not one of twelve hours, "HH:MM AM/PM") takes the time the user wrote for it, in that
form (24 hours, two digits a field):

- the time the model's value writes, when the user wrote it;
- else the user's one time, or the user's times in order where the call has as many such
  arguments;
- with a date in the form, the date as `lamagent.gate.dates` reads it: the value's when the
  user wrote it, else the user's one date; without one the value stays.

A number parameter whose description says its hours are a 24-hour clock's ("The hour of the
day in 24-hour format", "latest closing time ... This is in 24 hour format") and names no
'HH:MM' form takes the hour of the user's time: of the time whose hour the value holds as
the user wrote it or in 24 hours ("11 PM" written 11 is 23), else of the user's one time.

The user's times: hours and minutes with a colon ("19:30", "12:30 PM", "07:15:30") or an hour
with am or pm ("4pm", "9 p.m."); the part of the day said after it is am or pm ("4:30 in the
afternoon" is 16:30, "at night", "in the morning"). A zone is never written ("Z" of
'YYYY-MM-DDTHH:MM:SSZ'): the user's time is the user's wall clock, and "Z" would say it is
UTC. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from lamagent.gate.dates import DateForm, WrittenDate, value_dates, writes_date, written_form
from lamagent.gate.reshape import described_forms, reshaped_calls, tool_properties
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "TimeForm",
    "WrittenTime",
    "hour_parameters",
    "said_hours",
    "time_form",
    "timed_values",
    "written_times",
]

T = TypeVar("T")

#: The part of the day said after a time ("4:30 in the afternoon", "9 at night").
_PART = r"(?:in the (?:morning|afternoon|evening)|at night|tonight)\b"
#: Times as users write them: "19:30", "8:30 pm", "4pm", "12:30 P.M.", "07:15:30", "4:30 in
#: the afternoon".
_TIMES = re.compile(
    r"(?<![\d:.])(?P<h>[01]?\d|2[0-3])"
    r"(?::(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d:])\s*(?P<ap1>[ap]\.?m\b\.?)?"
    rf"|\s*(?P<ap2>[ap]\.?m\b\.?)|(?=\s+{_PART}))"
    rf"(?P<part>\s*{_PART})?",
    re.IGNORECASE,
)
#: The part of the day a time is said in, after it: "4:30 in the afternoon" is 16:30.
_AFTER_NOON = re.compile(r"afternoon|evening|night", re.IGNORECASE)
_DATE_FIELDS = r"(?:y{2,4}|m{2}|d{2})(?:[-/.](?:y{2,4}|m{2}|d{2})){1,2}"
#: A time form, after a date form or not: 'HH:MM', 'YYYY-MM-DD HH:mm:ss',
#: 'YYYY-MM-DDTHH:MM:SSZ'.
_FORM = re.compile(
    rf"(?<![\w-])(?:(?P<date>{_DATE_FIELDS})(?P<sep>T| ))?hh:mm(?P<seconds>:ss)?z?(?![\w-])",
    re.IGNORECASE,
)
#: A description of twelve-hour times ('HH:MM AM/PM').
_TWELVE = re.compile(r"\bam\s*/\s*pm\b|\b12[- ]hour\b", re.IGNORECASE)
#: A description of hours on a 24-hour clock ("in 24-hour format", "This is in 24 hour format").
_CLOCK_HOURS = re.compile(r"\b24[- ]hours?\b", re.IGNORECASE)
#: Hours a clock reads alike, twelve apart ("11" of "11 PM" and 23).
_HALF_DAY = 12


@dataclass(frozen=True)
class WrittenTime:
    """A time of day, in 24 hours."""

    hour: int
    minute: int
    second: int = 0


@dataclass(frozen=True)
class TimeForm:
    """A time form: hours and minutes, seconds or not, after a date form or not."""

    seconds: bool
    date: DateForm | None = None
    separator: str = "T"

    def write(self, time: WrittenTime, date: WrittenDate | None = None) -> str | None:
        """`time` (on `date`, for a form with a date) in this form; None when the form
        needs a date and has none, or the date lacks a field it needs."""
        clock = f"{time.hour:02d}:{time.minute:02d}"
        if self.seconds:
            clock += f":{time.second:02d}"
        if self.date is None:
            return clock
        day = self.date.write(date) if date is not None else None
        return None if day is None else f"{day}{self.separator}{clock}"


def time_form(description: str) -> TimeForm | None:
    """The one time form `description` names (see the module's docstring), or None."""
    if _TWELVE.search(description):
        return None
    forms: set[TimeForm | None] = set()
    for match in _FORM.finditer(description):
        seconds = match.group("seconds") is not None
        if match.group("date") is None:
            forms.add(TimeForm(seconds))
            continue
        date = written_form(match.group("date"))
        sep = match.group("sep")
        forms.add(None if date is None else TimeForm(seconds, date, sep))
    if len(forms) != 1:
        return None
    [form] = forms
    return form


def hour_parameters(tool: Tool | None) -> set[str]:
    """The number parameters of `tool` that hold an hour of a 24-hour clock: the description
    says "24-hour" or "24 hour", and names neither an 'HH:MM' form nor twelve hours."""
    if tool is None:
        return set()
    return {
        str(name)
        for name, spec in tool_properties(tool).items()
        if isinstance(spec, Mapping)
        and spec.get("type") in ("integer", "number")
        and "enum" not in spec
        and _CLOCK_HOURS.search(description := str(spec.get("description") or ""))
        and not _FORM.search(description)
        and not _TWELVE.search(description)
    }


def _time(match: re.Match[str]) -> WrittenTime:
    hour = int(match.group("h"))
    minute = int(match.group("m") or 0)
    second = int(match.group("s") or 0)
    half = (match.group("ap1") or match.group("ap2") or "").lower()[:1]
    part = match.group("part")
    if not half and part:  # "4:30 in the afternoon"; "19:30 in the evening" stays
        half = "p" if _AFTER_NOON.search(part) else "a"
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    return WrittenTime(hour, minute, second)


def written_times(text: str) -> list[WrittenTime]:
    """The times of day `text` writes, in order (see the module's docstring)."""
    found: list[WrittenTime] = []
    for match in _TIMES.finditer(text):
        half = match.group("ap1") or match.group("ap2")
        if half and int(match.group("h")) > 12:
            continue  # "13 pm" is no time
        found.append(_time(match))
    return found


def _meant(said: Sequence[T], written: Sequence[T]) -> T | None:
    """Of what the user `said`, the one the value `written` holds, else the only one said."""
    held = [s for s in said if s in written]
    if len(held) == 1:
        return held[0]
    return said[0] if len(said) == 1 else None


def timed_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each time argument as the user wrote it, in its parameter's form (see the
    module's docstring), and a note per value changed ("Movies_1_BuyMovieTickets.show_time:
    '22:00' as '19:00', the user's time")."""
    user_times = written_times(query)
    if not user_times:
        return list(calls), []
    user_dates = value_dates(query)
    by_name = {tool.name: tool for tool in tools}  # the forms of the tools the calls use only
    forms = {call.name: described_forms(by_name.get(call.name), time_form) for call in calls}

    def in_order(call: ToolCall, name: str) -> WrittenTime | None:
        """The user's time in the order written, where the call has as many time arguments."""
        form_of = forms.get(call.name, {})
        timed = [n for n in call.arguments if n in form_of and isinstance(call.arguments[n], str)]
        return user_times[timed.index(name)] if len(timed) == len(user_times) else None

    def retime(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        form = forms.get(call.name, {}).get(name)
        if form is None or not isinstance(value, str):
            return None
        time = _meant(user_times, written_times(value)) or in_order(call, name)
        date = _meant(user_dates, [d for d in user_dates if writes_date(value, d)])
        written = form.write(time, date) if time is not None else None
        if written is None or written == value:
            return None
        return written, f"{value!r} as {written!r}, the user's time"

    return reshaped_calls(calls, retime)


def said_hours(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number argument that holds an hour of a 24-hour clock
    (`hour_parameters`) as the hour of the user's time (see the module's docstring), and a
    note per value changed ("t.operating_hours: 11 as 23, the hour of the user's time"). A
    number the user did not write is evidence against a call: the call gate applies this once
    it has decided (`lamagent.turns.with_said_values`)."""
    user_times = written_times(query)
    if not user_times:
        return list(calls), []
    by_name = {tool.name: tool for tool in tools}
    hours = {call.name: hour_parameters(by_name.get(call.name)) for call in calls}

    def rehour(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if name not in hours.get(call.name, ()) or type(value) is not int:
            return None
        read = [t for t in user_times if t.hour % _HALF_DAY == value % _HALF_DAY]
        time = _meant(user_times, read)
        if time is None or time.hour == value:
            return None
        return time.hour, f"{value!r} as {time.hour!r}, the hour of the user's time"

    return reshaped_calls(calls, rehour)
