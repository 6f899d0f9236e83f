"""The option of an enum the user named, where the call holds another
(`lamagent.gate.named_choices`). The real engine is tested in test_named_choices_gguf.py."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.named_choices import named_choices
from lamagent.messages import ToolCall
from lamagent.tools import Tool

# BFCL live_simple_38-15-0, shortened
WEATHER = Tool(
    "get_current_weather",
    "Current weather of a place.",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "'City, State'."},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
)
FAHRENHEIT = "The weather at Mariposa, CA? I would like the temperature in Fahrenheit."
# BFCL live_multiple_2-1-0 and SGD-style enums with a "no preference"
RIDE = Tool(
    "ride",
    "Find a ride.",
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["plus", "comfort", "black"]},
            "price_range": {
                "type": "string",
                "enum": ["cheap", "moderate", "pricey", "dontcare"],
            },
            "rooms": {"type": "string", "enum": ["1", "2", "3", "dontcare"]},
            "scope": {"type": "string", "enum": ["all", "mine"]},
        },
    },
)


def _chosen(
    tool: Tool, query: str, *calls: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    drafts = [ToolCall(name=tool.name, arguments=arguments) for arguments in calls]
    out, notes = named_choices(drafts, [tool], query)
    assert [c.id for c in out] == [c.id for c in drafts]
    return [c.arguments for c in out], notes


def test_the_option_the_user_named() -> None:
    [arguments], notes = _chosen(
        WEATHER, FAHRENHEIT, {"location": "Mariposa, CA", "unit": "celsius"}
    )
    assert arguments == {"location": "Mariposa, CA", "unit": "fahrenheit"}
    assert notes == [
        "get_current_weather.unit: 'celsius' as 'fahrenheit', the option the user named"
    ]


@pytest.mark.parametrize(
    ("query", "arguments", "chosen"),
    [
        ("A ride of type 'Plus' from 2150 Shattuck Ave", {"type": "comfort"}, {"type": "plus"}),
        ("an Italian place that's pricey", {"price_range": "cheap"}, {"price_range": "pricey"}),
    ],
)
def test_named_in_other_words_around(
    query: str, arguments: dict[str, Any], chosen: dict[str, Any]
) -> None:
    assert _chosen(RIDE, query, arguments)[0] == [chosen]


@pytest.mark.parametrize(
    ("tool", "query", "calls"),
    [
        # the option held is named, or none is, or two are
        (WEATHER, FAHRENHEIT, [{"unit": "fahrenheit"}]),
        (WEATHER, "The weather at Mariposa, CA", [{"unit": "celsius"}]),
        (WEATHER, "in Celsius or in Fahrenheit", [{"unit": "celsius"}]),
        # named after a negation
        (RIDE, "a place that is not too pricey", [{"price_range": "cheap"}]),
        (RIDE, "anything but no black car", [{"type": "plus"}]),
        # "no preference" held; numbers and stop words are no options named
        (RIDE, "a ride, pricey is fine", [{"price_range": "dontcare"}]),
        (RIDE, "a 3-star hotel", [{"rooms": "1"}]),
        (RIDE, "list all rides", [{"scope": "mine"}]),
        # a tool called twice takes an option each
        (WEATHER, FAHRENHEIT, [{"unit": "celsius"}, {"unit": "celsius"}]),
        # a value that is no option of the enum is the grammar's matter
        (WEATHER, FAHRENHEIT, [{"unit": "kelvin"}]),
    ],
)
def test_left_alone(tool: Tool, query: str, calls: list[dict[str, Any]]) -> None:
    assert _chosen(tool, query, *calls) == (calls, [])


def test_an_option_another_argument_holds() -> None:
    convert = Tool(
        "convert",
        "",
        {
            "type": "object",
            "properties": {
                "from_unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "to_unit": {"type": "string", "enum": ["celsius", "fahrenheit", "kelvin"]},
            },
        },
    )
    calls = {"from_unit": "fahrenheit", "to_unit": "kelvin"}
    assert _chosen(convert, "30 Fahrenheit, please", calls) == ([calls], [])


GAME = Tool(  # BFCL simple_python_345
    "game_valuation",
    "Get the current market value of a vintage video game.",
    {
        "type": "object",
        "properties": {
            "game_name": {"type": "string"},
            "condition": {"type": "string", "enum": ["New", "Like New", "Used", "Fair", "Poor"]},
        },
        "required": ["game_name"],
    },
)


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        # the embedded model's draft held "Used"; "like new" names "Like New", not "New" too
        ("Find the value of a vintage Super Mario Bros. game from 1985 like new.", "Like New"),
        ("A Zelda game, condition: fair", "Fair"),
    ],
)
def test_the_longest_option_named(query: str, meant: str) -> None:
    call = {"game_name": "Super Mario Bros.", "condition": "Used"}
    assert _chosen(GAME, query, call)[0] == [{**call, "condition": meant}]


def test_an_option_named_apart_as_well() -> None:
    # "new" named inside "like new" and on its own: two options named, which one is open
    call = {"game_name": "Zelda", "condition": "Used"}
    assert _chosen(GAME, "new or like new, whichever is cheaper", call) == ([call], [])


def test_a_turn_takes_the_option_the_user_named() -> None:
    arguments = {"location": "Mariposa, CA", "unit": "celsius"}
    draft = json.dumps([{"name": "get_current_weather", "arguments": arguments}])
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, FAHRENHEIT, [WEATHER], example_shapes=True)
    assert turn.turn.calls[0].arguments["unit"] == "fahrenheit"
    plain = one_turn(backend, FAHRENHEIT, [WEATHER], example_shapes=False)
    assert plain.turn.calls[0].arguments["unit"] == "celsius"


def test_a_long_request_and_a_long_enum_take_little_time() -> None:
    enum = [f"Zone {i} North" for i in range(2000)] + [" ".join(["w"] * k) for k in range(1, 40)]
    properties = {f"p{i}": {"type": "string", "enum": enum} for i in range(300)}
    tool = Tool("t", "", {"type": "object", "properties": properties})
    call = ToolCall(name="t", arguments={f"p{i}": enum[7] for i in range(300)})
    query = "please use zone 5 north, " + "zone " * 50000
    started = time.perf_counter()
    [out], notes = named_choices([call], [tool], query)
    assert time.perf_counter() - started < 5
    assert out.arguments["p0"] == "Zone 5 North" and len(notes) == 300
