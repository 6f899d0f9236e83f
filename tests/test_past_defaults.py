"""A value that ran on past its parameter's default into what nobody wrote
(`lamagent.gate.past_defaults`). The real engine is tested in test_past_defaults_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.past_defaults import past_defaults
from lamagent.messages import ToolCall
from lamagent.tools import Tool

OPEN_METEO = "https://api.open-meteo.com/v1/forecast"
# BFCL live_simple_38-15-0, shortened
WEATHER = Tool(
    "get_current_weather",
    "Current weather of a place.",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "'City, State'. Default: 'Boston, MA'"},
            "url": {
                "type": "string",
                "description": f"The API endpoint for weather data. Default: '{OPEN_METEO}'",
            },
            "chain": {"type": "string", "description": "The hotel chain. Default is 'Hilton'."},
            "hotel_chain": {"type": "string", "description": "The chain.", "default": "Hilton"},
            "level": {"type": "integer", "description": "How much. Default is 100."},
        },
        "required": ["location"],
    },
)
QUERY = "The weather at Mariposa, CA, in Fahrenheit, please."


def _back(query: str, **arguments: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name="get_current_weather", arguments={"location": "Mariposa, CA", **arguments})
    [out], notes = past_defaults([call], [WEATHER], [query])
    assert out.id == call.id
    return out.arguments, notes


def test_a_value_past_its_default_is_the_default() -> None:
    arguments, notes = _back(QUERY, url=f"{OPEN_METEO}/local/temperature")
    assert arguments["url"] == OPEN_METEO
    assert notes == [
        f"get_current_weather.url: '{OPEN_METEO}/local/temperature' as '{OPEN_METEO}', its "
        "default; nobody wrote '/local/temperature'"
    ]


def test_words_past_a_default_nobody_wrote() -> None:
    assert _back("a room in Paris", chain="Hilton Grand Luxe")[0]["chain"] == "Hilton"


@pytest.mark.parametrize("value", ["Hilton Hotel", "Hilton Hotels", "Hilton, hotel chain"])
def test_a_default_past_which_the_parameter_is_named_is_the_default(value: str) -> None:
    # BFCL simple_python_381: "any Hilton Hotel ... in Paris" drafted `"hotel_chain": "Hilton
    # Hotel"`; "Hotel" says what the chain runs, as the parameter does
    arguments, notes = _back("any Hilton Hotel in Paris", hotel_chain=value)
    assert arguments["hotel_chain"] == "Hilton"
    said = value[len("Hilton") :].strip(" ,")
    assert notes == [
        f"get_current_weather.hotel_chain: {value!r} as 'Hilton', its default; {said!r} names "
        "the parameter"
    ]


@pytest.mark.parametrize(
    ("query", "arguments"),
    [
        # the parameter's words after the default, but not after a separator, or with others
        ("any Hiltonhotel", {"hotel_chain": "Hiltonhotel"}),
        ("any Hilton Hotel Paris", {"hotel_chain": "Hilton Hotel Paris"}),
        # the default itself, another value, a value the user wrote, a rest the user wrote
        (QUERY, {"url": OPEN_METEO}),
        (QUERY, {"url": "https://example.com/weather"}),
        ("any Hilton Hotel in Paris", {"chain": "Hilton Hotel"}),
        ("a Hilton in Paris in 2018", {"chain": "Hilton 2018"}),
        (f"use {OPEN_METEO}/archive for it", {"url": f"{OPEN_METEO}/archive"}),
        # a required parameter's value is the model's to write; a number is no string
        ("the weather in Boston", {"location": "Boston, MA, USA"}),
        (QUERY, {"level": 1000}),
    ],
)
def test_left_alone(query: str, arguments: dict[str, Any]) -> None:
    call = ToolCall(name="get_current_weather", arguments={"location": "Mariposa, CA", **arguments})
    [out], notes = past_defaults([call], [WEATHER], [query])
    assert (out.arguments, notes) == (call.arguments, [])


def test_a_turn_takes_the_default_back() -> None:
    draft = (
        '[{"name": "get_current_weather", "arguments": {"location": "Mariposa, CA", '
        f'"url": "{OPEN_METEO}/local/temperature"}}}}]'
    )
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, QUERY, [WEATHER], example_shapes=True)
    assert turn.turn.calls[0].arguments["url"] == OPEN_METEO
    plain = one_turn(backend, QUERY, [WEATHER], example_shapes=False)
    assert plain.turn.calls[0].arguments["url"] == f"{OPEN_METEO}/local/temperature"


def test_a_long_request_takes_little_time() -> None:
    properties = {
        f"p{i}": {"type": "string", "description": "Default is 'Hilton'."} for i in range(3000)
    }
    tool = Tool("t", "", {"type": "object", "properties": properties})
    call = ToolCall(name="t", arguments={f"p{i}": "Hilton Grand" for i in range(3000)})
    started = time.perf_counter()
    [out], notes = past_defaults([call], [tool], ["word " * 50000])
    assert time.perf_counter() - started < 5
    assert len(notes) == 3000 and out.arguments["p0"] == "Hilton"
