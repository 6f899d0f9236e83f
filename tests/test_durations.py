"""A length of time the user gave, in the unit its parameter counts in
(`lamagent.gate.durations`). The real engine is tested in test_durations_gguf.py."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.durations import (
    counted_unit,
    duration_values,
    said_durations,
    said_lengths,
)
from lamagent.gate.unwritten_numbers import unwritten_numbers, written_numbers_of
from lamagent.messages import ToolCall
from lamagent.tools import Tool

DAYS = "The number of days for which releases are required from current date."
SECONDS = "Length of the mix track in seconds."


@pytest.mark.parametrize(
    ("query", "lengths"),
    [
        # BFCL simple_python_293, _93, _214, live_multiple_153
        (
            "notes of a quarter of a second with a duration of 3 minutes.",
            [("3", "minute")],
        ),
        ("IMAX releases near LA for the next week.", [("1", "week")]),
        ("Search for upcoming month rock concerts", [("1", "month")]),
        ("readings from my sensors for the past hour?", [("1", "hour")]),
        # made up: counts in words, hyphens, "a" after a cue, plurals, decimals
        ("two weeks in Rome", [("2", "week")]),
        ("a 6-hour flight, then the following 3 days", [("6", "hour"), ("3", "day")]),
        ("for a month, within an hour", [("1", "month"), ("1", "hour")]),
        ("1.5 years of data over the coming Year", [("1.5", "year"), ("1", "year")]),
        # no length of time: rates, ordinals, fractions, names of days
        ("three times a week, 5 meals per day", []),
        ("the second largest", []),
        ("every Monday and today", []),
        ("on the 2nd day", []),
        ("build v2.3 days, a A380 hours", []),
    ],
)
def test_the_lengths_the_user_gave(query: str, lengths: list[tuple[str, str]]) -> None:
    assert said_durations(query) == [(Decimal(c), u) for c, u in lengths]


@pytest.mark.parametrize(
    ("name", "spec", "unit"),
    [
        ("track_length", {"type": "integer", "description": SECONDS}, "second"),
        ("timeframe", {"type": "integer", "description": DAYS}, "day"),
        ("prep_time", {"type": "integer", "description": "(in minutes) at most."}, "minute"),
        ("wait", {"type": "number", "description": "How many hours to wait."}, "hour"),
        # BFCL live_multiple_153: other units in the description are no unit it is in
        (
            "timespan",
            {
                "type": "integer",
                "description": "The timespan, in seconds. At most 31,536,000 seconds (365 days).",
            },
            "second",
        ),
        # by name, where the description says none
        ("days_ahead", {"type": "integer", "description": "From now."}, "day"),
        ("window", {"type": "integer", "description": "Number of past days to look back."}, "day"),
        ("numHours", {"type": "integer"}, "hour"),
        # none: a rate, a calendar year, two units, no number, another unit word
        ("meat_meals_per_week", {"type": "integer", "description": "Meat meals."}, None),
        ("hours_per_day", {"type": "integer", "description": "Hours of sleep."}, None),
        ("meals", {"type": "integer", "description": "Number of meals a week."}, None),
        ("year", {"type": "integer", "description": "The year."}, None),
        ("span", {"type": "integer", "description": "In hours or in minutes."}, None),
        ("days", {"type": "string", "description": "Number of days."}, None),
        ("hours_minutes", {"type": "integer"}, None),
        ("count", {"type": "integer", "description": "Number of days, per week."}, None),
    ],
)
def test_the_unit_a_parameter_counts_in(name: str, spec: dict[str, Any], unit: str | None) -> None:
    assert counted_unit(name, spec) == unit


def _tool(**properties: dict[str, Any]) -> Tool:
    properties = {"topic": {"type": "string", "description": "What."}, **properties}
    return Tool("t", "", {"type": "object", "properties": properties, "required": ["topic"]})


def _timed(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name="t", arguments={"topic": "x", **draft})
    written = written_numbers_of([query])
    # as a turn applies them: the lengths, then a held number replaced by the one said
    [timed], notes = duration_values([call], [tool], query, written)
    [out], said = said_lengths([timed], [tool], query, written)
    assert out.id == call.id
    return out.arguments, [*notes, *said]


DAYS_TOOL = _tool(timeframe={"type": "integer", "description": DAYS})
SECONDS_TOOL = _tool(track_length={"type": "integer", "description": SECONDS})
PREP_TOOL = _tool(
    prep_time={"type": "integer", "description": "The most time (in minutes) to prepare."},
    servings={"type": "integer", "description": "The number of people to serve."},
)


@pytest.mark.parametrize(
    ("tool", "query", "draft", "value"),
    [
        # the user's count in the user's unit (BFCL simple_python_293)
        (SECONDS_TOOL, "a mix with a duration of 3 minutes", {"track_length": 3}, 180),
        # a count the user wrote nowhere (simple_python_93), none at all (simple_python_214)
        (DAYS_TOOL, "releases for the next week", {"timeframe": 1}, 7),
        (DAYS_TOOL, "releases for the next week", {"timeframe": 12}, 7),
        (DAYS_TOOL, "concerts for the upcoming month", {}, 30),
        (DAYS_TOOL, "forecast for two years", {}, 730),
        (_tool(months={"type": "integer"}), "a loan over 2 years", {}, 24),
        (_tool(years={"type": "integer"}), "a loan over 24 months", {"years": 24}, 2),
        (_tool(hours={"type": "integer"}), "a stay of 120 minutes", {"hours": 120}, 2),
        (_tool(hours={"type": "number"}), "a stay of 3 days", {"hours": 3.0}, 72),
        # in the parameter's own unit, left out (simple_python_356)
        (PREP_TOOL, "a vegan recipe that takes under 30 minutes to prepare", {}, 30),
        (_tool(days_ahead={"type": "integer"}), "events in the next two days", {}, 2),
        (_tool(months={"type": "integer"}), "house prices for the next month", {"months": 12}, 1),
    ],
)
def test_the_length_in_the_parameters_unit(
    tool: Tool, query: str, draft: dict[str, Any], value: int
) -> None:
    arguments, notes = _timed(tool, query, **draft)
    name = next(n for n in tool.parameters["properties"] if n != "topic")
    assert arguments[name] == value
    assert len(notes) == 1 and notes[0].startswith(f"t.{name}: ") and f"as {value}," in notes[0]


def test_the_note_says_what_the_user_gave() -> None:
    assert _timed(SECONDS_TOOL, "a duration of 3 minutes", track_length=3)[1] == [
        "t.track_length: 3 as 180, for 3 minutes"
    ]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        # the value already, another number the user wrote, a value that is no number
        (DAYS_TOOL, "releases for the next week", {"timeframe": 7}),
        (DAYS_TOOL, "releases in 5 cities for the next week", {"timeframe": 5}),
        (DAYS_TOOL, "releases for the next week", {"timeframe": "soon"}),
        # a length in the parameter's own unit too; two lengths; none
        (DAYS_TOOL, "the next week, at most 3 days each", {"timeframe": 1}),
        (DAYS_TOOL, "for 2 weeks or for a month", {"timeframe": 1}),
        (DAYS_TOOL, "releases near LA", {"timeframe": 1}),
        # in the parameter's own unit: held already, or its count taken by another argument
        (DAYS_TOOL, "releases for the next 5 days", {"timeframe": 5}),
        (PREP_TOOL, "dinner for 30 people, 30 minutes to prepare", {"servings": 30}),
        # a length the parameter's enum does not hold
        (_tool(days={"type": "integer", "enum": [7, 14]}), "for the next month", {"days": 7}),
        # no whole number in the unit
        (_tool(hours={"type": "integer"}), "a stay of 90 minutes", {"hours": 90}),
        # two parameters that count time (BFCL live_simple's relative start hours and minutes)
        (
            _tool(hours={"type": "integer"}, minutes={"type": "integer"}),
            "start in the next hour",
            {"hours": 5},
        ),
        # a rate, a calendar year
        (_tool(meals_per_week={"type": "integer"}), "for a month", {"meals_per_week": 3}),
        (_tool(year={"type": "integer"}), "over the past month", {"year": 2020}),
    ],
)
def test_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _timed(tool, query, **draft) == ({"topic": "x", **draft}, [])


def test_a_converted_length_is_written() -> None:
    call = ToolCall(name="t", arguments={"topic": "x", "timeframe": 7})
    kept, notes = unwritten_numbers([call], [DAYS_TOOL], ["releases for the next week"])
    assert (kept[0].arguments["timeframe"], notes) == (7, [])
    left, notes = unwritten_numbers([call], [DAYS_TOOL], ["releases for the next month"])
    assert "timeframe" not in left[0].arguments and notes == [
        "t.timeframe: 7 is written nowhere, left out"
    ]


def test_a_turn_counts_the_length_in_the_parameters_unit() -> None:
    draft = '[{"name": "t", "arguments": {"topic": "IMAX", "timeframe": 1}}]'
    query = "IMAX releases for the next week"
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, query, [DAYS_TOOL], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"topic": "IMAX", "timeframe": 7}
    assert "t.timeframe: 1 as 7, for 1 week" in turn.reshaped
    plain = one_turn(backend, query, [DAYS_TOOL], example_shapes=False)
    assert plain.turn.calls[0].arguments == {"topic": "IMAX", "timeframe": 1}
    # a number held that the length in its own unit replaces: a turn replaces it at once
    draft = '[{"name": "t", "arguments": {"topic": "IMAX", "timeframe": 3}}]'
    backend = ScriptedBackend([draft], supports_constraint=True)
    turn = one_turn(backend, "IMAX releases for the next day", [DAYS_TOOL], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"topic": "IMAX", "timeframe": 1}
    assert turn.reshaped == ("t.timeframe: 3 as 1, for 1 day",)


def test_a_long_request_and_many_parameters_take_little_time() -> None:
    query = "releases for the next week in Austin, Texas: " + "word " * 50000
    properties = {f"p{i}": {"type": "integer", "description": DAYS} for i in range(3000)}
    properties["solo"] = {"type": "integer", "description": "In hours."}
    tool = Tool("t", "", {"type": "object", "properties": properties})
    call = ToolCall(name="t", arguments={f"p{i}": 1 for i in range(3000)})
    started = time.perf_counter()
    duration_values([call], [tool], query, written_numbers_of([query]))
    assert time.perf_counter() - started < 5


def test_a_number_held_in_the_parameters_unit_is_said_lengths_to_replace() -> None:
    # the call gate weighs its draft as the model wrote it and applies `said_lengths` once it
    # has decided: `duration_values` fills a left-out parameter and keeps a number held
    # (BFCL multiple_50's "the next month", drafted 12)
    tool = _tool(months={"type": "integer"})
    query = "house prices for the next month"
    held = ToolCall(name="t", arguments={"topic": "x", "months": 12})
    left_out = ToolCall(name="t", arguments={"topic": "x"})
    written = written_numbers_of([query])
    [kept], notes = duration_values([held], [tool], query, written)
    assert (kept.arguments["months"], notes) == (12, [])
    [filled], _ = duration_values([left_out], [tool], query, written)
    assert filled.arguments["months"] == 1
    [said], notes = said_lengths([held], [tool], query, written)
    assert (said.arguments["months"], notes) == (1, ["t.months: 12 as 1, for 1 month"])
    # `said_lengths` does nothing else: it neither fills nor converts
    assert said_lengths([left_out], [tool], query, written) == ([left_out], [])
    days = _tool(days={"type": "integer"})
    two = ToolCall(name="t", arguments={"topic": "x", "days": 1})
    assert said_lengths([two], [days], query, written) == ([two], [])
    assert duration_values([two], [days], query, written)[0][0].arguments["days"] == 30
