"""The US states the user named, as the codes a parameter asks for, on the real engine with
the embedded model (SmolLM2-135M).

Asked the sales tax of "a purchase for $250 in New York" (BFCL live_simple_104) and of
"$59.99 in San Francisco, California" (live_simple_102), their function docs as the
evaluation shows them (`state`: "The U.S. state abbreviation ..., such as 'CA' for
California"), the model under the calls-only grammar (the evaluation's settings, whose
shapes hold the value to two capitals) writes "NJ" and "SJ". With `example_shapes` the turn
holds "NY" and "CA" (`lamagent.gate.states`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case", "drafted", "code"),
    [("live_simple_104-61-2", "NJ", "NY"), ("live_simple_102-61-0", "SJ", "CA")],
)
def test_the_state_is_its_code(gguf: Any, case: str, drafted: str, code: str) -> None:
    turn = bfcl_turn(gguf, case, example_shapes=True)
    assert f'"state": "{drafted}"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["state"] == code
    note = f"calculate_tax.state: {drafted!r} as {code!r}, the code of the state the user named"
    assert note in turn.reshaped
