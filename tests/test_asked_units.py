"""The unit the user asked the answer in (`lamagent.gate.asked_units`), and the units table
it reads (`lamagent.units`). The real engine is tested in test_asked_units_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.asked_units import asked_unit, asked_units, unit_kind
from lamagent.messages import ToolCall
from lamagent.tools import Tool
from lamagent.units import kind, unit_key


@pytest.mark.parametrize(
    ("name", "key", "measures"),
    [
        ("Kilometers", "km", "length"),
        ("mile", "mi", "length"),
        ("km/h", "km/h", "speed"),
        ("°F", "f", "temperature"),
        ("Celsius", "c", "temperature"),
        ("pounds", "lb", "mass"),
        ("minutes", "min", "time"),
        ("units", None, None),
        ("degree", None, None),
        ("square meters", None, None),
    ],
)
def test_the_units_table(name: str, key: str | None, measures: str | None) -> None:
    assert unit_key(name) == key and kind(name) == measures


@pytest.mark.parametrize(
    ("description", "measures"),
    [
        # BFCL simple_python_101, _36, parallel_92, simple_python_7
        ("The unit in which the speed should be calculated, default is m/s.", "speed"),
        ("Preferred unit of distance (optional, default is 'km').", "length"),
        ("Preferred unit of distance (optional, default is kilometers).", "length"),
        ("The unit of measurement for the radius. Default is 'cm'.", "length"),
        # no default: the kind its description names (multiple_65)
        ("The unit of measure for the distance calculation.", "length"),
        # none: a default that is no unit of the table, two kinds, nothing
        ("The unit of measure (defaults to 'units' if not specified)", None),
        ("The unit of the speed or of the distance.", None),
        ("The unit.", None),
    ],
)
def test_the_kind_a_unit_parameter_measures(description: str, measures: str | None) -> None:
    assert unit_kind({"type": "string", "description": description}) == measures


@pytest.mark.parametrize(
    ("query", "measures", "asked"),
    [
        ("the speed of an object in km/h if it traveled 450 meters in 20 seconds", "speed", "km/h"),
        ("the speed of an object in km/h if it traveled 450 meters in 20 seconds", "length", None),
        ("the driving distance in miles from New York to LA, and back in miles", "length", "miles"),
        ("the distance in kilometers from A to B, then in miles from B to C", "length", None),
        ("the temperature in Austin for the next 3 days in Celsius", "temperature", "Celsius"),
        ("distance between Boston and Washington, D.C. in mile?", "length", "mile"),
        ("a radius of 4 inches", "length", None),  # no "in": the input's unit
    ],
)
def test_the_unit_asked_for(query: str, measures: str, asked: str | None) -> None:
    assert asked_unit(query, measures) == asked


SPEED = Tool(
    "calculate_speed",
    "Calculate the speed of an object.",
    {
        "type": "object",
        "properties": {
            "distance": {"type": "integer", "description": "The distance in meters."},
            "time": {"type": "integer", "description": "The time in seconds."},
            "to_unit": {
                "type": "string",
                "description": "The unit in which the speed should be calculated, default is m/s.",
            },
        },
        "required": ["distance", "time"],
    },
)
# BFCL simple_python_85: the description lists the options
GEO = Tool(
    "geo_distance",
    "Distance between two places.",
    {
        "type": "object",
        "properties": {
            "start": {"type": "string", "description": "Where from."},
            "end": {"type": "string", "description": "Where to."},
            "units": {
                "type": "string",
                "description": "Optional. The units for the distance ('miles' or 'kilometers').",
            },
        },
        "required": ["start", "end"],
    },
)
SPEED_QUERY = "Calculate the speed of an object in km/h if it traveled 450 meters in 20 seconds."


def _asked(tool: Tool, query: str, **arguments: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name=tool.name, arguments=arguments)
    [out], notes = asked_units([call], [tool], query)
    assert out.id == call.id
    return out.arguments, notes


def test_a_left_out_unit_is_the_one_asked_for() -> None:
    arguments, notes = _asked(SPEED, SPEED_QUERY, distance=450, time=20)
    assert arguments == {"distance": 450, "time": 20, "to_unit": "km/h"}
    assert notes == ["calculate_speed.to_unit: none as 'km/h', the unit asked for"]


def test_a_unit_nobody_wrote_is_the_one_asked_for() -> None:
    arguments, _ = _asked(GEO, "the distance from Paris to Rome in kilometers", units="miles")
    assert arguments["units"] == "kilometers"


def test_the_listed_option_that_is_the_unit_asked_for() -> None:
    arguments, _ = _asked(GEO, "the distance from Boston to Washington, D.C. in mile?")
    assert arguments["units"] == "miles"


@pytest.mark.parametrize(
    ("tool", "query", "arguments"),
    [
        # held already: the unit asked for, or one the user wrote
        (SPEED, SPEED_QUERY, {"to_unit": "km/h"}),
        (SPEED, "450 meters in 20 seconds in km/h or mph", {"to_unit": "mph"}),
        # two units asked for, none, one of another kind
        (GEO, "from A to B in kilometers, then from B to C in miles", {}),
        (GEO, "the distance from A to B", {}),
        (SPEED, "450 meters in 20 seconds", {}),
        # a unit none of the listed options is
        (GEO, "the distance from A to B in feet", {}),
    ],
)
def test_left_alone(tool: Tool, query: str, arguments: dict[str, Any]) -> None:
    assert _asked(tool, query, **arguments) == (arguments, [])


def _unit_tool(**properties: dict[str, Any]) -> Tool:
    return Tool("t", "", {"type": "object", "properties": properties})


@pytest.mark.parametrize(
    "tool",
    [
        # a conversion: two unit parameters; a unit converted from; an enum the grammar keeps
        _unit_tool(
            from_unit={"type": "string", "description": "Default is 'km'."},
            to_unit={"type": "string", "description": "Default is 'miles'."},
        ),
        _unit_tool(from_unit={"type": "string", "description": "Default is 'km'."}),
        _unit_tool(unit={"type": "string", "enum": ["km", "mi"], "description": "Default is km."}),
        # a parameter not named a unit
        _unit_tool(scale={"type": "string", "description": "Default is 'km'."}),
    ],
)
def test_parameters_that_take_no_unit_asked_for(tool: Tool) -> None:
    call = ToolCall(name="t", arguments={})
    assert asked_units([call], [tool], "the distance in miles")[1] == []


def test_a_turn_takes_the_unit_asked_for() -> None:
    draft = '[{"name": "calculate_speed", "arguments": {"distance": 450, "time": 20}}]'
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, SPEED_QUERY, [SPEED], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"distance": 450, "time": 20, "to_unit": "km/h"}
    assert "calculate_speed.to_unit: none as 'km/h', the unit asked for" in turn.reshaped
    plain = one_turn(backend, SPEED_QUERY, [SPEED], example_shapes=False)
    assert plain.turn.calls[0].arguments == {"distance": 450, "time": 20}


def test_a_long_request_takes_little_time() -> None:
    query = "the distance in miles " + "in km/h in " * 40000
    started = time.perf_counter()
    _asked(GEO, query)
    assert time.perf_counter() - started < 5


def test_many_parameters_named_a_unit_take_little_time() -> None:
    properties = {
        f"unit_{i}": {"type": "string", "description": "Default is km."} for i in range(3000)
    }
    tool = _unit_tool(**properties)
    started = time.perf_counter()
    out, notes = asked_units([ToolCall(name="t", arguments={})], [tool], "in miles " * 20000)
    assert time.perf_counter() - started < 5
    assert (out[0].arguments, notes) == ({}, [])  # none is the tool's only one
