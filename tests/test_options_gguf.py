"""A placeholder that takes the option of its description the user wrote, and a value that is
an option in the singular, on the real engine with the embedded model (SmolLM2-135M).

BFCL held-out simple_python_353 (its question and function docs): "What are some gluten-free
recipes for dinner?" for `find_recipes`, whose `diet` is "e.g., 'vegan', 'gluten-free'" and
`meal_type` "e.g., 'dinner', 'breakfast'". Under the calls-only grammar the model names the
slots (`"diet": "diet_type"`); with `example_shapes` the same generation's turn holds the
options the user wrote (`lamagent.gate.options`). BFCL simple_python_341: "a heart card" for
a `suit` whose options are 'hearts' and the others; the model copies "heart", which is that
option.
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


def test_a_value_of_an_option_in_the_singular_is_that_option(gguf: Any) -> None:
    # BFCL simple_python_341: "the odds of drawing a heart card", `suit` "Valid values include:
    # 'spades', 'clubs', 'hearts', 'diamonds'"; the model copies "heart"
    drafts = bfcl_turn(gguf, "simple_python_341", example_shapes=False).turn.calls
    assert drafts and all(c.arguments["suit"] == "heart" for c in drafts)
    shaped = bfcl_turn(gguf, "simple_python_341", example_shapes=True)
    assert shaped.turn.calls and all(c.arguments["suit"] == "hearts" for c in shaped.turn.calls)
    assert any("'heart' as 'hearts'" in note for note in shaped.reshaped)
