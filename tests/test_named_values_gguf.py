"""A value the user wrote after naming its parameter, on the real engine with the embedded
model (SmolLM2-135M).

Asked "add todo with content go to sleep at 9 pm" (BFCL live_simple_63-29-3, its function
docs as the evaluation shows them), the model under the calls-only grammar (the evaluation's
settings) copies "sleep at 9 pm" into `content`; with `example_shapes` the turn holds what
the user wrote after "content", "go to sleep at 9 pm".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_content_the_user_named(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "live_simple_63-29-3", example_shapes=shapes)
    assert '"content": "sleep at 9 pm"' in turn.generation.text
    [call] = turn.turn.calls
    if shapes:
        assert call.arguments["content"] == "go to sleep at 9 pm"
        assert "todo.content: 'sleep at 9 pm' as 'go to sleep at 9 pm', named" in turn.reshaped
    else:
        assert call.arguments["content"] == "sleep at 9 pm"
