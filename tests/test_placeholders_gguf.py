"""Placeholders on the real engine with the embedded model (SmolLM2-135M).

Asked "Who discovered Gravity and what was the method used?" (BFCL simple_python_246, its
function docs as the evaluation shows them), the model under the calls-only grammar fills the
optional `method_used` (which the user's "the method used" asks for, so `mentioned_arguments`
makes it required in a second generation) with its own name; with `example_shapes` the turn
leaves it out, so the tool's default holds. Asked "What are some gluten-free recipes for
dinner?" (simple_python_353) it fills the optional `ingredients` with "dairy_protein", a name
made of words nobody wrote: the turn leaves it out too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gguf_model import bfcl_turn, calls_turn

from lamagent.eval import load_bfcl

CASES = {c.id: c for c in load_bfcl(Path(__file__).parent / "data" / "bfcl", ["simple_python"])}


@pytest.mark.parametrize("shapes", [False, True])
def test_the_parameter_s_own_name_is_left_out(gguf: Any, shapes: bool) -> None:
    case = CASES["simple_python_246"]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    turn = calls_turn(
        gguf,
        content,
        case.prompt_functions[0],
        copy_bias=3.0,
        max_tokens=128,
        mentioned_arguments=True,
        example_shapes=shapes,
    )
    assert '"method_used": "method_used"' in turn.generation.text
    [call] = turn.turn.calls
    if shapes:
        assert call.arguments == {"discovery": "Gravity"}
        assert [n for n in turn.reshaped if n.startswith(f"{call.name}.method_used:")]
    else:
        assert call.arguments == {"discovery": "Gravity", "method_used": "method_used"}


@pytest.mark.parametrize("shapes", [False, True])
def test_a_name_nobody_wrote_is_left_out(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_353", example_shapes=shapes)
    assert '"ingredients": ["dairy_protein' in turn.generation.text
    [call] = turn.turn.calls
    assert ("ingredients" in call.arguments) is not shapes
    assert shapes is any("is a name nobody wrote" in note for note in turn.reshaped)
