"""A number two arguments took, on the real engine with the embedded model (SmolLM2-135M).

Asked "Calculate the company's return on equity given its net income of $2,000,000,
shareholder's equity of $10,000,000, and dividends paid of $200,000." (BFCL
simple_python_132, its function docs as the evaluation shows them), the model under the
calls-only grammar (the evaluation's settings) writes 200000 for both the net income and the
dividends; with `example_shapes` the turn gives the net income the number the user wrote
for it.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_net_income_takes_its_own_number(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_132", example_shapes=shapes)
    assert '"net_income": 200000,' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["dividends_paid"] == 200000
    assert call.arguments["shareholder_equity"] == 10000000
    if shapes:
        assert call.arguments["net_income"] == 2000000
        note = "calculate_return_on_equity.net_income: 200000 is dividends_paid's, takes 2000000"
        assert note in turn.reshaped
    else:
        assert call.arguments["net_income"] == 200000
