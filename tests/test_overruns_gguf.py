"""A value that ran on into another argument's, on the real engine with the embedded model
(SmolLM2-135M).

Asked "What is the air quality index in London 2022/08/16?" (BFCL simple_python_196, its
function docs as the evaluation shows them), the model under the calls-only grammar (the
evaluation's settings) writes "London 2022/08/16" for the location and "2022/08/16" for the
date; with `example_shapes` the turn holds "London" for the location (and the date in the
form its description names, "08-16-2022").

Asked "What is the capital city of Australia, what is the current population of Canada, and
what is the largest city in Brazil?" (bfcl-eval parallel_multiple_60, its function docs), the
model writes the capital's country as "Australia, 100,000,000" and a population's as "Canada,
1,000,000,000": numbers nobody wrote. With `listed_items` the turn's final list
(`lamagent.gate.final_calls`) ends each before its number, and the second population call,
now the same as the first, is one.

Asked for stock forecasts of Apple Inc. "for the next 30 days using the ARIMA model" and of
Microsoft, then weather forecasts (bfcl-eval parallel_multiple_100, its function docs), the
model writes "Apple Inc. 30 days ago", "ARIMA 30 days ago" and "New York City 30 days ago":
the user wrote the 30, not "30 days ago". The final list cuts each before it.

Asked for three tasks, the last "the details of lawsuits involving Apple from the year 2010
... related to 'Patent' issues" (bfcl-eval parallel_multiple_138, its function docs), the
model's draft of that sentence writes the company as "Apple Inc.}}}] You can use the
following JSON array ...": it ran past the call's end. The final list cuts it before the
brackets.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS, bfcl_turn
from turn_helpers import one_turn

from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.tools import Tool


@pytest.mark.parametrize("shapes", [False, True])
def test_the_location_ends_where_the_date_begins(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_196", example_shapes=shapes)
    assert '"location": "London 2022/08/16"' in turn.generation.text
    [call] = turn.turn.calls
    # the date's description says "(month-day-year)": `lamagent.gate.dates`
    assert call.arguments["date"] == ("08-16-2022" if shapes else "2022/08/16")
    assert call.arguments["location"] == ("London" if shapes else "London 2022/08/16")


def _country_tool(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"Fetch the {what} of a specified country.",
        "parameters": {
            "type": "dict",
            "properties": {"country": {"type": "string", "description": "Name of the country."}},
            "required": ["country"],
        },
    }


COUNTRIES = [
    _country_tool("country_info.largest_city", "largest city"),
    _country_tool("country_info.population", "current population"),
    _country_tool("country_info.capital", "capital city"),
]
COUNTRIES_QUERY = (
    '"What is the capital city of Australia, what is the current population of Canada, and '
    'what is the largest city in Brazil?"'
)


@pytest.mark.parametrize("listed", [False, True])
def test_a_value_ends_before_a_number_nobody_wrote(gguf: Any, listed: bool) -> None:
    tools = [Tool.from_spec(f) for f in bfcl_prompt_docs(COUNTRIES, "parallel_multiple")]
    settings = {**EVAL_SETTINGS, "example_shapes": True, "listed_items": listed}
    turn = one_turn(gguf, COUNTRIES_QUERY, tools, **settings)
    calls = [(c.name.split(".")[1], c.arguments["country"]) for c in turn.turn.calls]
    if listed:
        assert calls == [
            ("capital", "Australia"),
            ("population", "Canada"),
            ("largest_city", "Brazil"),
        ]
    else:
        assert ("capital", "Australia, 100,000,000") in calls


FORECASTS = [
    {
        "name": "weather_forecast",
        "description": "Retrieve a weather forecast for a specific location and time frame.",
        "parameters": {
            "type": "dict",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city that you want to get the weather for.",
                },
                "days": {"type": "integer", "description": "Number of days for the forecast."},
            },
            "required": ["location", "days"],
        },
    },
    {
        "name": "stock_forecast",
        "description": "Predict the future stock price for a specific company and time frame.",
        "parameters": {
            "type": "dict",
            "properties": {
                "company": {
                    "type": "string",
                    "description": "The company that you want to get the stock price "
                    "prediction for.",
                },
                "days": {
                    "type": "integer",
                    "description": "Number of future days for which to predict the stock price.",
                },
                "model": {
                    "type": "string",
                    "description": "The model to use for prediction. Default is 'ARIMA'.",
                },
            },
            "required": ["company", "days"],
        },
    },
]
FORECASTS_QUERY = (
    '"Can you tell me what the stock price prediction for Apple Inc. is for the next 30 days '
    "using the ARIMA model, and then provide the stock forecast for Microsoft Corporation for "
    "the next 45 days using the LSTM model? After that, could you provide the weather forecast "
    "for New York City for the next 7 days, and then give the weather forecast for Los Angeles "
    'for the next 14 days?"'
)


def test_a_value_ends_before_words_nobody_wrote_from_a_number_on(gguf: Any) -> None:
    tools = [Tool.from_spec(f) for f in bfcl_prompt_docs(FORECASTS, "parallel_multiple")]
    settings = {**EVAL_SETTINGS, "example_shapes": True, "listed_items": True}
    turn = one_turn(gguf, FORECASTS_QUERY, tools, **settings)
    assert "30 days ago" in turn.generation.text
    cut = [note for note in turn.reshaped if "nobody wrote '30 days ago'" in note]
    assert len(cut) >= 3
    values = [v for call in turn.turn.calls for v in call.arguments.values()]
    assert not any("days ago" in str(v) for v in values)
    calls = [(c.name, c.arguments) for c in turn.turn.calls]
    assert ("stock_forecast", {"company": "Apple Inc.", "days": 30, "model": "ARIMA"}) in calls
    assert ("weather_forecast", {"location": "New York City", "days": 7}) in calls


LAWSUITS = [
    {
        "name": "lawsuit_details.find",
        "description": "Find details of lawsuits involving a specific company from a given year.",
        "parameters": {
            "type": "dict",
            "properties": {
                "company_name": {"type": "string", "description": "Name of the company."},
                "year": {"type": "integer", "description": "Year of the lawsuit."},
                "case_type": {
                    "type": "string",
                    "description": "Type of the lawsuit, e.g., 'IPR', 'Patent', 'Commercial', "
                    "etc. Default is all if not specified.",
                },
            },
            "required": ["company_name", "year"],
        },
    },
    {
        "name": "calculate_magnetic_field",
        "description": "Calculate the magnetic field produced at the center of a circular "
        "loop carrying current.",
        "parameters": {
            "type": "dict",
            "properties": {
                "current": {
                    "type": "integer",
                    "description": "The current through the circular loop in Amperes.",
                },
                "radius": {
                    "type": "float",
                    "description": "The radius of the circular loop in meters.",
                },
                "permeability": {
                    "type": "float",
                    "description": "The magnetic permeability. Default is 12.57e10.",
                },
            },
            "required": ["current", "radius"],
        },
    },
    {
        "name": "concert_booking.book_ticket",
        "description": "Book concert tickets for a specific artist in a specified city.",
        "parameters": {
            "type": "dict",
            "properties": {
                "artist": {
                    "type": "string",
                    "description": "The artist you want to book tickets for.",
                },
                "city": {"type": "string", "description": "The city where the concert is."},
                "num_tickets": {
                    "type": "integer",
                    "description": "Number of tickets required. Default is 1.",
                },
            },
            "required": ["artist", "city"],
        },
    },
]
LAWSUITS_QUERY = (
    '"Could you help me with a few tasks? Firstly, I am working on a physics experiment and I '
    "need to calculate the magnetic field at the center of a circular loop. The loop carries a "
    "current of 5 Amperes and has a radius of 0.02 meters. Secondly, I am planning to attend a "
    "concert of my favorite artist, Taylor Swift, in New York. I need to book 3 tickets for "
    "the concert. Lastly, I am doing a research on Apple Inc. and I need to find the details "
    "of lawsuits involving Apple from the year 2010. Specifically, I am interested in lawsuits "
    "related to 'Patent' issues. Could you assist me with these?\""
)


def test_a_value_ends_before_brackets_nobody_wrote(gguf: Any) -> None:
    tools = [Tool.from_spec(f) for f in bfcl_prompt_docs(LAWSUITS, "parallel_multiple")]
    settings = {**EVAL_SETTINGS, "example_shapes": True, "listed_items": True}
    turn = one_turn(gguf, LAWSUITS_QUERY, tools, **{**settings, "max_tokens": 256})
    [cut] = [note for note in turn.reshaped if "a bracket nobody wrote ends it" in note]
    assert cut.startswith("lawsuit_details.find.company_name: 'Apple Inc.}}}]")
    [lawsuit] = [c for c in turn.turn.calls if c.name == "lawsuit_details.find"]
    assert lawsuit.arguments["company_name"] == "Apple Inc."
    assert lawsuit.arguments["year"] == 2010
    values = [v for call in turn.turn.calls for v in call.arguments.values()]
    assert not any(isinstance(v, str) and "}" in v for v in values)
