"""The option of an enum the user named, on the real engine with the embedded model
(SmolLM2-135M).

Asked for the weather at Mariposa, CA, ending "I would like the temperature in Fahrenheit."
(BFCL live_simple_38-15-0, its function docs as the evaluation shows them: `unit`, an enum of
"celsius" and "fahrenheit"), the model under the calls-only grammar (the evaluation's
settings) picks `"unit": "celsius"`. With `example_shapes` the turn's call holds
"fahrenheit" (`lamagent.gate.named_choices`). Asked for a game's value "like new"
(simple_python_345) it picks "Used", the enum's default: the turn holds "Like New", the longest
option the user named ("New" is written only inside it).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_option_the_user_named_is_the_calls(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "live_simple_38-15-0", example_shapes=shapes)
    assert '"unit": "celsius"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["unit"] == ("fahrenheit" if shapes else "celsius")


@pytest.mark.parametrize("shapes", [False, True])
def test_the_longest_option_the_user_named(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_345", example_shapes=shapes)
    assert '"condition": "Used"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["condition"] == ("Like New" if shapes else "Used")
