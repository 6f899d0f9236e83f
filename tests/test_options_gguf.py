"""A placeholder that takes the option of its description the user wrote, on the real engine
with the embedded model (SmolLM2-135M).

BFCL held-out simple_python_353 (its question and function docs): "What are some gluten-free
recipes for dinner?" for `find_recipes`, whose `diet` is "e.g., 'vegan', 'gluten-free'" and
`meal_type` "e.g., 'dinner', 'breakfast'". Under the calls-only grammar the model names the
slots (`"diet": "diet_type"`); with `example_shapes` the same generation's turn holds the
options the user wrote (`lamagent.gate.options`).
"""

from __future__ import annotations

from typing import Any

from gguf_model import bfcl_turn


def test_the_placeholders_take_the_options_the_user_wrote(gguf: Any) -> None:
    [draft] = bfcl_turn(gguf, "simple_python_353", example_shapes=False).turn.calls
    shaped = bfcl_turn(gguf, "simple_python_353", example_shapes=True)
    [call] = shaped.turn.calls
    assert (draft.arguments["diet"], draft.arguments["meal_type"]) != ("gluten-free", "dinner")
    assert (call.arguments["diet"], call.arguments["meal_type"]) == ("gluten-free", "dinner")
    assert sum("the option of the description the user wrote" in n for n in shaped.reshaped) == 2
