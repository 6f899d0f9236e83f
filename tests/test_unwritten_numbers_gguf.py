"""Optional numbers nobody wrote, on the real engine with the embedded model (SmolLM2-135M).

Asked for the carbon footprint of "I drive 20 miles a day, consume 3 meat meals a week, and
produce 500 lbs of trash in a year" (BFCL simple_python_195, its function docs as the
evaluation shows them), the model under the calls-only grammar (the evaluation's settings)
adds `"flights_per_year": 1000`, a number the user never wrote; with `example_shapes` the
turn leaves it out, so the tool's default holds.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_flights_nobody_wrote_are_left_out(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_195", example_shapes=shapes)
    assert '"flights_per_year": 1000' in turn.generation.text
    [call] = turn.turn.calls
    written = {"daily_miles": 20, "meat_meals_per_week": 3, "annual_trash_weight": 500}
    if shapes:
        assert call.arguments == written
        note = "calculate_carbon_footprint.flights_per_year: 1000 is written nowhere, left out"
        assert note in turn.reshaped
    else:
        assert call.arguments == {**written, "flights_per_year": 1000}


def test_a_number_written_only_inside_the_function_is_left_out(gguf: Any) -> None:
    # BFCL simple_python_14: "Calculate the derivative of the function 3x^2 + 2x - 1." The
    # model adds `"x_value": 3.0`, the 3 of "3x^2": the function's, asked at no point
    turn = bfcl_turn(gguf, "simple_python_14", example_shapes=True)
    assert '"x_value": 3' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments == {"function": "3x^2 + 2x - 1"}
    note = "calculate_derivative.x_value: 3.0 is written only inside '3x^2 + 2x - 1', left out"
    assert note in turn.reshaped
