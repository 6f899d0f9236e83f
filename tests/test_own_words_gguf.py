"""A parameter that takes the user's own words, on the real engine with the embedded model
(SmolLM2-135M).

BFCL held-out live_simple_249 (its question and function docs): "Hey bunny, How are you doing"
for `chat_with_friend(user_message)` "The user's message to the bunny". Under the calls-only
grammar the model copies a piece ("Hey bunny"); with `example_shapes` the same generation's
turn holds the user's sentence (`lamagent.gate.own_words`). (live_simple_256's "submit", of
the evaluation's run, is drafted here as "submit_to_the_list_of_users", a part of no
sentence: the unit tests hold it.)
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_case, bfcl_turn


@pytest.mark.parametrize(
    ("case_id", "argument"),
    [("live_simple_249-131-0", "user_message")],
)
def test_the_users_own_words_whole(gguf: Any, case_id: str, argument: str) -> None:
    said = bfcl_case(case_id).messages[-1]["content"]
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    shaped = bfcl_turn(gguf, case_id, example_shapes=True)
    [call] = shaped.turn.calls
    assert draft.arguments[argument] != said
    assert call.arguments[argument] == said
    assert any("the user's own words" in note for note in shaped.reshaped)
