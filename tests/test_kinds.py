"""A value that ends with the word of its parameter's kind, cut where the kind begins
(`lamagent.gate.kinds`). The real engine is tested in test_kinds_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.kinds import kindless_values, parameter_kind
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(tool: str, parameter: str, other: str = "limit", **spec: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": tool,
            "description": "Look something up.",
            "parameters": {
                "type": "dict",
                "required": [parameter],
                "properties": {
                    parameter: {"type": "string", "description": "What to look up.", **spec},
                    other: {"type": "integer", "description": "How many."},
                },
            },
        }
    )


def _cut(
    tool: str, parameter: str, value: Any, query: str, other: str = "limit", **spec: Any
) -> tuple[Any, list[str]]:
    call = ToolCall(name=tool, arguments={parameter: value, other: 3})
    [out], notes = kindless_values([call], [_tool(tool, parameter, other, **spec)], query)
    assert out.id == call.id and out.arguments[other] == 3
    return out.arguments[parameter], notes


@pytest.mark.parametrize(
    ("tool", "parameter", "value", "query", "cut"),
    [
        # BFCL live_simple_48, simple_python_163, _378, _280, _383, parallel_108
        (
            "find_beer",
            "brewery",
            "Sierra Nevada brewery",
            "a pale lager from Sierra Nevada brewery?",
            "Sierra Nevada",
        ),
        (
            "property_records.get",
            "county",
            "Santa Clara county",
            "parcel 1 in Santa Clara county.",
            "Santa Clara",
        ),
        (
            "timezone.convert",
            "from_timezone",
            "New York time zone",
            "3pm from New York time zone to London",
            "New York",
        ),
        (
            "find_instrument",
            "type",
            "acoustic instrument",
            "Find an acoustic instrument within $1000.",
            "acoustic",
        ),
        (
            "book_room",
            "hotel_name",
            "The Plaza Hotel",
            "two nights at The Plaza hotel.",
            "The Plaza",
        ),
        (
            "biology.get_cell_info",
            "cell_type",
            "muscle cell",
            "compare it with a muscle cell",
            "muscle",
        ),
        # made up: a plural kind, a camelCase name, a kind after a comma
        ("list_ports", "harbour", "Rotterdam harbours", "ships in Rotterdam harbours", "Rotterdam"),
        ("findLake", "lakeName", "Crater lake", "how deep is Crater lake", "Crater"),
        (
            "get_team",
            "team",
            "Chicago Bulls, team",
            "about the Chicago Bulls, team of my youth",
            "Chicago Bulls",
        ),
    ],
)
def test_the_kind_is_cut(tool: str, parameter: str, value: str, query: str, cut: str) -> None:
    assert _cut(tool, parameter, value, query) == (
        cut,
        [f"{tool}.{parameter}: {value!r} as {cut!r}, the parameter names the kind"],
    )


@pytest.mark.parametrize(
    ("parameter", "description", "value", "cut"),
    [
        # the descriptions of BFCL live_simple_48 and simple_python_378: the kind after "The"
        ("brewery", "The brewery name.", "Sierra Nevada brewery", "Sierra Nevada"),
        (
            "from_timezone",
            "The time zone you want to convert from.",
            "New York time zone",
            "New York",
        ),
    ],
)
def test_a_description_naming_the_kind_alone(
    parameter: str, description: str, value: str, cut: str
) -> None:
    got, notes = _cut("look_up", parameter, value, f"from {value}", description=description)
    assert (got, len(notes)) == (cut, 1)


@pytest.mark.parametrize(
    ("tool", "parameter", "value", "query", "spec"),
    [
        # the kind capitalised: a part of the name (BFCL simple_python_387, _273)
        ("hotel_booking", "hotel_name", "Plaza Hotel", "a room at the Plaza Hotel", {}),
        ("museum.get_hours", "name", "Louvre Museum", "hours of the Louvre Museum", {}),
        # what is left says nothing of its own: function words, the name's own words
        ("gamespot.score", "platform", "all platforms", "the score on all platforms", {}),
        ("add_alarm", "new_alarm_name", "New alarm", "call it New alarm", {}),
        ("get_team", "team", "a team", "find me a team", {}),
        ("find_beer", "brewery", "X brewery", "beers from X brewery", {}),
        # the description writes values with the kind (BFCL multiple_75)
        (
            "paint.trends",
            "room",
            "living room",
            "paint for living room",
            {"description": "Type of the room e.g. Living room, Bathroom etc."},
        ),
        (
            "get_top_cases",
            "field_of_law",
            "constitutional law",
            "cases in constitutional law",
            {"description": "e.g., constitutional law, criminal law."},
        ),
        (
            "paint.trends",
            "room",
            "living room",
            "paint for living room",
            {"default": "living room"},
        ),
        (
            "paint.trends",
            "room",
            "living room",
            "paint for living room",
            {"enum": ["living room", "bathroom"]},
        ),
        # no kind at the end, not the user's words, one word, not a string
        ("find_beer", "brewery", "Sierra Nevada", "from Sierra Nevada brewery", {}),
        ("find_beer", "brewery", "Sierra Nevada brewery", "from Sierra Nevada", {}),
        ("find_beer", "brewery", "brewery", "any brewery", {}),
        ("find_beer", "brewery", 7, "7 brewery", {}),
        ("property_records.get", "county", "Santa Clara county", "all Santa Clara countywide", {}),
        # the kind is the name's word, not the tool's, where the name has one of its own
        ("find_instrument", "maker", "acoustic instrument", "an acoustic instrument", {}),
    ],
)
def test_left_alone(
    tool: str, parameter: str, value: Any, query: str, spec: dict[str, Any]
) -> None:
    assert _cut(tool, parameter, value, query, **spec) == (value, [])


def test_an_enum_value_stays() -> None:
    spec = {"enum": ["Sierra Nevada brewery", "Other"]}
    value = "Sierra Nevada brewery"
    assert _cut("find_beer", "brewery", value, "from Sierra Nevada brewery", **spec) == (value, [])


@pytest.mark.parametrize(
    ("parameter", "tool", "kind"),
    [
        ("brewery", "find_beer", "brewer"),
        ("cell_type", "x", "cell"),
        ("type", "find_instrument", "instru"),
        ("name", "museum.get_hours", "hour"),
        ("hotelName", "book", "hotel"),
        ("id", "tools.42", None),
    ],
)
def test_the_kind_of_a_parameter(parameter: str, tool: str, kind: str | None) -> None:
    assert parameter_kind(parameter, tool) == kind


@pytest.mark.parametrize(
    ("tool", "parameter", "value", "query", "other", "said"),
    [
        # BFCL simple_python_364: the tool's kind alone, for a `type`
        (
            "find_restaurant",
            "type",
            "restaurant",
            "Can I find an Italian restaurant with Gluten-free options near Brooklyn?",
            "limit",
            "Italian",
        ),
        # made up: two words of the user's, a kind in the plural, a kind in a dotted name
        (
            "find_instrument",
            "type",
            "instrument",
            "two modern acoustic instruments",
            "n",
            "modern acoustic",
        ),
        ("shop.find_bakery", "kind", "bakery", "is there a vegan bakery here", "n", "vegan"),
        # BFCL simple_python_217: a word of another parameter's name ("smoothed", `smooth`)
        (
            "fMRI.analyze",
            "sequence_type",
            "smoothed",
            "Analyze my data from a multi-band sequence, that is smoothed at 6mm.",
            "smooth",
            "multi-band",
        ),
        # BFCL simple_python_382 (train): "Hotel", a word of `hotel_name`, for the room's type
        (
            "book_hotel",
            "room_type",
            "Hotel",
            "Book a single room for two nights at the Hilton Hotel in Chicago",
            "hotel_name",
            "single",
        ),
    ],
)
def test_what_the_user_said_of_the_kind(
    tool: str, parameter: str, value: str, query: str, other: str, said: str
) -> None:
    got, notes = _cut(tool, parameter, value, query, other)
    assert got == said
    assert notes and f"as {said!r}, what the user said of the kind" in notes[0]


@pytest.mark.parametrize(
    ("tool", "parameter", "value", "query", "other"),
    [
        # no words of the user's before the kind: a function word, a number, a comma
        ("find_restaurant", "type", "restaurant", "find a restaurant near me", "n"),
        ("measure_unit", "type", "units", "a circle of radius 5 units", "n"),
        ("find_restaurant", "type", "restaurant", "Brooklyn, restaurant please", "n"),
        # two readings of the kind: which one is open
        (
            "find_restaurant",
            "type",
            "restaurant",
            "an Italian restaurant or a Thai restaurant",
            "n",
        ),
        # the parameter's own word may be its value (BFCL parallel_multiple_108)
        ("mbti", "thinking_vs_feeling", "feeling", "I lean more towards feeling", "n"),
        # a kind the user capitalised is a name's
        ("find_restaurant", "type", "restaurant", "dinner at Golden Dragon Restaurant", "n"),
        # what the user said of the kind is the value already
        ("fMRI.analyze", "sequence_type", "smooth", "a smooth sequence", "smooth"),
        # not a word of another parameter's name; two words
        ("fMRI.analyze", "sequence_type", "blurred", "a multi-band sequence, blurred", "smooth"),
        ("fMRI.analyze", "sequence_type", "smoothed twice", "a multi-band sequence", "smooth"),
    ],
)
def test_the_kind_alone_left_alone(
    tool: str, parameter: str, value: str, query: str, other: str
) -> None:
    assert _cut(tool, parameter, value, query, other) == (value, [])


def test_the_kind_alone_of_an_enum_stays() -> None:
    spec = {"enum": ["restaurant", "Italian", "Thai"]}
    value = "restaurant"
    got = _cut("find_restaurant", "type", value, "an Italian restaurant", **spec)
    assert got == (value, [])


def test_a_turn_cuts_the_kind() -> None:
    tool = _tool("find_beer", "brewery")
    draft = '[{"name": "find_beer", "arguments": {"brewery": "Sierra Nevada brewery"}}]'
    query = "Recommend a lager from Sierra Nevada brewery"
    turn = one_turn(
        ScriptedBackend([draft], supports_constraint=True), query, [tool], example_shapes=True
    )
    assert turn.turn.calls[0].arguments == {"brewery": "Sierra Nevada"}
    assert any("the parameter names the kind" in note for note in turn.reshaped)
    plain = one_turn(
        ScriptedBackend([draft], supports_constraint=True), query, [tool], example_shapes=False
    )
    assert plain.turn.calls[0].arguments == {"brewery": "Sierra Nevada brewery"}


def test_a_long_request_and_many_values_take_little_time() -> None:
    query = "from Austin, Texas: " * 10000 + "Sierra Nevada brewery " + "word " * 20000
    properties = {f"s{i}": {"type": "string", "description": "A state."} for i in range(3000)}
    properties["brewery"] = {"type": "string"}
    tool = Tool("t", "", {"type": "object", "properties": properties})
    values = {f"s{i}": f"Austin Texas {i}" for i in range(3000)}
    call = ToolCall(name="t", arguments={**values, "brewery": "Sierra Nevada brewery"})
    started = time.perf_counter()
    [out], _ = kindless_values([call], [tool], query)
    assert time.perf_counter() - started < 5
    assert out.arguments["brewery"] == "Sierra Nevada"
