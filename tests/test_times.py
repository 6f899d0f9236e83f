"""A time of day the user wrote, in the form its parameter's description names
(`lamagent.gate.times`). The drafts are the embedded model's on BFCL cases (named), and
made-up ones."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import gate_draft, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.dates import DateForm
from lamagent.gate.times import (
    TimeForm,
    WrittenTime,
    hour_parameters,
    said_hours,
    time_form,
    timed_values,
    written_times,
)
from lamagent.messages import ToolCall
from lamagent.tools import Tool

ISO_DATE = DateForm(("Y4", "M", "D"), "-")


def _tool(**descriptions: str) -> Tool:
    properties = {n: {"type": "string", "description": d} for n, d in descriptions.items()}
    return Tool("t", "", {"type": "object", "properties": properties, "required": []})


def _timed(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = timed_values([ToolCall(name="t", arguments=draft)], [tool], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("description", "form"),
    [
        ("The start time of the movie showing, in 24-hour format 'HH:MM'.", TimeForm(False)),
        ("The time of the appointment in 24-hour format (HH:MM).", TimeForm(False)),
        ("The alarm, 'hh:mm:ss'.", TimeForm(True)),
        (
            "The start, in the format 'YYYY-MM-DD HH:mm:ss', or 'null' for now.",
            TimeForm(True, ISO_DATE, " "),
        ),
        (
            "The new date and time, in ISO-8601 format (e.g., 'YYYY-MM-DDTHH:MM:SSZ').",
            TimeForm(True, ISO_DATE, "T"),
        ),
    ],
)
def test_the_form_a_description_names(description: str, form: TimeForm) -> None:
    assert time_form(description) == form


@pytest.mark.parametrize(
    "description",
    [
        "The time for picking up the car in the format 'HH:MM AM/PM'.",  # twelve hours
        "The time, 'HH:MM' or 'YYYY-MM-DD HH:MM'.",  # which one?
        "The duration in minutes.",
        "The date, 'YYYY-MM-DD'.",
    ],
)
def test_no_form(description: str) -> None:
    assert time_form(description) is None


def test_the_times_a_text_writes_in_order() -> None:
    text = "At 19:30, then 8:30 pm, 4pm, 12:30 A.M., 9 p.m. and 07:15:30; 12 pm is noon."
    assert written_times(text) == [
        WrittenTime(19, 30),
        WrittenTime(20, 30),
        WrittenTime(16, 0),
        WrittenTime(0, 30),
        WrittenTime(21, 0),
        WrittenTime(7, 15, 30),
        WrittenTime(12, 0),
    ]


@pytest.mark.parametrize(
    ("text", "time"),
    [
        # BFCL live_multiple_813: the part of the day said after the time
        ("set an alarm at 4:30 in the afternoon with the label", WrittenTime(16, 30)),
        ("at 8 at night", WrittenTime(20, 0)),
        ("at 9 in the morning", WrittenTime(9, 0)),
        ("at 19:30 in the evening", WrittenTime(19, 30)),  # in 24 hours already
        ("at 4pm in the afternoon", WrittenTime(16, 0)),
    ],
)
def test_the_part_of_the_day_said_after_a_time(text: str, time: WrittenTime) -> None:
    assert written_times(text) == [time]


@pytest.mark.parametrize(
    "text",
    [
        "a 4:3 screen",
        "2 amps and 5 apples",
        "13 pm",
        "on 2023-04-22 at room 5",
        "version 2.1.3",
        "meet 3 in the park",
    ],
)
def test_no_time(text: str) -> None:
    assert written_times(text) == []


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # bfcl-eval live_multiple_413-141-2: another time than the user's
            _tool(show_time="The start time of the movie showing, in 24-hour format 'HH:MM'."),
            "I'd like to purchase 2 tickets for 'After The Wedding' showing on 2023-04-22 at "
            "19:00 in Berkeley.",
            {"show_time": "22:00"},
            {"show_time": "19:00"},
        ),
        (  # bfcl-eval live_simple_138-91-0: the user's words for a date and a time
            _tool(
                dateOrTime="The new date and time to which the event should be moved, in "
                "ISO-8601 format (e.g., 'YYYY-MM-DDTHH:MM:SSZ'). Timezone is not included."
            ),
            "Reschedule event 'Bob-123' to November 1, 2023 at 4pm London time",
            {"dateOrTime": "November 1, 2023 at 4pm London time"},
            {"dateOrTime": "2023-11-01T16:00:00"},
        ),
        (  # made up: two times for two arguments, in order, with a space and seconds
            _tool(
                start="From, 'YYYY-MM-DD HH:mm:ss'.",
                end="To, 'YYYY-MM-DD HH:mm:ss'.",
            ),
            "Block my calendar on March 3, 2024 from 9am to 5:30 pm",
            {"start": "2024-03-03 00:00:00", "end": "x"},
            {"start": "2024-03-03 09:00:00", "end": "2024-03-03 17:30:00"},
        ),
    ],
)
def test_the_users_time_in_the_form(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _timed(tool, query, **draft)
    assert arguments == meant
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)


def test_the_note_says_what_changed() -> None:
    tool = _tool(show_time="In 24-hour format 'HH:MM'.")
    _, notes = _timed(tool, "at 19:00 in Berkeley", show_time="22:00")
    assert notes == ["t.show_time: '22:00' as '19:00', the user's time"]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        # two times, one argument, and the model's value is neither
        (_tool(at="In 'HH:MM'."), "between 9am and 5pm", {"at": "12:00"}),
        # a date and time form with no date the user wrote, or two
        (_tool(at="'YYYY-MM-DDTHH:MM:SS'"), "at 4pm", {"at": "2023-01-01T00:00:00"}),
        (
            _tool(at="'YYYY-MM-DDTHH:MM:SS'"),
            "March 3, 2024 or March 4, 2024 at 4pm",
            {"at": "soon"},
        ),
        # no form named, twelve hours, already in the form, no text
        (_tool(at="When."), "at 4pm", {"at": "4 pm"}),
        (_tool(at="'HH:MM AM/PM'"), "at 4pm", {"at": "4:00 PM"}),
        (_tool(at="In 'HH:MM'."), "at 4pm", {"at": "16:00"}),
        (_tool(at="In 'HH:MM'."), "at 4pm", {"at": 16}),
    ],
)
def test_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _timed(tool, query, **draft) == (draft, [])


def _houred(tool: Tool, query: str, value: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = said_hours([ToolCall(name="t", arguments={"hours": value})], [tool], query)
    return calls[0].arguments, notes


def _hours_tool(description: str, kind: str = "integer") -> Tool:
    properties = {"hours": {"type": kind, "description": description}}
    return Tool("t", "", {"type": "object", "properties": properties, "required": []})


CLOSING = (
    "Preferred latest closing time of the restaurant. E.g. if 11 is given, then restaurants "
    "that close at or after 11 PM will be considered. This is in 24 hour format."
)


@pytest.mark.parametrize(
    ("description", "query", "value", "hour"),
    [
        # the hour as the user wrote it, and a value the user did not write: the one time
        (CLOSING, "A vegan place in New York open until at least 11 PM.", 11, 23),
        (CLOSING, "open until at least 11 PM", 9, 23),
        ("The hour of the day in 24-hour format.", "the weather at 7 in the evening", 7, 19),
        ("The hour of the day in 24-hour format.", "at 12 am sharp", 12, 0),
        ("The hour (a number), 24-hour clock.", "till 9pm", 9, 21),
        # of two times, the one whose hour the value holds
        ("The hour, on a 24-hour clock.", "not at 9am, at 6 p.m. instead", 6, 18),
        ("The hour, on a 24-hour clock.", "not at 9am, at 6 p.m. instead", 9, 9),
    ],
)
def test_an_hour_of_a_24_hour_clock(description: str, query: str, value: int, hour: int) -> None:
    tool = _hours_tool(description, "number" if "a number" in description else "integer")
    assert hour_parameters(tool) == {"hours"}
    meant, notes = _houred(tool, query, value)
    assert meant == {"hours": hour}
    assert notes == (
        [f"t.hours: {value!r} as {hour!r}, the hour of the user's time"] if hour != value else []
    )


@pytest.mark.parametrize(
    ("tool", "query", "value"),
    [
        # already the hour; two times and the value reads as neither; no time; a flag
        (_hours_tool(CLOSING), "until at least 22:00", 22),
        (_hours_tool(CLOSING), "from 9am to 5pm", 12),
        (_hours_tool(CLOSING), "open until late", 11),
        (_hours_tool(CLOSING), "until 11 PM", True),
        # no 24-hour clock, twelve hours, an 'HH:MM' form, a string, an enum
        (_hours_tool("The latest closing hour."), "until 11 PM", 11),
        (_hours_tool("Hours (24-hour or 12-hour clock)."), "until 11 PM", 11),
        (_hours_tool("In 24-hour format 'HH:MM'."), "until 11 PM", 11),
        (_hours_tool(CLOSING, "string"), "until 11 PM", "11"),
        (_hours_tool(CLOSING, "string"), "until 11 PM", 11),
        (
            Tool(
                "t",
                "",
                {
                    "type": "object",
                    "properties": {
                        "hours": {"type": "integer", "enum": [9, 11], "description": CLOSING}
                    },
                },
            ),
            "until 11 PM",
            11,
        ),
    ],
)
def test_an_hour_left_alone(tool: Tool, query: str, value: Any) -> None:
    assert _houred(tool, query, value) == ({"hours": value}, [])


def test_the_time_rule_leaves_an_hour_to_the_hour_rule() -> None:
    assert _timed(_hours_tool(CLOSING), "until 11 PM", hours=11) == ({"hours": 11}, [])


def test_the_call_gates_draft_keeps_the_hour_until_it_has_decided() -> None:
    # 23 is no number the user wrote: the gate weighs the draft as the model wrote it
    drafted = ToolCall(name="t", arguments={"hours": 11})
    query = "A vegan place open until at least 11 PM"
    draft, decided = gate_draft(drafted, query, _hours_tool(CLOSING))
    assert draft.turn.calls[0].arguments["hours"] == 11
    assert decided.turn.calls[0].arguments["hours"] == 23
    turn = one_turn(
        ScriptedBackend.calls([[drafted]], supports_constraint=True),
        query,
        [_hours_tool(CLOSING)],
        example_shapes=True,
    )
    assert turn.turn.calls[0].arguments["hours"] == 23
    assert any("the hour of the user's time" in note for note in decided.reshaped)
