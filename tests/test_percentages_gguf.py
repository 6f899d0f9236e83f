"""Percentages on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model copies the user's "3%" as `3` (BFCL train
simple_python_150, _131, _138, whose answers hold 0.03, 0.05, 0.05); with `example_shapes`
the turn holds the fraction, from the same single generation. Where the parameter takes the
percentage itself, the fraction the model wrote becomes the percentage (held-out
simple_python_136).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn, calls_turn

ROI = {  # BFCL simple_python_150's tool
    "name": "calculate_roi",
    "description": "Calculate the return on investment for a given deposit amount, annual "
    "interest rate, and time frame.",
    "parameters": {
        "type": "dict",
        "properties": {
            "deposit": {"type": "integer", "description": "The initial deposit amount."},
            "annual_interest_rate": {
                "type": "float",
                "description": "The annual interest rate provided by the bank.",
            },
            "years": {
                "type": "integer",
                "description": "The period for which the money is invested.",
            },
        },
        "required": ["deposit", "annual_interest_rate", "years"],
    },
}
QUERY = (
    "Calculate the return of investment of a bank's savings account with a deposit of $1000, "
    "annual interest rate of 3% for 1 year."
)


@pytest.mark.parametrize(("shapes", "rate"), [(False, 3), (True, 0.03)])
def test_the_rate_the_user_wrote_as_a_percentage(gguf: Any, shapes: bool, rate: Any) -> None:
    turn = calls_turn(gguf, QUERY, ROI, copy_bias=3.0, example_shapes=shapes)
    assert [c.arguments for c in turn.turn.calls] == [
        {"deposit": 1000, "annual_interest_rate": rate, "years": 1}
    ]
    assert turn.generation.usage.requests == 1


def test_the_rate_as_the_percentage_its_parameter_takes(gguf: Any) -> None:
    """BFCL simple_python_136 (held out): the parameter takes "the interest rate for a year
    as a percentage" and the model writes the fraction of "5%"; with `example_shapes` the
    turn holds 5.0."""
    rates = []
    for shapes in (False, True):
        [call] = bfcl_turn(gguf, "simple_python_136", example_shapes=shapes).turn.calls
        rates.append(call.arguments["annual_rate"])
    assert rates == [0.05, 5.0]
