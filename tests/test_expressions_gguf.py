"""Math expressions the user wrote, on the real engine with the embedded model (SmolLM2-135M).

Asked "Calculate the area under the curve from x = -2 to x = 3 for the function y = x^3 using
simpson method." (BFCL simple_python_15, its function docs as the evaluation shows them), the
model under the calls-only grammar (the evaluation's settings) writes `"function": "y =
x^3"`; asked "Find the integral of the function f(x) = 3x^2 from 1 to 2." (BFCL multiple_33),
`"func": ","`. With `example_shapes` the turn holds the user's expression ("x^3", "3x^2").
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_function_without_its_name(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_15", example_shapes=shapes)
    assert '"function": "y = x^3"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["function"] == ("x^3" if shapes else "y = x^3")


@pytest.mark.parametrize("shapes", [False, True])
def test_a_function_the_model_did_not_write(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "multiple_33", example_shapes=shapes)
    assert '"func": ","' in turn.generation.text
    [call] = turn.turn.calls
    assert call.name == "calculate_integral"
    assert call.arguments["func"] == ("3x^2" if shapes else ",")
    if shapes:
        assert call.arguments == {"func": "3x^2", "a": 1, "b": 2}
