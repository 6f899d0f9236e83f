"""Identifiers on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model writes the parameter's slot or nothing where the user
gave an identifier after its word (BFCL held-out live_simple_255: "the user with ID U123456"
drafted `"user_id": "{user_id}"`; simple_python_53: "with id `DNA123`" drafted `"DNA_id":
""`). With `example_shapes` the turn holds the identifier, from the same generation.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize(
    ("case_id", "argument", "given"),
    [
        ("live_simple_255-136-1", "user_id", "U123456"),
        ("simple_python_53", "DNA_id", "DNA123"),
    ],
)
def test_the_identifier_the_user_gave(gguf: Any, case_id: str, argument: str, given: str) -> None:
    _, drafted, _ = shaped_argument(gguf, case_id, False, argument)
    _, shaped, notes = shaped_argument(gguf, case_id, True, argument)
    assert drafted != given
    assert shaped == given
    assert any("the identifier the user gave" in note for note in notes)
