"""`mentioned_arguments` on the real engine with the embedded model (SmolLM2-135M).

BFCL live_simple_10-3-6 asks for the weather in Mariposa, CA "in Celsius". Under the calls-only
grammar the model writes the location and closes the call; the unit is left at its default.
With `mentioned_arguments` the turn is generated again with `unit` required, and the model
writes "celsius".
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from test_copy_bias_gguf import QUERY, WEATHER

from lamagent.generation import GenerationParams
from lamagent.messages import Message
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source


@pytest.fixture(scope="module")
def gguf() -> Any:
    from gguf_model import shared_backend

    return shared_backend()


def _turn(backend: Any, on: bool) -> ModelTurn:
    request = TurnRequest(
        messages=[Message.user(QUERY)],
        tools=[Tool.from_spec(WEATHER)],
        params=GenerationParams(max_tokens=64, copy_bias=3.0, mentioned_arguments=on),
        tool_choice="required",
        constrained=True,
    )
    return anyio.run(lambda: turn_source(backend).next_turn(request))


def test_the_unit_the_user_asked_for_is_written(gguf: Any) -> None:
    plain = _turn(gguf, False)
    assert [c.arguments for c in plain.turn.calls] == [{"location": "Mariposa, CA"}]
    assert not plain.mentioned
    asked = _turn(gguf, True)
    assert [c.arguments for c in asked.turn.calls] == [
        {"location": "Mariposa, CA", "unit": "celsius"}
    ]
    assert dict(asked.mentioned) == {"get_current_weather": ("unit",)}
    # two generations, the second on the prompt the first left in the cache
    assert asked.generation.usage.requests == 2
    assert asked.generation.usage.evaluated_tokens < plain.generation.usage.prompt_tokens
