"""Numbered parameters and a list's items in the order the user wrote them, on the real engine
with the embedded model (SmolLM2-135M), under the calls-only grammar with the evaluation's
settings, all of each case's functions shown.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_temperatures_in_the_order_written(gguf: Any, shapes: bool) -> None:
    """BFCL multiple_42 (held out): "2 moles of gas at 300 K are mixed with 3 moles of the
    same gas at 400 K"; the model writes 400 for `temperature1` and 300 for `temperature2`."""
    turn = bfcl_turn(gguf, "multiple_42", example_shapes=shapes)
    assert '"temperature1": 400' in turn.generation.text
    [call] = turn.turn.calls
    assert call.name == "calculate_final_temperature"
    first, second = (300, 400) if shapes else (400, 300)
    assert call.arguments == {
        "quantity1": 2,
        "temperature1": first,
        "quantity2": 3,
        "temperature2": second,
    }


@pytest.mark.parametrize("shapes", [False, True])
def test_the_companies_in_the_order_written(gguf: Any, shapes: bool) -> None:
    """BFCL simple_python_149 (held out): "the current stock price of Apple and Microsoft";
    the model lists Microsoft first."""
    turn = bfcl_turn(gguf, "simple_python_149", example_shapes=shapes)
    assert '["Microsoft", "Apple"]' in turn.generation.text
    [call] = turn.turn.calls
    expected = ["Apple", "Microsoft"] if shapes else ["Microsoft", "Apple"]
    assert call.arguments == {"company_names": expected}
