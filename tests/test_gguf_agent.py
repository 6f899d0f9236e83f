"""The agent on the real engine and the embedded model: a weather run, and KV-cache reuse.

These run llama.cpp on SmolLM2-135M (the embedded default), greedy, so they are deterministic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest

pytest.importorskip("llama_cpp")

from gguf_model import shared_backend  # noqa: E402

from lamagent.agent import Agent  # noqa: E402
from lamagent.backends.base import Backend, Generation, GenerationParams, ModelInfo  # noqa: E402
from lamagent.backends.llamacpp import LlamaCppBackend  # noqa: E402
from lamagent.tools import tool  # noqa: E402

pytestmark = pytest.mark.gguf


@tool
def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Current weather for a location.

    Args:
        location: the city, e.g. "Paris".
        unit: temperature unit.
    """
    return {"location": location, "temperature": 14, "unit": unit, "conditions": "light rain"}


def test_weather_question_calls_the_tool_then_answers() -> None:
    backend = shared_backend()
    backend.reset_cache()
    agent = Agent(backend, tools=[get_weather], max_steps=4, max_tokens=96)
    result = agent.run("What's the weather like in London?")
    steps = result.trajectory.steps
    assert steps[0].tool_calls[0]["name"] == "get_weather"
    assert "london" in steps[0].tool_calls[0]["arguments"]["location"].lower()
    assert steps[0].next_observation[0]["conditions"] == "light rain"
    assert result.outcome == "answer", (result.outcome, [s.raw_output for s in steps])
    assert result.answer and steps[-1].answer == result.answer
    assert len(steps) >= 2
    # The follow-up step re-used the cached conversation: it evaluated only what was new.
    assert steps[1].usage.evaluated_tokens < steps[1].usage.prompt_tokens / 2


@tool
def next_page(page: int) -> dict[str, Any]:
    """Read the next page of the document.

    Args:
        page: the page number to read.
    """
    return {"page": page, "text": f"Page {page} says: keep reading, there is more."}


class ColdCacheBackend(Backend):
    """Delegates to a llama.cpp backend, clearing its KV cache before every generation."""

    supports_constraint = True

    def __init__(self, inner: LlamaCppBackend) -> None:
        self.inner = inner

    @property
    def info(self) -> ModelInfo:
        return self.inner.info

    async def astream(  # type: ignore[override]
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        self.inner.reset_cache()
        async for item in self.inner.astream(prompt, params):
            yield item


def six_steps(backend: Backend) -> Any:
    agent = Agent(
        backend, tools=[next_page], max_steps=6, max_tokens=48, tool_choice="required"
    )
    return agent.run("Read the document page by page, starting at page 1.")


def test_six_steps_evaluate_only_new_tokens_and_match_a_cold_cache_run() -> None:
    backend = shared_backend()
    backend.reset_cache()
    warm = six_steps(backend)
    cold = six_steps(ColdCacheBackend(backend))
    assert len(warm.trajectory.steps) == 6
    steps = warm.trajectory.steps
    for prev, step in zip(steps, steps[1:]):
        new = step.usage.prompt_tokens - prev.usage.prompt_tokens - prev.usage.completion_tokens
        assert 0 < step.usage.evaluated_tokens <= new + 4, (step.step_id, step.usage, new)
    for step in cold.trajectory.steps:
        assert step.usage.evaluated_tokens == step.usage.prompt_tokens
    assert [s.raw_output for s in warm.trajectory.steps] == [
        s.raw_output for s in cold.trajectory.steps
    ]
    total_warm = sum(s.usage.evaluated_tokens for s in warm.trajectory.steps)
    total_cold = sum(s.usage.evaluated_tokens for s in cold.trajectory.steps)
    assert total_warm < total_cold / 3
