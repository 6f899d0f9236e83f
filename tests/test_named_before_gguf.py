"""Values written before their parameter's name on the real engine with the embedded model
(SmolLM2-135M).

Under the calls-only grammar the model writes a required parameter's slot where the user wrote
the value right before the parameter's name (BFCL held-out simple_python_165: "theft crimes"
drafted `"crime_type": "theft_crime_type_2020"`; simple_python_294: "in C key" drafted `"key":
"key"`). With `example_shapes` the turn holds the user's word, from the same generation.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize(
    ("case_id", "argument", "value"),
    [("simple_python_165", "crime_type", "theft"), ("simple_python_294", "key", "C")],
)
def test_the_word_before_the_name(gguf: Any, case_id: str, argument: str, value: str) -> None:
    _, drafted, _ = shaped_argument(gguf, case_id, False, argument)
    _, shaped, notes = shaped_argument(gguf, case_id, True, argument)
    assert drafted != value
    assert shaped == value
    assert any("written before the parameter's name" in note for note in notes)
