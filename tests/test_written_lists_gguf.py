"""A list the user wrote in brackets, on the real engine with the embedded model (SmolLM2-135M).

Asked for "a Chi-Squared test for independence on a 2x2 contingency table [ [10, 20], [30, 40]
]" (BFCL simple_python_122, the evaluation's settings), the model under the calls-only grammar
closes the table at once, `"table": [ ]`; with `example_shapes` the turn holds the table the user
wrote (`lamagent.gate.written_lists`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_an_empty_list_is_the_one_the_user_wrote(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_122", example_shapes=shapes)
    assert '"table": [ ]' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["table"] == ([[10, 20], [30, 40]] if shapes else [])
