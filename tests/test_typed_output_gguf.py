"""Typed output on the real embedded model: constrained decoding to the type's JSON Schema."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("llama_cpp")

from gguf_model import shared_backend
from pydantic import BaseModel

from lamagent import Agent

pytestmark = [pytest.mark.gguf, pytest.mark.slow]


class Person(BaseModel):
    name: str
    age: int


def test_typed_extraction_from_a_short_text() -> None:
    backend = shared_backend()
    agent = Agent(backend, output_type=Person, max_tokens=48)
    result = agent.run(
        "Extract the person's name and age from this text: Ada Lovelace was 36 years old."
    )
    assert result.outcome == "answer", result.error
    assert result.output == Person(name="Ada Lovelace", age=36)
    step = result.trajectory.steps[0]
    assert json.loads(step.raw_output) == {"name": "Ada Lovelace", "age": 36}
    assert step.output == {"name": "Ada Lovelace", "age": 36}
    assert len(result.trajectory.steps) == 1  # no tools: one turn, under the type's grammar
