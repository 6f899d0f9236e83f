"""`mentioned_arguments` on the real engine with the embedded model (SmolLM2-135M).

BFCL live_simple_10-3-6 asks for the weather in Mariposa, CA "in Celsius". Under the calls-only
grammar the model writes the location and closes the call; the unit is left at its default.
With `mentioned_arguments` the turn is generated again with `unit` required, and the model
writes "celsius". A count the user wrote in words ("two tickets") is written into the
parameter next to it, as a number; a date the user wrote ("April 4th 2023"), in the form the
parameter's description names ("2023-04-04"). An option the user named ("with a patio") asks for
its parameter even where the tool's description names it too (simple_python_363: "such as the
presence of a patio").
"""

from __future__ import annotations

from typing import Any

from gguf_model import bfcl_turn, calls_turn
from test_copy_bias_gguf import QUERY, WEATHER


def test_the_unit_the_user_asked_for_is_written(gguf: Any) -> None:
    plain = calls_turn(gguf, QUERY, WEATHER, copy_bias=3.0)
    assert [c.arguments for c in plain.turn.calls] == [{"location": "Mariposa, CA"}]
    assert not plain.mentioned
    asked = calls_turn(gguf, QUERY, WEATHER, copy_bias=3.0, mentioned_arguments=True)
    assert [c.arguments for c in asked.turn.calls] == [
        {"location": "Mariposa, CA", "unit": "celsius"}
    ]
    assert dict(asked.mentioned) == {"get_current_weather": ("unit",)}
    # two generations, the second on the prompt the first left in the cache
    assert asked.generation.usage.requests == 2
    assert asked.generation.usage.evaluated_tokens < plain.generation.usage.prompt_tokens


#: BFCL simple_python_253's tool: the level of detail is a string whose description lists
#: its two options, with no enum.
RELIGION: dict[str, Any] = {
    "name": "retrieve_religion_info",
    "description": "Retrieve the history and main beliefs of a religion.",
    "parameters": {
        "type": "dict",
        "properties": {
            "religion_name": {"type": "string", "description": "The name of the religion."},
            "detail_level": {
                "type": "string",
                "description": "Level of detail for the returned information, either "
                "'summary' or 'full'.",
                "default": "summary",
            },
        },
        "required": ["religion_name"],
    },
}


def test_an_option_the_description_lists_and_the_user_said_is_written(gguf: Any) -> None:
    query = "Retrieve the full historyof Buddhism"  # BFCL's query, its typo included
    rules = {"copy_bias": 3.0, "example_shapes": True, "listed_items": True}
    plain = calls_turn(gguf, query, RELIGION, **rules)
    assert [c.arguments for c in plain.turn.calls] == [{"religion_name": "Buddhism"}]
    asked = calls_turn(gguf, query, RELIGION, **rules, mentioned_arguments=True)
    assert [c.arguments for c in asked.turn.calls] == [
        {"religion_name": "Buddhism", "detail_level": "full"}
    ]
    assert dict(asked.mentioned) == {"retrieve_religion_info": ("detail_level",)}


#: BFCL simple_python_288's tool and query: the count is written in words.
TICKETS: dict[str, Any] = {
    "name": "concert_booking.book_ticket",
    "description": "Book concert tickets for a specific artist in a specified city.",
    "parameters": {
        "type": "dict",
        "properties": {
            "artist": {"type": "string", "description": "The artist you want to book tickets for."},
            "city": {"type": "string", "description": "The city where the concert is."},
            "num_tickets": {
                "type": "integer",
                "description": "Number of tickets required. Default is 1.",
            },
        },
        "required": ["artist", "city"],
    },
}


def test_a_number_the_user_gave_is_written_into_the_parameter_next_to_it(gguf: Any) -> None:
    query = "Get me two tickets for next Eminem concert in New York City."
    rules = {"copy_bias": 3.0, "example_shapes": True, "listed_items": True}
    plain = calls_turn(gguf, query, TICKETS, **rules)
    assert [c.arguments for c in plain.turn.calls] == [
        {"artist": "Eminem", "city": "New York City"}
    ]
    asked = calls_turn(gguf, query, TICKETS, **rules, mentioned_arguments=True)
    assert [c.arguments for c in asked.turn.calls] == [
        {"artist": "Eminem", "city": "New York City", "num_tickets": 2}
    ]
    assert dict(asked.mentioned) == {"concert_booking.book_ticket": ("num_tickets",)}


#: bfcl-eval live_multiple_267-127-2's tool: the date's form is in its description.
DATED_WEATHER: dict[str, Any] = {
    "name": "Weather_1_GetWeather",
    "description": "Retrieves the current or historical weather data for a specified city on "
    "a given date.",
    "parameters": {
        "type": "dict",
        "required": ["city"],
        "properties": {
            "city": {
                "type": "string",
                "description": "The name of the city for which to retrieve weather data.",
            },
            "date": {
                "type": "string",
                "description": "The date for which to retrieve the weather, in the format "
                "'YYYY-MM-DD'. A default value of 'dontcare' indicates no specific date.",
                "default": "dontcare",
            },
        },
    },
}


def test_the_date_the_user_wrote_is_written_in_the_form_the_tool_names(gguf: Any) -> None:
    query = "Can you tell me what the weather will be like in Vancouver on the April 4th 2023"
    plain = calls_turn(gguf, query, DATED_WEATHER, copy_bias=3.0)
    assert [c.arguments for c in plain.turn.calls] == [{"city": "Vancouver"}]
    asked = calls_turn(gguf, query, DATED_WEATHER, copy_bias=3.0, mentioned_arguments=True)
    assert [c.arguments for c in asked.turn.calls] == [{"city": "Vancouver", "date": "2023-04-04"}]
    assert dict(asked.mentioned) == {"Weather_1_GetWeather": ("date",)}


#: BFCL simple_python_157's tool: the state to search is optional, and nothing in the
#: request's words but the place it names asks for it.
FELONIES: dict[str, Any] = {
    "name": "criminal_history.check_felonies",
    "description": "Check if an individual has any prior felony convictions based on their "
    "full name and birth date.",
    "parameters": {
        "type": "dict",
        "properties": {
            "full_name": {"type": "string", "description": "The full name of the individual."},
            "birth_date": {
                "type": "string",
                "description": "The birth date of the individual. Must be in MM-DD-YYYY format.",
            },
            "state": {
                "type": "string",
                "description": "The state to search the criminal record in. Default to "
                "'None', which the function will search across all states.",
            },
        },
        "required": ["full_name", "birth_date"],
    },
}


def test_a_place_the_user_named_is_written(gguf: Any) -> None:
    query = (
        "Find out if an individual John Doe with a birthday 01-01-1980 has any prior felony "
        "convictions in California."
    )
    plain = calls_turn(gguf, query, FELONIES, copy_bias=3.0)
    assert [set(c.arguments) for c in plain.turn.calls] == [{"full_name", "birth_date"}]
    asked = calls_turn(gguf, query, FELONIES, copy_bias=3.0, mentioned_arguments=True)
    assert [c.arguments.get("state") for c in asked.turn.calls] == ["California"]
    assert dict(asked.mentioned) == {"criminal_history.check_felonies": ("state",)}


def test_an_option_the_tool_names_too_is_written(gguf: Any) -> None:
    plain = bfcl_turn(gguf, "simple_python_363", mentioned_arguments=False)
    assert "amenities" not in plain.turn.calls[0].arguments
    asked = bfcl_turn(gguf, "simple_python_363", mentioned_arguments=True)
    assert asked.turn.calls[0].arguments["amenities"] == ["Patio"]
    assert dict(asked.mentioned) == {"restaurant_search.find_closest": ("amenities",)}
