"""A tool the request names that no call used, drafted on the whole request under its own
grammar, on the real engine with the embedded model (SmolLM2-135M), under the calls-only
grammar with the evaluation's settings (`lamagent.gate.named_asks`).

BFCL parallel_multiple_38 (its question and function docs): "What was the average life
expectancy in the USA in the year 1900 and 1950? Additionally, what was the Gross Domestic
Product (GDP) of the USA in these years?" The model writes the life expectancy's calls and
closes the list; the second sentence asked on its own says no year. Drafted on the whole
request under `us_history.gdp`'s grammar, it writes the GDP of 1900, and the list rule the
GDP of 1950.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS
from turn_helpers import bfcl_tool, one_turn

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
