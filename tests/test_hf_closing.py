"""Under the call grammar, the transformers backend closes a call list within `max_tokens`.

A model under a grammar can keep writing inside one JSON string until the token limit, and a
call list cut off there does not parse. Near the limit the backend favours, among the tokens
the grammar allows, those that close strings, objects and the list (as the llama.cpp backend
does), so `tool_choice="required"` gives a call that parses. A tiny random Llama is the
hardest case: left to itself it never closes a string. A string whose shape (`example_shapes`)
wants another part before it may end is closed through that part.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("xgrammar")

from hf_helpers import tiny_backend

from lamagent import Agent, tool
from lamagent.backends.hf import decode
from lamagent.backends.hf.decode import closer_tokens

pytestmark = pytest.mark.hf


@tool
def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather.

    Args:
        location: City name.
        unit: celsius or fahrenheit.
    """
    return {"location": location, "unit": unit}


def first_step(tool: Any, query: str, max_tokens: int, **settings: Any) -> Any:
    """The first step of a calls-only run of the random model (one step)."""
    agent = Agent(
        tiny_backend("llama"),
        tools=[tool],
        tool_choice="required",
        max_steps=1,
        max_tokens=max_tokens,
        **settings,
    )
    return agent.run(query).trajectory.steps[0]


def london(max_tokens: int) -> Any:
    return first_step(get_weather, "What's the weather like in London?", max_tokens)


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


@tool
def find_lawyer(city: str) -> dict[str, Any]:
    """Lawyers nearby.

    Args:
        city: The city and state, e.g. Chicago, IL.
    """
    return {"city": city}


def chicago(max_tokens: int) -> Any:
    return first_step(find_lawyer, "Find a lawyer in Chicago.", max_tokens, example_shapes=True)


def test_a_value_whose_shape_wants_another_part_is_closed_through_it() -> None:
    # "City, ST": the closing quote is not allowed until ", " and the capitals are written,
    # so near the limit the part separator is raised, then the quote
    step = chicago(48)
    assert step.parse_error is None, step.raw_output
    city = step.calls[0].call["arguments"]["city"]
    assert re.fullmatch(r"[^,]+, [A-Z]{2,3}", city), city
    assert step.usage.completion_tokens <= 48


def test_without_the_part_separators_the_shaped_value_is_cut_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def without_separators(tokenizer: Any) -> Any:
        strings, structures, separators = closer_tokens(tokenizer)
        return strings, structures, separators[:0]

    monkeypatch.setattr(decode, "closer_tokens", without_separators)
    step = chicago(48)
    assert step.parse_error is not None and "cut off" in step.parse_error
