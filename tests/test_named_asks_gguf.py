"""A tool the request names that no call used, drafted on the whole request under its own
grammar, on the real engine with the embedded model (SmolLM2-135M), under the calls-only
grammar with the evaluation's settings (`lamagent.gate.named_asks`).

BFCL parallel_multiple_38 (its question and function docs): "What was the average life
expectancy in the USA in the year 1900 and 1950? Additionally, what was the Gross Domestic
Product (GDP) of the USA in these years?" The model writes the life expectancy's calls and
closes the list; the second sentence asked on its own says no year. Drafted on the whole
request under `us_history.gdp`'s grammar, it writes the GDP of 1900, and the list rule the
GDP of 1950.

BFCL parallel_multiple_22: "Find me the sales growth rate for company XYZ for the last 3 years
and also the interest coverage ratio for the same duration." One sentence names both tools;
the model calls the interest coverage's. The sales growth's piece (before "and also") names
no used tool and gives values of its own, so it is asked for and drafted.

BFCL multiple_36: "... traveled a distance of 20 meters over 4 seconds due to a constant
acceleration?" The acceleration's piece is asked for; its draft gives the 20 the user wrote
once to the initial and the final speed, and is left out.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS, bfcl_turn
from turn_helpers import bfcl_tool, one_turn

from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.tools import Tool

_NOTE = " Note that the provided function is in Python 3 syntax."

TOOLS = [
    bfcl_tool(
        "us_history.gdp",
        "Retrieves the Gross Domestic Product of the USA for a specific year." + _NOTE,
        year={"type": "integer", "description": "The year for which to retrieve GDP data."},
    ),
    bfcl_tool(
        "us_history.life_expectancy",
        "Retrieves the average life expectancy of the USA for a specific year." + _NOTE,
        year={"type": "integer", "description": "The year for which to retrieve life expectancy."},
    ),
]
QUERY = (
    "What was the average life expectancy in the USA in the year 1900 and 1950? Additionally, "
    "what was the Gross Domestic Product (GDP) of the USA in these years?"
)


def _calls(name: str, *years: int) -> list[dict[str, Any]]:
    return [{"name": name, "arguments": {"year": year}} for year in years]


@pytest.mark.parametrize("listed", [False, True])
def test_the_named_tool_gets_its_calls(gguf: Any, listed: bool) -> None:
    turn = one_turn(gguf, QUERY, TOOLS, **{**EVAL_SETTINGS, "listed_items": listed})
    calls = [c.to_xlam() for c in turn.turn.calls]
    life = _calls("us_history.life_expectancy", 1900, 1950)
    assert calls == ([*life, *_calls("us_history.gdp", 1900, 1950)] if listed else life[:1])


def _company_tool(name: str, what: str, company: str, years: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"Calculate a company's {what} given the company name and duration",
        "parameters": {
            "type": "dict",
            "properties": {
                company: {"type": "string", "description": "The name of the company."},
                "years": {"type": "integer", "description": years},
            },
            "required": [company, "years"],
        },
    }


FINANCE = [
    _company_tool(
        "financial_ratios.interest_coverage",
        "interest coverage ratio",
        "company_name",
        "Number of past years to calculate the ratio.",
    ),
    _company_tool(
        "sales_growth.calculate",
        "sales growth rate",
        "company",
        "Number of past years for which to calculate the sales growth rate.",
    ),
]
FINANCE_QUERY = (
    "Find me the sales growth rate for company XYZ for the last 3 years and also the interest "
    "coverage ratio for the same duration."
)


def test_a_tool_named_in_a_piece_of_its_own_gets_its_call(gguf: Any) -> None:
    tools = [Tool.from_spec(f) for f in bfcl_prompt_docs(FINANCE, "parallel_multiple")]
    turn = one_turn(gguf, FINANCE_QUERY, tools, **EVAL_SETTINGS)
    assert [c.to_xlam() for c in turn.turn.calls] == [
        {
            "name": "financial_ratios.interest_coverage",
            "arguments": {"company_name": "XYZ", "years": 3},
        },
        {"name": "sales_growth.calculate", "arguments": {"company": "XYZ", "years": 3}},
    ]


def test_a_draft_giving_a_number_written_once_to_two_arguments_is_left_out(gguf: Any) -> None:
    turn = bfcl_turn(gguf, "multiple_36")
    assert [c.to_xlam() for c in turn.turn.calls] == [
        {
            "name": "kinematics.calculate_speed_from_rest",
            "arguments": {"distance": 20, "time": 4},
        }
    ]
