"""A value that ends with the word of its parameter's kind, on the real engine with the
embedded model (SmolLM2-135M).

Asked "Convert time 3pm from New York time zone to London time zone." (BFCL simple_python_378,
its function docs as the evaluation shows them), the model under the calls-only grammar (the
evaluation's settings) writes "New York time zone" and "London time zone" for `from_timezone`
and `to_timezone`; asked "Find an acoustic instrument within my budget of $1000."
(simple_python_280) it writes "acoustic instrument" for `find_instrument`'s `type`. With
`example_shapes` the turn holds "New York", "London" and "acoustic": the parameter names the
kind (`lamagent.gate.kinds`). Asked for "an Italian restaurant" (simple_python_364) it writes
"restaurant", the kind alone, for `find_restaurant`'s `type`, and for `sequence_type` of "a
multi-band sequence, that is smoothed at 6mm" (simple_python_217) "smoothed", a word of the
`smooth` parameter: the turn holds what the user said of the kind, "Italian" and "multi-band".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_time_zones_lose_their_kind(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_378", example_shapes=shapes)
    assert '"from_timezone": "New York time zone"' in turn.generation.text
    assert '"to_timezone": "London time zone"' in turn.generation.text
    [call] = turn.turn.calls
    want = ("New York", "London") if shapes else ("New York time zone", "London time zone")
    assert (call.arguments["from_timezone"], call.arguments["to_timezone"]) == want


@pytest.mark.parametrize("shapes", [False, True])
def test_the_type_loses_the_tools_kind(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_280", example_shapes=shapes)
    assert '"type": "acoustic instrument"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["type"] == ("acoustic" if shapes else "acoustic instrument")


@pytest.mark.parametrize(
    ("case_id", "argument", "drafted", "said"),
    [
        ("simple_python_364", "type", "restaurant", "Italian"),
        ("simple_python_217", "sequence_type", "smoothed", "multi-band"),
    ],
)
def test_what_the_user_said_of_the_kind(
    gguf: Any, case_id: str, argument: str, drafted: str, said: str
) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    turn = bfcl_turn(gguf, case_id, example_shapes=True)
    assert draft.arguments[argument] == drafted
    assert turn.turn.calls[0].arguments[argument] == said
    assert any("what the user said of the kind" in note for note in turn.reshaped)
