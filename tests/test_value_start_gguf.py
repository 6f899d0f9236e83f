"""A string value does not open with a closing bracket, on the real engine with the embedded
model (SmolLM2-135M).

Asked for a user's mandates (BFCL live_simple_254-136-0, its function docs as the evaluation
shows them), the model under the calls-only grammar (the evaluation's settings) wants the
call to end where the `user_id` value opens, and writes `"user_id": "}}, {"`. The copy bias
lowers the tokens that would open a value with a closing bracket, so it does not.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn

from lamagent.backends.llamacpp import backend


def _user_id(gguf: Any) -> str:
    [call] = bfcl_turn(gguf, "live_simple_254-136-0", example_shapes=True).turn.calls
    value = call.arguments["user_id"]
    assert isinstance(value, str)
    return value


def test_the_value_opens_with_no_closing_bracket(gguf: Any) -> None:
    value = _user_id(gguf)
    assert not value or value[0] not in "}])", value


def test_without_the_lowering_it_opens_with_one(gguf: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backend, "SHUN_BIAS", 0.0)
    value = _user_id(gguf)
    assert value.startswith("}"), value
