"""A value a call took from another tool's ask, given back for its own ask's, on the real
engine with the embedded model (SmolLM2-135M), under the calls-only grammar with the
evaluation's settings (`lamagent.gate.asked_values`).

BFCL parallel_multiple_24 (its question and function docs): "Invest $2000 in Google and
withdraw $1000 from Apple." The model writes the withdrawal with Google's name; the draft for
the tool the request names that no call used writes the investment with the withdrawal's
1000. The piece that names each tool writes the value no call used: Apple, 2000.
"""

from __future__ import annotations

from typing import Any

from gguf_model import EVAL_SETTINGS
from turn_helpers import one_turn

from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.tools import Tool


def _function(name: str, description: str, company: str, amount: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "parameters": {
            "type": "dict",
            "properties": {
                "company": {"type": "string", "description": company},
                "amount": {"type": "float", "description": amount},
            },
            "required": ["company", "amount"],
        },
    }


FUNCTIONS = [
    _function(
        "investment.withdraw",
        "Withdraw a specific amount from a company's stock.",
        "The company you want to withdraw from.",
        "The amount you want to withdraw.",
    ),
    _function(
        "investment.invest",
        "Invest a specific amount in a company's stock.",
        "The company you want to invest in.",
        "The amount you want to invest.",
    ),
]
TOOLS = [Tool.from_spec(f) for f in bfcl_prompt_docs(FUNCTIONS, "parallel_multiple")]
QUERY = "Invest $2000 in Google and withdraw $1000 from Apple."


def test_each_call_takes_the_values_its_own_ask_writes(gguf: Any) -> None:
    settings = {**EVAL_SETTINGS, "example_shapes": True}
    drafted = one_turn(gguf, QUERY, TOOLS, **settings)
    assert [c.to_xlam() for c in drafted.turn.calls] == [
        {"name": "investment.withdraw", "arguments": {"company": "Apple", "amount": 1000}},
        {"name": "investment.invest", "arguments": {"company": "Google", "amount": 2000}},
    ]
    # the amounts are floats (BFCL's "float"), the one given back too
    assert [type(c.arguments["amount"]) for c in drafted.turn.calls] == [float, float]
    assert drafted.reshaped == (
        "investment.withdraw.amount: 1000 as a float, the numbers its parameter takes",
        "investment.withdraw.company: 'Google' as 'Apple', its ask's",
        "investment.invest.amount: 1000.0 as 2000, its ask's",
        "investment.invest.amount: 2000 as a float, the numbers its parameter takes",
    )
