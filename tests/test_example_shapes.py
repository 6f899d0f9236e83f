"""Values in the shape their descriptions show by example (`GenerationParams.example_shapes`).

The shapes read from BFCL's own descriptions (and the ones that must give none), the patterns
compiled by xgrammar (llama.cpp's in test_example_shapes_gguf.py, which needs the model's
vocabulary), and the turn source's grammar with and without the setting. The evaluation's
setting name is tested in test_eval_runner.py; the real engine in
test_example_shapes_gguf.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from lamagent.backends.scripted import ScriptedBackend
from lamagent.eval import load_bfcl
from lamagent.generation import GenerationParams
from lamagent.messages import Message
from lamagent.tools import Tool
from lamagent.tools.shapes import example_shapes, shape_pattern, shaped_tools
from lamagent.turns import TurnRequest, turn_source

DATA = Path(__file__).parent / "data" / "bfcl"

WEATHER_LOCATION = (  # BFCL live_simple's get_current_weather
    "The location for which to get the weather, in the format of 'City, State (abbr)', such as "
    "'San Francisco, CA' if State for the city exists. 'City, Country' if State for the city "
    "doesn't exist."
)
STATE = (  # live_simple calculate_tax
    "The U.S. state abbreviation where the purchase is made, such as 'CA' for California or "
    "'NY' for New York."
)
CITY_NAME = (  # live_simple get_coordinates_from_city
    "The name of the city to retrieve the coordinates for, in plain text, such as 'New York' "
    "or 'London'."
)


def _matches(description: str, value: str) -> bool:
    pattern = shape_pattern(example_shapes(description))
    assert pattern is not None, description
    return re.fullmatch(pattern, value) is not None


@pytest.mark.parametrize(
    ("description", "fits", "misfits"),
    [
        (WEATHER_LOCATION, ["Boston, MA", "Tel Aviv, Israel"], ["Boston", "Boston, MA, USA"]),
        (STATE, ["CA", "NY"], ["California", "New York"]),
        (CITY_NAME, ["Seattle", "Los Angeles"], ["Seattle, WA"]),
        ("The city and state, e.g. San Francisco, CA", ["New York, NY"], ["New York"]),
        ("The city, for instance Boston, MA", ["Austin, TX"], ["Austin, Texas"]),
        ("The check-in date, in the format 'YYYY-MM-DD'.", ["2023-03-03"], ["March 3", "3/3"]),
        ("The start date, such as '2022-12-01'.", ["2024-01-31"], ["2024-1-31"]),
        ("The time, formatted as 'HH:MM'.", ["09:30"], ["9:30 am"]),
        (
            "The location in the format of 'Street, City, State'.",
            ["2020 Addison St, Berkeley, CA"],
            ["Berkeley, CA"],
        ),
    ],
)
def test_a_value_must_take_the_shape_its_description_shows(
    description: str, fits: list[str], misfits: list[str]
) -> None:
    assert all(_matches(description, v) for v in fits)
    assert not any(_matches(description, v) for v in misfits)


@pytest.mark.parametrize(
    "description",
    [
        "Suit of the card (e.g. Hearts, Spades, Diamonds, Clubs).",  # a list of examples
        "The gaming platform e.g. Xbox, Playstation, PC",
        "Type of route to use (e.g., 'fastest', 'scenic'). Default is 'fastest'.",  # lowercase
        "The country, optional parameter. Default: 'USA'",  # a default, not an example
        "The IATA code or name of the airport or city, such as 'LAX' for Los Angeles.",  # or a name
        "A comma-separated list of tags, e.g. 'Python'.",  # several items
        "The function to integrate, as a string. For example, 'x^3'",
        "The ID of the bot.",  # no example at all
        "",
    ],
)
def test_descriptions_that_show_no_shape_give_none(description: str) -> None:
    assert example_shapes(description) == []
    assert shape_pattern(example_shapes(description)) is None


def test_a_description_built_to_bloat_the_grammar_gives_no_shape() -> None:
    # examples of 1 to 12 parts: 12 shapes, each a branch of the pattern
    many = " or ".join("'" + ", ".join(["Name"] * k) + "'" for k in range(1, 13))
    assert example_shapes("A place, such as " + many) == []
    few = " or ".join("'" + ", ".join(["Name"] * k) + "'" for k in range(1, 4))
    assert len(example_shapes("A place, such as " + few)) == 3
    # the pieces of a pattern are lamagent's own: no text of the description gets in
    pattern = shape_pattern(example_shapes("e.g. 'Ab(c)*, NY'"))
    assert pattern is None or "(c)*" not in pattern


def _tool(**properties: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "get_current_weather",
            "description": "The current weather.",
            "parameters": {"type": "dict", "required": ["location"], "properties": properties},
        }
    )


WEATHER = _tool(
    location={"type": "string", "description": WEATHER_LOCATION},
    unit={
        "type": "string",
        "description": "The unit, such as 'Celsius'.",
        "enum": ["celsius", "fahrenheit"],
    },
)


def test_shaped_tools_add_a_pattern_and_leave_the_rest() -> None:
    plain = _tool(location={"type": "string", "description": "Where."})
    shaped, untouched = shaped_tools([WEATHER, plain])
    assert untouched is plain  # nothing to shape: the same tool
    location = shaped.parameters["properties"]["location"]
    assert location["pattern"] == shape_pattern(example_shapes(WEATHER_LOCATION))
    assert "pattern" not in shaped.parameters["properties"]["unit"]  # an enum decides
    assert "pattern" not in WEATHER.parameters["properties"]["location"]  # a copy, not an edit


def _bfcl_string_descriptions() -> list[str]:
    found = []
    for case in load_bfcl(DATA):
        for function in case.record.get("function", []):
            for spec in function.get("parameters", {}).get("properties", {}).values():
                if isinstance(spec, dict) and spec.get("type") == "string":
                    found.append(str(spec.get("description") or ""))
    return sorted(set(found))


def bfcl_patterns() -> set[str]:
    """The pattern of every string parameter of the dev data that shows a shape."""
    return {p for d in _bfcl_string_descriptions() if (p := shape_pattern(example_shapes(d)))}


def test_every_pattern_from_bfcl_reads_as_a_python_regex() -> None:
    patterns = bfcl_patterns()
    assert len(patterns) >= 5  # the dev data holds several documented shapes
    for pattern in patterns:
        re.compile(pattern)


def _xgrammar(pattern: str) -> str:
    import xgrammar as xgr

    schema = {"type": "object", "properties": {"v": {"type": "string", "pattern": pattern}}}
    return str(xgr.Grammar.from_json_schema(json.dumps(schema)))


def test_every_pattern_from_bfcl_compiles_for_xgrammar() -> None:
    with pytest.raises(RuntimeError):  # a pattern xgrammar cannot read is refused, not dropped
        _xgrammar("^[A-Z$")
    for pattern in bfcl_patterns():
        assert "Regex(" in _xgrammar(pattern), pattern  # the pattern is in the grammar


def _call(**arguments: Any) -> str:
    return json.dumps([{"name": "get_current_weather", "arguments": arguments}])


@pytest.mark.parametrize("on", [True, False])
def test_the_call_grammar_carries_the_shape_only_when_asked(on: bool) -> None:
    backend = ScriptedBackend.calls([_call(location="Boston, MA")], supports_constraint=True)
    request = TurnRequest(
        messages=[Message.user("Weather in Boston?")],
        tools=[WEATHER],
        params=GenerationParams(example_shapes=on),
        tool_choice="required",
        constrained=True,
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request))
    assert [c.arguments for c in model_turn.turn.calls] == [{"location": "Boston, MA"}]
    constraint = backend.requests[0][1].constraint
    assert constraint is not None and constraint.json_schema is not None
    location = constraint.json_schema["items"]["properties"]["arguments"]["properties"]["location"]
    assert ("pattern" in location) is on
    # the tool the loop verifies and runs against is the user's, unshaped
    assert "pattern" not in WEATHER.parameters["properties"]["location"]
