"""The asks a request enumerates, each no call took from drafted on its own, on the real engine
with the embedded model (SmolLM2-135M), under the calls-only grammar with the evaluation's
settings (`lamagent.gate.parts`).

BFCL parallel_multiple_186 (its question and function docs): three asks, "Secondly" and
"Lastly", two of them without a number. The model writes the chess players' call (the ask
with numbers) and closes the list; each other part, asked on its own, gives its call. A
made-up request of three asks without a number says the same. BFCL parallel_multiple_6: one
"Then" opens a second ask (`marked_sentences`) whose number the first call holds; its tool is
new.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS
from turn_helpers import bfcl_tool, one_turn

_NOTE = " Note that the provided function is in Python 3 syntax."


def _string(description: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **more}


BFCL_TOOLS = [
    bfcl_tool(
        "guitar_price.find",
        "Retrieve the price of a specific used guitar model based on its condition and "
        "location." + _NOTE,
        model=_string("The model of the guitar."),
        condition=_string("The condition of the guitar.", enum=["Poor", "Good", "Excellent"]),
        location=_string("The location where the guitar is being sold."),
    ),
    bfcl_tool(
        "board_game.chess.get_top_players",
        "Find top chess players in a location based on rating." + _NOTE,
        location=_string("The city you want to find the players from."),
        minimum_rating={"type": "integer", "description": "Minimum rating to filter the players."},
        number_of_players={
            "type": "integer",
            "default": 10,
            "description": "Number of players you want to retrieve, default value is 10",
        },
    ),
    bfcl_tool(
        "identify_color_rgb",
        "This function identifies the RGB values of a named color." + _NOTE,
        color_name=_string("Name of the color."),
        standard=_string("The color standard (e.g. basic, pantone). Default is 'basic'"),
    ),
]
BFCL_QUERY = (
    "\" I'm trying to figure out the RGB values of the color 'Cerulean' based on the 'pantone' "
    "standard. Secondly, I'm interested in buying a used 'Fender Stratocaster' guitar in 'Good' "
    "condition, being sold in 'Los Angeles'. Could you find out the price for me? Lastly, I'm "
    "organizing a chess tournament in 'New York' and I'm looking for top players to invite. "
    'Could you find the top 15 players with a minimum rating of 2200 for me?"'
)
COLOR = {
    "name": "identify_color_rgb",
    "arguments": {"color_name": "Cerulean", "standard": "pantone"},
}
GUITAR = {
    "name": "guitar_price.find",
    "arguments": {"model": "Fender Stratocaster", "condition": "Good", "location": "Los Angeles"},
}
PLAYERS = {
    "name": "board_game.chess.get_top_players",
    "arguments": {"location": "New York", "minimum_rating": 2200, "number_of_players": 15},
}


@pytest.mark.parametrize("listed", [False, True])
def test_each_enumerated_ask_gets_its_call(gguf: Any, listed: bool) -> None:
    turn = one_turn(gguf, BFCL_QUERY, BFCL_TOOLS, **{**EVAL_SETTINGS, "listed_items": listed})
    calls = [c.to_xlam() for c in turn.turn.calls]
    assert calls == ([PLAYERS, COLOR, GUITAR] if listed else [PLAYERS])
    assert turn.listed == (2 if listed else 0)


MADE_UP_TOOLS = [
    bfcl_tool(
        "weather.current",
        "Get the current weather in a city.",
        city=_string("The city, e.g. 'Paris'."),
    ),
    bfcl_tool(
        "restaurant.find",
        "Find restaurants of a cuisine in a city.",
        cuisine=_string("The cuisine, e.g. 'Italian'."),
        city=_string("The city."),
    ),
    bfcl_tool(
        "translate.text",
        "Translate a text into a language.",
        text=_string("The text to translate."),
        language=_string("The target language."),
    ),
]


@pytest.mark.parametrize("listed", [False, True])
def test_asks_within_one_sentence(gguf: Any, listed: bool) -> None:
    # the first ask comes before the markers ("then", "and finally,"); the model's own draft
    # took the second's city for the first's weather, and the first ask, asked alone, gets
    # its own; the restaurant's piece ("find a Thai restaurant in Porto", a piece of its own
    # with values of its own) asks for its tool, and the weather in Porto, a call on the
    # restaurant's ask, is left out (`lamagent.gate.named_asks`, `lamagent.gate.other_asks`)
    query = (
        "Can you tell me the current weather in Lisbon, after that, find a Thai restaurant in "
        "Porto, and finally, translate 'good morning' into French?"
    )
    turn = one_turn(gguf, query, MADE_UP_TOOLS, **{**EVAL_SETTINGS, "listed_items": listed})
    calls = [c.to_xlam() for c in turn.turn.calls]
    first = {"name": "weather.current", "arguments": {"city": "Porto"}}
    added = [
        {"name": "weather.current", "arguments": {"city": "Lisbon"}},
        {"name": "translate.text", "arguments": {"text": "good morning", "language": "French"}},
        {"name": "restaurant.find", "arguments": {"cuisine": "Thai", "city": "Porto"}},
    ]
    assert calls == (added if listed else [first])
    assert [c.to_xlam() for c in turn.unasked] == ([first] if listed else [])


#: BFCL parallel_multiple_6: one marker ("Then") opens the second ask, whose one number the
#: first ask's call holds already.
PRIMES_TOOLS = [
    bfcl_tool(
        "count_items",
        "Count the number of items in a collection.",
        collection={
            "type": "array",
            "items": {"type": "string"},
            "description": "The collection of items to count",
        },
    ),
    bfcl_tool(
        "find_prime_numbers",
        "Locate all prime numbers in a specific number range.",
        start={"type": "integer", "description": "The start of the number range"},
        end={"type": "integer", "description": "The end of the number range"},
    ),
    bfcl_tool(
        "get_fibonacci_sequence",
        "Generate a Fibonacci sequence up to a specific number of items.",
        count={"type": "integer", "description": "The number of items to generate"},
    ),
]
PRIMES_QUERY = "Find all prime numbers between 50 and 150. Then get the fibonacci series upto 150."


@pytest.mark.parametrize("listed", [False, True])
def test_a_sentence_one_marker_opens_gets_its_call(gguf: Any, listed: bool) -> None:
    turn = one_turn(gguf, PRIMES_QUERY, PRIMES_TOOLS, **{**EVAL_SETTINGS, "listed_items": listed})
    primes = {"name": "find_prime_numbers", "arguments": {"start": 50, "end": 150}}
    fibonacci = {"name": "get_fibonacci_sequence", "arguments": {"count": 150}}
    assert [c.to_xlam() for c in turn.turn.calls] == ([primes, fibonacci] if listed else [primes])


#: BFCL parallel_multiple_137 (held out): four asks in one sentence, the first before the
#: markers (", then", ", after that,", ", and finally,").
DISTANCE_TOOLS = [
    bfcl_tool(
        "get_shortest_driving_distance",
        "Calculate the shortest driving distance between two locations." + _NOTE,
        origin=_string("Starting point of the journey."),
        destination=_string("End point of the journey."),
        unit=_string("Preferred unit of distance (optional, default is kilometers)."),
    ),
    bfcl_tool(
        "cell_biology.function_lookup",
        "Look up the function of a given molecule in a specified organelle." + _NOTE,
        molecule=_string("The molecule of interest."),
        organelle=_string("The organelle of interest."),
        specific_function={
            "type": "boolean",
            "description": "If set to true, a specific function of the molecule within the "
            "organelle will be provided, if such information exists.",
        },
    ),
    bfcl_tool(
        "instrument_price.get",
        "Retrieve the current retail price of a specific musical instrument." + _NOTE,
        brand=_string("The brand of the instrument."),
        model=_string("The specific model of the instrument."),
        finish=_string("The color or type of finish on the instrument."),
    ),
    bfcl_tool(
        "get_scientist_for_discovery",
        "Retrieve the scientist's name who is credited for a specific scientific discovery or "
        "theory." + _NOTE,
        discovery=_string("The scientific discovery or theory."),
    ),
]
DISTANCE_QUERY = (
    '"Can you tell me the function of the molecule ATP in the organelle mitochondria with a '
    "specific function, then calculate the shortest driving distance from New York to Los "
    "Angeles in miles, after that, can you tell me who is credited for the discovery of the "
    "theory of relativity, and finally, can you tell me the current retail price of a Fender "
    'Stratocaster in sunburst finish?"'
)


def test_a_call_that_mixed_two_asks_gives_way_to_their_own(gguf: Any) -> None:
    # the draft garbles the distance's ask and the guitar's into one call ("New York to Los
    # Angeles in miles" as `origin`, "sunburst finish" as `destination`); it takes neither
    # ask, each is asked on its own, and the distance's own call replaces it
    turn = one_turn(gguf, DISTANCE_QUERY, DISTANCE_TOOLS, **EVAL_SETTINGS)
    calls = [c.to_xlam() for c in turn.turn.calls]
    distance = {"origin": "New York", "destination": "Los Angeles", "unit": "miles"}
    assert {"name": "get_shortest_driving_distance", "arguments": distance} in calls
    lookup = {"molecule": "ATP", "organelle": "mitochondria", "specific_function": True}
    assert {"name": "cell_biology.function_lookup", "arguments": lookup} in calls
    assert [c.name for c in turn.turn.calls].count("get_shortest_driving_distance") == 1
    [mixed] = turn.unasked
    assert mixed.name == "get_shortest_driving_distance"
    assert mixed.arguments["destination"] == "sunburst finish"
