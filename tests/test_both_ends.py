"""One value at both ends, or both ends in one value (`lamagent.gate.both_ends`). The drafts
are the embedded model's on BFCL cases and on the main job's example tools (named), and
made-up ones for what the data does not show. The real engine is tested in
test_directed_gguf.py and test_gguf_agent.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.both_ends import filled_ends
from lamagent.messages import ToolCall


def _filled(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = filled_ends([ToolCall(name="t", arguments=draft)], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("query", "draft", "meant"),
    [
        (  # BFCL multiple_66: a run of capitalised words after "to"
            "How much traffic should I expect from Las Vegas to Los Angeles this weekend?",
            {"start_location": "Las Vegas", "end_location": "Las Vegas", "time_period": "weekend"},
            {
                "start_location": "Las Vegas",
                "end_location": "Los Angeles",
                "time_period": "weekend",
            },
        ),
        (  # BFCL simple_java_69: numbers as strings, the word both share ("index") skipped
            "aligned from index 2 to index 5, considering that the elements",
            {"buf": "durations", "start": "2", "end": "2"},
            {"buf": "durations", "start": "2", "end": "5"},
        ),
        (  # BFCL simple_python_231: numbers, the end holds the start's year
            "Provide key war events in German history from 1871 to 1945.",
            {"start_year": 1871, "end_year": 1871},
            {"start_year": 1871, "end_year": 1945},
        ),
        (  # made up: the other value ends at the clause's end ("Los Angeles,")
            "Drive from Las Vegas to Los Angeles, Reno and Denver",
            {"start_location": "Las Vegas", "end_location": "Las Vegas"},
            {"start_location": "Las Vegas", "end_location": "Los Angeles"},
        ),
        (  # made up: the value at both ends is the end; read before the link
            "Book me a flight from New York City to Paris next Monday",
            {"origin": "Paris", "destination": "Paris"},
            {"origin": "New York City", "destination": "Paris"},
        ),
        (  # the main job: "how many" names the end, the number's unit the start
            "How many feet is 10 meters?",
            {"value": 10, "from_unit": "meters", "to_unit": "meters"},
            {"value": 10, "from_unit": "meters", "to_unit": "feet"},
        ),
        (  # made up: "how many" holds the drafted value, the number's unit is the start
            "How many grams are in 2 pounds?",
            {"value": 2, "from_unit": "grams", "to_unit": "grams"},
            {"value": 2, "from_unit": "pounds", "to_unit": "grams"},
        ),
        (  # made up: "in" between lower-case values
            "What is 3 cups in ml?",
            {"value": 3, "from_unit": "cups", "to_unit": "cups"},
            {"value": 3, "from_unit": "cups", "to_unit": "ml"},
        ),
        (  # made up: capitalised values with digits, camelCase names
            "Block my calendar from May 1 until May 7, please",
            {"startDate": "May 1", "endDate": "May 1"},
            {"startDate": "May 1", "endDate": "May 7"},
        ),
        (  # BFCL multiple_147: the user's "A to B" at one end, words never written at the other
            "Get me the directions from New York to Los Angeles avoiding highways and toll roads.",
            {"start": "New York to Los Angeles", "end": "Los Angeles to Los Angeles"},
            {"start": "New York", "end": "Los Angeles"},
        ),
        (  # made up: "A to B" at the end, the start holds one side
            "Plan a drive from Lyon to Nice",
            {"start_city": "Lyon", "end_city": "Lyon to Nice"},
            {"start_city": "Lyon", "end_city": "Nice"},
        ),
        (  # BFCL simple_python_394: the end the user's, the start a city nobody wrote
            "Get me the travel distance and duration from the Eiffel Tower to the Louvre Museum",
            {"start_location": "Paris", "end_location": "Louvre Museum", "traffic": False},
            {"start_location": "Eiffel Tower", "end_location": "Louvre Museum", "traffic": False},
        ),
        (  # made up: the start the user's, the end words nobody wrote, lower-case values
            "Is there a night bus from downtown to uptown?",
            {"origin": "downtown", "destination": "midtown"},
            {"origin": "downtown", "destination": "uptown"},
        ),
        (  # made up: the user's value at the other end moves to its own
            "Directions from Lyon to Nice",
            {"start_city": "Nice", "end_city": "Marseille"},
            {"start_city": "Lyon", "end_city": "Nice"},
        ),
    ],
)
def test_the_pair_is_read_as_the_user_wrote_it(
    query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _filled(query, **draft)
    assert arguments == meant
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # two readings: "Paris to Rome" and "Rome to Paris"
        (
            "From Paris to Rome, then from Rome to Paris",
            {"origin": "Paris", "destination": "Paris"},
        ),
        # "in" never links capitalised values ("Hotel in Paris")
        ("Stay at the Hotel in Paris", {"start_location": "Hotel", "end_location": "Hotel"}),
        # the value is not written
        ("Fly from Boston to Denver", {"origin": "Chicago", "destination": "Chicago"}),
        # a lower-case value's other is no stop word ("meters to the" is not a unit)
        ("10 meters to the moon", {"from_unit": "meters", "to_unit": "meters"}),
        # "A to B" at one end, the other end written and neither side: left alone
        (
            "Compare Lyon to Nice, starting in Paris",
            {"start_city": "Lyon to Nice", "end_city": "Paris"},
        ),
        # a pair of different values, no "to" inside either
        ("Fly from Boston to Denver", {"origin": "Denver", "destination": "Boston"}),
        # names that differ in more than the direction
        ("From Boston to Denver", {"departure_city": "Boston", "arrival_airport": "Boston"}),
        # a number nobody wrote may have been worked out (BFCL simple_python_99: "2 pi")
        ("Plot a sine wave from 0 to 2 pi", {"start_range": 0, "end_range": 6.2832}),
        # the other end holds a word the user wrote ("Lyon, France"), or both are unwritten
        ("Directions from Lyon to Nice", {"start_city": "Lyon, France", "end_city": "Paris"}),
        ("Directions from Lyon to Nice", {"start_city": "Paris", "end_city": "Marseille"}),
        # two readings of the held value
        (
            "Fly from Boston to Denver, or from Chicago to Boston",
            {"origin": "Boston", "destination": "Miami"},
        ),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    arguments, notes = _filled(query, **draft)
    assert arguments == draft
    assert notes == []


def test_the_note_says_what_was_read() -> None:
    calls, notes = filled_ends(
        [
            ToolCall(
                name="traffic_estimate",
                arguments={"start_location": "Las Vegas", "end_location": "Las Vegas"},
            )
        ],
        "Traffic from Las Vegas to Los Angeles",
    )
    assert notes == [
        "traffic_estimate.start_location, end_location: read as the user wrote them, "
        "'Las Vegas' to 'Los Angeles'"
    ]
    assert calls[0].arguments["end_location"] == "Los Angeles"
