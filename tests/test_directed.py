"""Where from and where to, as the user wrote them (`lamagent.gate.directed`). The drafts are
the embedded model's on BFCL cases and on the main job's example tools (named), and made-up
ones for what the data does not show. The real engine is tested in test_directed_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.directed import directed_values
from lamagent.messages import ToolCall


def _directed(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = directed_values([ToolCall(name="t", arguments=draft)], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("query", "draft", "meant"),
    [
        (  # BFCL simple_python_213
            "Book a direct flight from San Francisco to London for 2022-04-27 afternoon",
            {"departure_location": "London", "destination_location": "San Francisco"},
            {"departure_location": "San Francisco", "destination_location": "London"},
        ),
        (  # the main job: `convert_units` on "Convert 5 miles to km"
            "Convert 5 miles to km",
            {"value": 5, "from_unit": "km", "to_unit": "miles"},
            {"value": 5, "from_unit": "miles", "to_unit": "km"},
        ),
        (  # bfcl-eval parallel_multiple_15: `_from` and `to`
            "Then find a cheapest flight for round-trip from New York to Los Angeles",
            {"_from": "Los Angeles", "to": "New York"},
            {"_from": "New York", "to": "Los Angeles"},
        ),
        (  # made up: "to" the end "from" the start, origin and destination, case aside
            "I need a train to lyon from Paris tomorrow",
            {"origin": "Lyon", "destination": "Paris"},
            {"origin": "Paris", "destination": "Lyon"},
        ),
        (  # bfcl-eval parallel_multiple_150 (held out): the values in quotes
            "Lastly, I need to book a direct flight from 'New York' to 'London' on the date "
            "'2022-12-25'",
            {"departure_location": "London", "destination_location": "New York"},
            {"departure_location": "New York", "destination_location": "London"},
        ),
        (  # made up: "to" the end "from" the start, in curly quotes
            "I need a train to \u201cLyon\u201d from \u201cParis\u201d tomorrow",
            {"origin": "Lyon", "destination": "Paris"},
            {"origin": "Paris", "destination": "Lyon"},
        ),
        (  # made up: camelCase names, start and end
            "Block my calendar from May 1 to May 7",
            {"startDate": "May 7", "endDate": "May 1"},
            {"startDate": "May 1", "endDate": "May 7"},
        ),
        (  # made up: "into"
            "Convert 3 cups into ml",
            {"value": 3, "source_unit": "ml", "target_unit": "cups"},
            {"value": 3, "source_unit": "cups", "target_unit": "ml"},
        ),
        (  # the main job: `convert_units` on "What is 60 mph in km/h?"
            "What is 60 mph in km/h?",
            {"value": 60, "from_unit": "km/h", "to_unit": "mph"},
            {"value": 60, "from_unit": "mph", "to_unit": "km/h"},
        ),
        (  # the main job on "How many grams are in 2 pounds?": the amount's unit starts
            "How many grams are in 2 pounds?",
            {"value": 2, "from_unit": "grams", "to_unit": "pounds"},
            {"value": 2, "from_unit": "pounds", "to_unit": "grams"},
        ),
        (  # made up: the amount with a thousands separator, a float drafted, two-word units
            "How many Japanese Yen do I get for 1,500 US Dollars",
            {"amount": 1500.0, "from_currency": "Japanese Yen", "to_currency": "US Dollars"},
            {"amount": 1500.0, "from_currency": "US Dollars", "to_currency": "Japanese Yen"},
        ),
    ],
)
def test_a_pair_filled_the_other_way_round_is_swapped(
    query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _directed(query, **draft)
    assert arguments == meant
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # the amount's unit is where the draft starts
        (
            "How many grams are in 2 pounds?",
            {"value": 2, "from_unit": "pounds", "to_unit": "grams"},
        ),
        # a number the call does not hold says nothing
        (
            "How many grams are in 2 pounds?",
            {"value": 3, "from_unit": "grams", "to_unit": "pounds"},
        ),
        # both units written after the amount
        ("2 pounds or 2 grams?", {"value": 2, "from_unit": "grams", "to_unit": "pounds"}),
    ],
)
def test_the_amounts_unit_left_alone(query: str, draft: dict[str, Any]) -> None:
    arguments, notes = _directed(query, **draft)
    assert arguments == draft
    assert notes == []


def test_the_note_says_what_changed() -> None:
    calls, notes = directed_values(
        [
            ToolCall(
                name="flight.book",
                arguments={"departure_location": "London", "destination_location": "Paris"},
            )
        ],
        "Fly from Paris to London",
    )
    assert notes == [
        "flight.book.departure_location, destination_location: swapped, as the user wrote them"
    ]
    assert calls[0].arguments == {"departure_location": "Paris", "destination_location": "London"}


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # already in the user's direction
        ("Convert 5 miles to km", {"from_unit": "miles", "to_unit": "km"}),
        # written both ways: which trip is this call?
        (
            "Go from Paris to Rome, then back from Rome to Paris",
            {"origin": "Rome", "destination": "Paris"},
        ),
        # a value not written as the model wrote it
        ("Convert 200 euros to US dollars", {"from_currency": "USD", "to_currency": "EUR"}),
        # names that differ in more than the direction
        (
            "from San Francisco to London",
            {"departure_city": "London", "destination_airport": "San Francisco"},
        ),
        # the same value twice, values that are no text
        ("from Paris to Paris", {"origin": "Paris", "destination": "Paris"}),
        ("from 3 to 5", {"start": 5, "end": 3}),
        # "in" links only values side by side
        ("Fly from Boston in May to Rome", {"origin": "Rome", "destination": "Boston"}),
        # part of a word is no value ("Rome" in "Romeo")
        ("from Romeo to Paris", {"origin": "Paris", "destination": "Rome"}),
        # a quote mark is no word: "'Rome'o" is still no "Rome"
        ("from 'Romeo' to 'Paris'", {"origin": "Paris", "destination": "Rome"}),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _directed(query, **draft) == (draft, [])
