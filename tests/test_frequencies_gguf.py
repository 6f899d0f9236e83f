"""How often a year, where the user named how often in a word, on the real engine with the
embedded model (SmolLM2-135M).

Asked for the future value of "$5000 ... in 3 years with monthly compounding" (BFCL
simple_python_133, its function docs as the evaluation shows them), the model under the
calls-only grammar (the evaluation's settings) writes 1 for `compounding_periods_per_year`
("The number of times that interest is compounded per year"), a number the user wrote
nowhere; with `example_shapes` the turn holds 12 (`lamagent.gate.frequencies`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_monthly_compounding_is_twelve_times_a_year(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_133", example_shapes=shapes)
    assert '"compounding_periods_per_year": 1}' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["compounding_periods_per_year"] == (12 if shapes else 1)
