"""The action the user asked for in other words, on the real engine with the embedded model
(SmolLM2-135M).

BFCL live_simple_55 ("can you create todo for 'go for shopping at 9 pm'") and live_simple_64
("I need to remember to 'go to Goa'"), their questions and function docs: under the calls-only
grammar the model picks "delete" of the todo's enum; with `example_shapes` the same
generation's turn holds "add" (`lamagent.gate.actions`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("case_id", ["live_simple_55-25-1", "live_simple_64-29-4"])
def test_the_action_the_user_asked_for(gguf: Any, case_id: str) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    shaped = bfcl_turn(gguf, case_id, example_shapes=True)
    [made] = shaped.turn.calls
    assert draft.arguments["type"] == "delete"
    assert made.arguments["type"] == "add"
    assert any("the action the user asked for" in note for note in shaped.reshaped)
