"""Lists of options on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model, after the option the user asked for, goes on through
the parameter's enum (BFCL held-out simple_python_166: "a lawyer specializing in divorce
cases" drafted with all five specialties; simple_python_374: "protein, calories and carbs"
with "Fiber" added). With `example_shapes` the turn holds the options the user named, from
the same generation. Asked for "strength and weakness traits" (simple_python_227) it closes the
list at once, `[]`; asked for "organic fruits and vegetables" (simple_python_369, the
`categories` the user asked for required in a second generation) it writes "Fruits" three
times: either turn holds the options the user named, in the request's order.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn, shaped_argument


@pytest.mark.parametrize(
    ("case_id", "argument", "chosen"),
    [
        ("simple_python_166", "specialty", ["Divorce"]),
        ("simple_python_374", "information", ["Protein", "Calories", "Carbohydrates"]),
    ],
)
def test_the_options_the_user_named(
    gguf: Any, case_id: str, argument: str, chosen: list[str]
) -> None:
    _, drafted, _ = shaped_argument(gguf, case_id, False, argument)
    _, shaped, notes = shaped_argument(gguf, case_id, True, argument)
    assert set(chosen) < set(drafted)
    assert shaped == chosen
    assert any("the options the user named" in note for note in notes)


@pytest.mark.parametrize(
    ("case_id", "argument", "drafted", "named"),
    [
        ("simple_python_227", "traits", [], ["strengths", "weaknesses"]),
        (
            "simple_python_369",
            "categories",
            ["Fruits", "Fruits", "Fruits"],
            ["Organic", "Fruits", "Vegetables"],
        ),
    ],
)
def test_a_list_that_chose_nothing_takes_the_options_named(
    gguf: Any, case_id: str, argument: str, drafted: list[str], named: list[str]
) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    turn = bfcl_turn(gguf, case_id, example_shapes=True)
    assert draft.arguments[argument] == drafted
    assert turn.turn.calls[0].arguments[argument] == named
