"""The unit the user asked the answer in, on the real engine with the embedded model
(SmolLM2-135M).

Asked for "the speed of an object in km/h if it traveled 450 meters in 20 seconds" (BFCL
simple_python_101, its function docs as the evaluation shows them: `to_unit`, "The unit in
which the speed should be calculated, default is m/s."), the model under the calls-only
grammar (the evaluation's settings) writes the distance and the time and closes the call.
With `example_shapes` the turn's call holds `"to_unit": "km/h"` (`lamagent.gate.asked_units`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_unit_asked_for_is_the_calls(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_101", example_shapes=shapes)
    assert "to_unit" not in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments.get("to_unit") == ("km/h" if shapes else None)
    assert (call.arguments["distance"], call.arguments["time"]) == (450, 20)
