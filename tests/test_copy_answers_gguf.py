"""The copy bias in text answers (`copy_answers`), on the real engine with the embedded model
(SmolLM2-135M) behind the built-in call gate, as an agent's step after a tool's result.

Asked for Canada's population with the tool's result in the conversation, the model answers
"The population of Canada is 400,977,610." on its own: it began the result's number and
re-invented the rest. With `copy_answers` the number it began goes on as the result wrote it;
the transformers engine, which shares the bias, does the same.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from lamagent.gate import CallGate
from lamagent.gate.turns import gated
from lamagent.generation import GenerationParams
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source

POPULATION: dict[str, Any] = {
    "name": "get_population",
    "description": "Population of a country.",
    "parameters": {
        "type": "object",
        "properties": {"country": {"type": "string"}},
        "required": ["country"],
    },
}
RESULT = '{"country": "Canada", "population": 40097761, "year": 2023}'


def _answer(backend: Any, copy_answers: bool) -> ModelTurn:
    call = {"id": "call_0", "name": "get_population", "arguments": {"country": "Canada"}}
    request = TurnRequest(
        messages=[
            {"role": "user", "content": "What's the population of Canada?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_0", "name": "get_population", "content": RESULT},
        ],
        tools=[Tool.from_spec(POPULATION)],
        params=GenerationParams(max_tokens=64, copy_bias=3.0, copy_answers=copy_answers),
        tool_choice="auto",
        constrained=True,
    )
    source = gated(turn_source(backend), CallGate())
    return anyio.run(lambda: source.next_turn(request))


def test_an_answer_goes_on_with_the_number_it_began_copying(gguf: Any) -> None:
    plain = _answer(gguf, copy_answers=False)
    copied = _answer(gguf, copy_answers=True)
    assert plain.turn.answer is not None and copied.turn.answer is not None
    assert "400,977,610" in plain.turn.answer and "40097761" not in plain.turn.answer
    assert "The population of Canada is 40097761" in copied.turn.answer
    record = copied.generation.copy_bias
    assert record is not None and record.tokens >= 2  # the text answer's own record


def test_the_transformers_backend_copies_the_same_number() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("xgrammar")
    from lamagent.backends.hf import HFBackend
    from lamagent.models import default_hf_checkpoint

    backend = HFBackend(default_hf_checkpoint(), device="cpu")
    try:
        plain = _answer(backend, copy_answers=False)
        copied = _answer(backend, copy_answers=True)
    finally:
        anyio.run(backend.aclose)
    assert plain.turn.answer is not None and "400,977,610" in plain.turn.answer
    assert copied.turn.answer is not None
    assert "The population of Canada is 40097761" in copied.turn.answer
