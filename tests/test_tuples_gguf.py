"""Points the user wrote in parentheses, on the real engine with the embedded model
(SmolLM2-135M), under the calls-only grammar with the evaluation's settings.

BFCL parallel_61: the norms of "(3, 4)", "(6, 8)" and "(9, 12, 15)"; the model's second call
reads past "(6, 8)" into the next point (`"z": 9`). With `example_shapes` the point ends where
the user closed it.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_a_point_ends_where_the_user_closed_it(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "parallel_61", example_shapes=shapes, max_tokens=160)
    assert '"x": 6, "y": 8, "z": 9' in turn.generation.text
    calls = [c.arguments for c in turn.turn.calls]
    assert calls[1] == ({"x": 6, "y": 8} if shapes else {"x": 6, "y": 8, "z": 9})
    assert ("math.hypot.z: 9 past the point, left out" in turn.reshaped) is shapes
    if shapes:  # and the other points as written (the first call's invented z of 5 is the
        # rule for numbers nobody wrote's)
        assert calls == [{"x": 3, "y": 4}, {"x": 6, "y": 8}, {"x": 9, "y": 12, "z": 15}]
