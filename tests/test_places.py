"""A place the user named, and the parameter that takes one (`lamagent.gate.places`), and the
mentions rule asking for it. The real engine is tested in test_mentioned_arguments_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.mentions import mentioned_parameters
from lamagent.gate.places import place_parameters, said_places, untaken_places
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool


def _tool(name: str, required: list[str], **props: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "dict", "required": required, "properties": props},
        }
    )


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


@pytest.mark.parametrize(
    ("query", "places"),
    [
        ("Any prior felony convictions in California?", ["California"]),
        ("The sculptures of Michelangelo with material Marble in Rome, Italy.", ["Rome, Italy"]),
        # a sentence's full stop ends the place; "D.C" keeps its dots inside
        ("A purchase in San Francisco, California. How much tax?", ["San Francisco, California"]),
        ("Hotels near Washington D.C. for two nights", ["Washington D.C"]),
        ("A café in Rio de Janeiro", ["Rio de Janeiro"]),
        # months, days, languages and lower-case words are no places
        ("Meet in March in New York City.", ["New York City"]),
        ("What happened in Monday's game?", []),
        # only a whole month's name is one: "Mays Landing" is a place
        ("A diner in Mays Landing, New Jersey", ["Mays Landing, New Jersey"]),
        ("Say it in Chinese, then in English.", []),
        ("Put it in the box in my room.", []),
    ],
)
def test_said_places(query: str, places: list[str]) -> None:
    assert said_places(query) == places


def test_place_parameters_are_string_parameters_named_for_a_kind_of_place() -> None:
    tool = _tool(
        "t",
        [],
        city_name=_string("The city."),
        searchLocation=_string("Where to search."),
        state=_string("The state."),
        area={"type": "integer", "description": "The area in square feet."},
        count=_string("How many."),
        title=_string("The title."),
    )
    assert place_parameters(tool) == ["city_name", "searchLocation", "state"]


def test_untaken_places_are_those_no_value_holds_a_part_of() -> None:
    query = "Sculptures in Rome, Italy, and in Paris."
    assert untaken_places(query, ["Rome"]) == ["Paris"]
    assert untaken_places(query, ["paris, france", "ROME"]) == []
    assert untaken_places(query, [3, None]) == ["Rome, Italy", "Paris"]


FELONIES = _tool(  # BFCL simple_python_157
    "criminal_history.check_felonies",
    ["full_name", "birth_date"],
    full_name=_string("The full name of the individual."),
    birth_date=_string("The birth date of the individual. Must be in MM-DD-YYYY format."),
    state=_string(
        "The state to search the criminal record in. Default to 'None', which the function "
        "will search across all states."
    ),
)
FELONY_QUERY = (
    "Find out if an individual John Doe with a birthday 01-01-1980 has any prior felony "
    "convictions in California."
)


def test_a_place_no_argument_took_asks_for_the_place_parameter() -> None:
    call = ToolCall(
        name=FELONIES.name, arguments={"full_name": "John Doe", "birth_date": "01-01-1980"}
    )
    assert mentioned_parameters(call, FELONIES, [Message.user(FELONY_QUERY)]) == {
        "state": ("California",)
    }
    # two places: the parameter is asked for, its value left to the model
    query = FELONY_QUERY.replace("in California", "in California or in Nevada")
    assert mentioned_parameters(call, FELONIES, [Message.user(query)]) == {"state": ()}
    # a place an argument holds already asks for nothing
    taken = ToolCall(name=FELONIES.name, arguments={**call.arguments, "full_name": "California"})
    assert mentioned_parameters(taken, FELONIES, [Message.user(FELONY_QUERY)]) == {}
    # no place named: nothing asked
    query = FELONY_QUERY.replace(" in California", "")
    assert mentioned_parameters(call, FELONIES, [Message.user(query)]) == {}


def test_several_place_parameters_left_out_ask_for_none() -> None:
    tool = _tool(  # BFCL live_simple_102's sales tax, shortened
        "calculate_tax",
        ["purchase_amount"],
        purchase_amount={"type": "number", "description": "The amount."},
        city=_string("The city of the purchase."),
        county=_string("The county of the purchase."),
    )
    call = ToolCall(name=tool.name, arguments={"purchase_amount": 59.99})
    query = "I've just made a purchase of $59.99 in San Francisco, California."
    assert mentioned_parameters(call, tool, [Message.user(query)]) == {}
