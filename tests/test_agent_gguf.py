"""The loop on the real embedded model (SmolLM2-135M GGUF on llama.cpp)."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp")

from lamagent import Agent, tool

pytestmark = [pytest.mark.gguf, pytest.mark.slow]


@tool
def get_weather(city: str) -> dict:
    """Current weather for a city.

    Args:
        city: the city name, e.g. "Paris"
    """
    return {"city": city, "temperature_c": 21}


def test_default_model_with_a_forced_tool_choice_makes_a_verified_call() -> None:
    agent = Agent(tools=[get_weather], tool_choice="get_weather", max_steps=1, max_tokens=48)
    assert agent.backend.supports_constraint
    result = agent.run("What's the weather in Paris?")
    step = result.trajectory.steps[0]
    assert result.outcome == "max_steps"  # forced to call, it never answers
    assert step.call_errors == [] and step.parse_error is None
    assert [c["name"] for c in step.tool_calls] == ["get_weather"] * len(step.tool_calls)
    assert step.next_observation[0]["temperature_c"] == 21
    assert result.trajectory.model_id and result.trajectory.format == "xlam2-qwen"
