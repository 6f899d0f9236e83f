"""Under the call grammar, the transformers backend closes a call list within `max_tokens`.

A model under a grammar can keep writing inside one JSON string until the token limit, and a
call list cut off there does not parse. Near the limit the backend favours, among the tokens
the grammar allows, those that close strings, objects and the list (as the llama.cpp backend
does), so `tool_choice="required"` gives a call that parses. A tiny random Llama is the
hardest case: left to itself it never closes a string.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("xgrammar")

from hf_helpers import tiny_backend

from lamagent import Agent, tool
from lamagent.backends.hf import decode

pytestmark = pytest.mark.hf


@tool
def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather.

    Args:
        location: City name.
        unit: celsius or fahrenheit.
    """
    return {"location": location, "unit": unit}


def london(max_tokens: int) -> Any:
    agent = Agent(
        tiny_backend("llama"),
        tools=[get_weather],
        tool_choice="required",
        max_steps=1,
        max_tokens=max_tokens,
    )
    return agent.run("What's the weather like in London?").trajectory.steps[0]


@pytest.mark.parametrize("max_tokens", [48, 96])
def test_a_required_call_list_closes_within_the_budget(max_tokens: int) -> None:
    step = london(max_tokens)
    assert step.parse_error is None, step.raw_output
    assert [c.call["name"] for c in step.calls] == ["get_weather"]
    assert step.usage.completion_tokens <= max_tokens


def test_without_the_closing_bias_the_random_model_is_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decode, "CLOSER_BIAS", 0.0)
    step = london(48)
    assert step.parse_error is not None and "cut off" in step.parse_error
