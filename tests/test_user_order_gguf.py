"""Names and lists in the user's order, on the real engine with the embedded model
(SmolLM2-135M), its calls-only turns on BFCL cases (the evaluation's settings).

- simple_python_394 ("from the Eiffel Tower to the Louvre Museum"): the model writes
  "Paris" and "Museum of the Louvre"; with `example_shapes` the turn holds "Louvre Museum"
  (`lamagent.gate.reordered`) and then "Eiffel Tower", the user's start beside the user's
  end (`lamagent.gate.both_ends`).
- simple_python_359 ("a vegetarian pasta with cheese"): the model writes `["cheese",
  "pasta", "spaghetti"]`; the turn holds `["pasta", "cheese"]` (`lamagent.gate.user_items`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case_id", "drafted", "shaped"),
    [
        (
            "simple_python_394",
            {"start_location": "Paris", "end_location": "Museum of the Louvre"},
            {"start_location": "Eiffel Tower", "end_location": "Louvre Museum"},
        ),
        (
            "simple_python_359",
            {"ingredients": ["cheese", "pasta", "spaghetti"]},
            {"ingredients": ["pasta", "cheese"]},
        ),
    ],
)
def test_the_users_order(
    gguf: Any, case_id: str, drafted: dict[str, Any], shaped: dict[str, Any]
) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    turn = bfcl_turn(gguf, case_id, example_shapes=True)
    [call] = turn.turn.calls
    assert {k: draft.arguments[k] for k in drafted} == drafted
    assert {k: call.arguments[k] for k in shaped} == shaped
    # the other arguments are the draft's
    others = {k: v for k, v in draft.arguments.items() if k not in drafted}
    assert {k: v for k, v in call.arguments.items() if k not in shaped} == others
    assert turn.reshaped
