"""A tool called again on the values of a clause that asks for another tool, left out, on the
real engine with the embedded model (SmolLM2-135M), under the calls-only grammar with the
evaluation's settings (`lamagent.gate.other_asks`).

BFCL parallel_multiple_93 (its question and function docs): "Could you tell me the estimated
date of the Jurassic geological era and calculate how many years ago it was? Also, could you
provide the date of the signing of the Magna Carta and calculate how many years ago that event
took place?" The model calls `geology.get_era` for the Jurassic and for the Magna Carta, and
`history.get_event_date` for the Magna Carta: the second sentence names the history tool
("event"), whose call holds its value, and not the geology tool, which keeps its call of the
first sentence.
"""

from __future__ import annotations

from typing import Any

from gguf_model import EVAL_SETTINGS
from turn_helpers import one_turn

from lamagent.tools import Tool

_NOTE = " Note that the provided function is in Python 3 syntax."
_YEARS_AGO = {
    "type": "boolean",
    "description": "True if years ago is to be calculated. False by default",
}


def _tool(name: str, description: str, key: str, about: str) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": description + _NOTE,
            "parameters": {
                "type": "dict",
                "properties": {
                    key: {"type": "string", "description": about},
                    "calculate_years_ago": _YEARS_AGO,
                },
                "required": [key],
            },
        }
    )


TOOLS = [
    _tool(
        "geology.get_era",
        "Get the estimated date of a geological era.",
        "era_name",
        "The name of the geological era. e.g Ice age",
    ),
    _tool(
        "history.get_event_date",
        "Get the date of an historical event.",
        "event_name",
        "The name of the event.",
    ),
]
QUERY = (
    '"Could you tell me the estimated date of the Jurassic geological era and calculate how '
    "many years ago it was? Also, could you provide the date of the signing of the Magna Carta "
    'and calculate how many years ago that event took place?"'
)


def test_the_call_on_the_other_tools_clause_is_left_out(gguf: Any) -> None:
    turn = one_turn(gguf, QUERY, TOOLS, **{**EVAL_SETTINGS, "example_shapes": True})
    era = {"name": "geology.get_era", "arguments": {"era_name": "Jurassic"}}
    event = {"name": "history.get_event_date", "arguments": {"event_name": "Magna Carta"}}
    toured = {"name": "geology.get_era", "arguments": {"era_name": "Magna Carta"}}
    for call in (era, event, toured):
        call["arguments"]["calculate_years_ago"] = True
    assert [c.to_xlam() for c in turn.turn.calls] == [era, event]
    assert [c.to_xlam() for c in turn.unasked] == [toured]
