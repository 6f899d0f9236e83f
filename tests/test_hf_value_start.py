"""On the transformers engine, a string value does not open with a closing bracket.

A small model under a call grammar that wants the call to end writes "}}]" into the string
value the grammar holds open. With the copy bias on, the engine lowers the tokens that would
open a value with a closing bracket (`CopyBias.shunned`, as the llama.cpp engine does). A tiny
random Llama pushed toward closing brackets shows it: without the lowering its values open
with one.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("xgrammar")

import torch
from hf_helpers import smol_tokenizer, tiny_model

from lamagent import Agent, tool
from lamagent.backends.hf import HFBackend, decode

pytestmark = pytest.mark.hf


@tool
def lookup(record_id: str) -> dict[str, Any]:
    """Look a record up.

    Args:
        record_id: The record's id.
    """
    return {"record_id": record_id}


def _bracket_loving_backend() -> HFBackend:
    """A random Llama whose every pick leans to tokens that open with a closing bracket."""
    model = tiny_model("llama", 0)
    tokenizer = smol_tokenizer()
    bias = torch.zeros(model.config.vocab_size)
    texts = tokenizer.batch_decode([[i] for i in range(min(bias.shape[0], len(tokenizer)))])
    for token_id, text in enumerate(texts):
        if text[:1] in "}])":
            bias[token_id] = 20.0
        elif '"' in text:
            bias[token_id] = 12.0

    def hook(_module: Any, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
        return output + bias.to(output.device, output.dtype)

    model.get_output_embeddings().register_forward_hook(hook)
    return HFBackend(model, tokenizer=tokenizer, model_id="tiny-brackets")


def _record_id() -> str:
    agent = Agent(
        _bracket_loving_backend(),
        tools=[lookup],
        tool_choice="required",
        max_steps=1,
        max_tokens=48,
        copy_bias=3.0,
    )
    step = agent.run("Look up the record with id 12445.").trajectory.steps[0]
    assert step.parse_error is None, step.raw_output
    value = step.calls[0].call["arguments"]["record_id"]
    assert isinstance(value, str)
    return value


def test_no_value_opens_with_a_closing_bracket() -> None:
    value = _record_id()
    assert not value or value[0] not in "}])", value


def test_without_the_lowering_the_value_opens_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "SHUN_BIAS", 0.0)
    value = _record_id()
    assert value and value[0] in "}])", value
