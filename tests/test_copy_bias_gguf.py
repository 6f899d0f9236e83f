"""Copy-aware decoding on the real engines with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model fills `location` from the query but re-invents the
town ("Mariposa, CA" comes out as "Marapu, CA"); with the copy bias it copies it. Without the
bias (or without a call grammar) the output is the one of plain decoding, byte for byte.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from lamagent.generation import GenerationParams
from lamagent.messages import Message
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source

WEATHER: dict[str, Any] = {  # BFCL live_simple_10-3-6's tool, as it is in the data
    "name": "get_current_weather",
    "description": "Retrieves the current weather conditions for a specified city and state. "
    "If using state, then use short form like CA.",
    "parameters": {
        "type": "dict",
        "required": ["location"],
        "properties": {
            "location": {
                "type": "string",
                "description": "The location for which to get the weather, in the format of "
                "'City, State (abbr)', such as 'San Francisco, CA' if State for the city "
                "exists. 'City, Country' if State for the city doesn't exist.",
            },
            "unit": {
                "type": "string",
                "description": "The unit of temperature for the weather report.",
                "enum": ["celsius", "fahrenheit"],
                "default": "fahrenheit",
            },
        },
    },
}
QUERY = (  # BFCL live_simple_10-3-6
    "Could you tell me the current weather in Yosemite National Park which locates at "
    "Mariposa, CA, and make sure to give me the temperature in Celsius?"
)
BIAS = 3.0


def _turn(
    backend: Any, bias: float, *, constrained: bool = True, max_calls: int | None = None
) -> ModelTurn:
    request = TurnRequest(
        messages=[Message.user(QUERY)],
        tools=[Tool.from_spec(WEATHER)],
        params=GenerationParams(max_tokens=64, copy_bias=bias),
        tool_choice="required" if constrained else "auto",
        constrained=constrained,
        max_calls=max_calls,
    )
    source = turn_source(backend)
    return anyio.run(lambda: source.next_turn(request))


def test_the_bias_copies_the_town_the_model_otherwise_reinvents(gguf: Any) -> None:
    plain = _turn(gguf, 0.0)
    assert [c.arguments["location"] for c in plain.turn.calls] == ["Marapu, CA"]
    assert plain.generation.copy_bias is None
    copied = _turn(gguf, BIAS)
    assert [c.arguments["location"] for c in copied.turn.calls] == ["Mariposa, CA"]
    record = copied.generation.copy_bias
    assert record is not None and record.bias == BIAS
    # the town took a few biased steps, and its chosen tokens were biased ones
    assert record.steps >= 2 and record.tokens >= 2


def test_without_the_bias_or_a_call_grammar_the_output_is_unchanged(gguf: Any) -> None:
    plain = _turn(gguf, 0.0)
    request = TurnRequest(
        messages=[Message.user(QUERY)],
        tools=[Tool.from_spec(WEATHER)],
        # sources given, bias 0: nothing is built, nothing changes
        params=GenerationParams(max_tokens=64, copy_from=(QUERY,)),
        tool_choice="required",
        constrained=True,
    )
    source = turn_source(gguf)
    with_sources = anyio.run(lambda: source.next_turn(request))
    assert with_sources.generation.text == plain.generation.text
    free = _turn(gguf, 0.0, constrained=False)
    free_biased = _turn(gguf, BIAS, constrained=False)
    assert free_biased.generation.text == free.generation.text
    assert free_biased.generation.copy_bias is None  # no call grammar: never applied


def test_the_transformers_backend_copies_the_same_town() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("xgrammar")
    from lamagent.backends.hf import HFBackend
    from lamagent.models import default_hf_checkpoint

    backend = HFBackend(default_hf_checkpoint(), device="cpu")
    try:
        # its fp32 weights go on to a second call, which 64 tokens cut off: one call only
        plain = _turn(backend, 0.0, max_calls=1)
        copied = _turn(backend, BIAS, max_calls=1)
        free = _turn(backend, 0.0, constrained=False)
        free_biased = _turn(backend, BIAS, constrained=False)
    finally:
        anyio.run(backend.aclose)
    assert plain.generation.copy_bias is None
    assert plain.turn.calls[0].arguments["location"].startswith("Marapu")
    assert copied.turn.calls[0].arguments["location"] == "Mariposa, CA"
    record = copied.generation.copy_bias
    assert record is not None and record.tokens >= 2
    assert free_biased.generation.text == free.generation.text  # no call grammar: no bias


def test_the_agent_takes_the_setting_and_its_step_records_what_the_bias_did(gguf: Any) -> None:
    from lamagent import Agent

    seen: list[str] = []

    def get_current_weather(location: str, unit: str = "fahrenheit") -> str:
        seen.append(location)
        return f"31 degrees {unit} in {location}"

    tool = Tool.from_spec(WEATHER, fn=get_current_weather)
    agent = Agent(gguf, tools=[tool], tool_choice="required", copy_bias=BIAS, max_steps=1)
    result = agent.run(QUERY)
    assert seen == ["Mariposa, CA"]
    record = result.trajectory.steps[0].copy_bias
    assert record is not None and record.bias == BIAS and record.tokens >= 2
