"""The US states the user named, as the codes a parameter asks for (`lamagent.gate.states`).
The real engine is tested in test_states_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.states import STATE_CODES, said_states, state_codes
from lamagent.messages import ToolCall
from lamagent.tools import Tool

# BFCL live_simple_102's `state`, live_simple_11's `location`
STATE = "The U.S. state abbreviation where the purchase is made, such as 'CA' for California."
CITY = "The city and state, such as 'San Francisco, CA'. State names must be abbreviated."


def test_fifty_states_and_the_district() -> None:
    assert len(STATE_CODES) == 51 and len(set(STATE_CODES.values())) == 51


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("a purchase in San Francisco, California", ["CA"]),
        ("New York City and new jersey, then New York again", ["NY", "NJ"]),
        ("from West Virginia to Virginia", ["WV", "VA"]),
        # the district by its other name; no state
        ("a trip to Washington D.C. and Washington, DC", []),
        ("in Seattle, Washington", ["WA"]),
        ("in Paris", []),
    ],
)
def test_the_states_the_user_named(query: str, codes: list[str]) -> None:
    assert said_states(query) == codes


def _tool(description: str, name: str = "state") -> Tool:
    properties = {
        name: {"type": "string", "description": description},
        "amount": {"type": "number", "description": "How much."},
    }
    return Tool("t", "", {"type": "object", "properties": properties, "required": [name]})


def _coded(description: str, query: str, value: Any, name: str = "state") -> tuple[Any, list[str]]:
    call = ToolCall(name="t", arguments={name: value, "amount": 5})
    [out], notes = state_codes([call], [_tool(description, name)], query)
    assert out.id == call.id and out.arguments["amount"] == 5
    return out.arguments[name], notes


@pytest.mark.parametrize(
    ("description", "name", "query", "value", "code"),
    [
        # live_simple_102, _104: the one state named
        (STATE, "state", "a purchase of $59.99 in San Francisco, California.", "SJ", "CA"),
        (STATE, "state", "I made a purchase for $250 in New York.", "NJ", "NY"),
        (STATE, "state", "in New York City", "New York", "NY"),
        # a city and the state right after it (live_simple_11, live_multiple_377)
        (CITY, "location", "weather in Naples, Florida?", "Naples, Florida", "Naples, FL"),
        (CITY, "location", "a therapist in Berkeley California", "Berkeley, CB", "Berkeley, CA"),
        (CITY, "location", "from Austin, Texas to Reno, Nevada", "Reno, TX", "Reno, NV"),
        # the parameter's name says state, its description shows the code
        ("The abbreviation, such as 'CA'.", "state", "taxes in Ohio", "OX", "OH"),
    ],
)
def test_the_state_takes_its_code(
    description: str, name: str, query: str, value: str, code: str
) -> None:
    assert _coded(description, query, value, name) == (
        code,
        [f"t.{name}: {value!r} as {code!r}, the code of the state the user named"],
    )


@pytest.mark.parametrize(
    ("description", "name", "query", "value"),
    [
        (STATE, "state", "in New York", "NY"),  # the code already
        (STATE, "state", "in Texas or Ohio", "TZ"),  # two states for one value
        (STATE, "state", "in Springfield", "IL"),  # no state named
        (CITY, "location", "in San Francisco, and then California", "San Francisco, SJ"),
        (CITY, "location", "Berkeley, California", "Oakland, CB"),  # not the city after which
        (CITY, "location", "Naples, Florida", "Naples"),  # no state part
        (CITY, "location", "in Naples, Florida", "Naples, Collier County"),  # no state there
        (CITY, "location", "in Portland, Oregon", "Land, CB"),  # a word's end is no city
        # a parameter that asks for no state code: a country, a name, no example
        ("The city, such as 'London, UK'.", "location", "in Austin, Texas", "Austin, UK"),
        ("The state's full name, such as 'California'.", "state", "in Texas", "TX"),
        ("The state.", "state", "in Texas", "TZ"),
    ],
)
def test_left_alone(description: str, name: str, query: str, value: str) -> None:
    assert _coded(description, query, value, name) == (value, [])


def test_a_value_that_is_no_string_stays() -> None:
    assert _coded(STATE, "in Texas", 5) == (5, [])


def test_a_turn_writes_the_code() -> None:
    draft = '[{"name": "t", "arguments": {"state": "NJ", "amount": 250}}]'
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    query = "I made a purchase for $250 in New York."
    turn = one_turn(backend, query, [_tool(STATE)], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"state": "NY", "amount": 250}
    plain = one_turn(backend, query, [_tool(STATE)], example_shapes=False)
    assert plain.turn.calls[0].arguments["state"] == "NJ"
