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
