"""A text the user pasted after a colon, on the real engine with the embedded model
(SmolLM2-135M).

Handed "Sure, here is the answer to the question:" and, on lines of their own, the answer
(BFCL live_simple_33 and _35, their function docs as the evaluation shows them:
`answer.string(answer)`, "The response provided by the LLM in plain text"), the model under
the calls-only grammar (the evaluation's settings) writes "no answer" (_33), or the answer
and a sentence of its own after it (_35). With `example_shapes` the turn holds the answer
pasted (`lamagent.gate.pasted`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn

PASTED = "Logistic regression is not present in the text, therefore I cannot answer this question."


@pytest.mark.parametrize(
    ("case", "drafted"),
    [("live_simple_33-10-0", '"no answer"'), ("live_simple_35-12-0", f'"{PASTED} However,')],
)
@pytest.mark.parametrize("shapes", [False, True])
def test_the_answer_is_the_pasted_text(gguf: Any, case: str, drafted: str, shapes: bool) -> None:
    turn = bfcl_turn(gguf, case, example_shapes=shapes)
    assert f'"answer": {drafted}' in turn.generation.text
    [call] = turn.turn.calls
    assert (call.arguments["answer"] == PASTED) is shapes
