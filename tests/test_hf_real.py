"""HFBackend on the real SmolLM2-135M checkpoint (converted from the embedded GGUF)."""

from __future__ import annotations

import json
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from lamagent import formats  # noqa: E402
from lamagent.backends import GenerationParams  # noqa: E402
from lamagent.backends._engine.prefix import common_prefix_length  # noqa: E402
from lamagent.backends.hf import HFBackend  # noqa: E402
from lamagent.messages import Message  # noqa: E402
from lamagent.models import default_gguf_path, default_hf_checkpoint  # noqa: E402

pytestmark = [pytest.mark.hf, pytest.mark.slow]

PROMPT = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    "Write two sentences about the sea.<|im_end|>\n<|im_start|>assistant\n"
)
WEATHER: dict[str, Any] = {
    "name": "get_weather",
    "description": "Get the current weather for a location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}


@pytest.fixture(scope="module")
def smol() -> HFBackend:
    return HFBackend(default_hf_checkpoint())


def test_greedy_output_matches_the_gguf_backend_for_16_tokens(smol: HFBackend) -> None:
    llamacpp = pytest.importorskip("lamagent.backends.llamacpp")
    gguf = llamacpp.LlamaCppBackend(default_gguf_path(), n_threads=2)
    params = GenerationParams(max_tokens=20)
    ours = smol.tokenize(smol.generate(PROMPT, params).text)
    theirs = smol.tokenize(gguf.generate(PROMPT, params).text)
    # The HF weights are the Q4_1 GGUF weights de-quantised, so the two agree token for token
    # at first; numerical differences (fp32 vs llama.cpp's quantised kernels) may split later.
    assert common_prefix_length(ours, theirs) >= 16, (ours, theirs)


def test_cache_reuse_is_exact_on_the_real_model(smol: HFBackend) -> None:
    fresh = HFBackend(smol.model, tokenizer=smol.tokenizer, prefix_cache=False)
    turns = [
        ("user", "Name a colour."),
        ("user", "Now name a fruit of that colour."),
        ("user", "And an animal?"),
    ]
    history, texts = "", {"reuse": [], "fresh": []}
    evaluated = []
    for role, content in turns:
        history += f"<|im_start|>{role}\n{content}<|im_end|>\n<|im_start|>assistant\n"
        a = smol.generate(history, GenerationParams(max_tokens=12))
        b = fresh.generate(history, GenerationParams(max_tokens=12))
        texts["reuse"].append(a.text)
        texts["fresh"].append(b.text)
        evaluated.append((a.usage.evaluated_tokens, a.usage.prompt_tokens))
        history += a.text + "<|im_end|>\n"
    assert texts["reuse"] == texts["fresh"]
    for done, total in evaluated[1:]:
        assert done < total / 2, evaluated


def test_constrained_weather_call_for_london(smol: HFBackend) -> None:
    fmt = formats.detect(smol.info)
    constraint = fmt.constraint([WEATHER], tool_choice="required", max_calls=2)
    assert constraint is not None
    messages = [Message(role="user", content="What's the weather like in London?")]
    prompt = fmt.render(messages, [WEATHER])
    gen = smol.generate(prompt, GenerationParams(max_tokens=48, constraint=constraint))
    calls = json.loads(gen.text)
    assert calls[0]["name"] == "get_weather"
    assert "london" in calls[0]["arguments"]["location"].lower()


def test_london_weather_run_through_the_agent(smol: HFBackend) -> None:
    from lamagent import Agent, tool

    @tool
    def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
        """Get the current weather for a location.

        Args:
            location: The city, e.g. "London".
            unit: "celsius" or "fahrenheit".
        """
        return {"location": location, "temperature": 14, "unit": unit, "sky": "light rain"}

    agent = Agent(
        smol, tools=[get_weather], constrained=True, tool_choice="required", max_steps=3,
        max_tokens=48,
    )  # fmt: skip
    result = agent.run("What's the weather like in London?")
    steps = result.trajectory.steps
    assert steps[0].tool_calls[0]["name"] == "get_weather"
    assert "london" in steps[0].tool_calls[0]["arguments"]["location"].lower()
    assert steps[0].next_observation[0]["sky"] == "light rain"
    assert result.outcome == "answer" and result.answer, [s.raw_output for s in steps]
    # the second step re-used the first step's cache: only the observation was prefilled
    assert steps[1].usage.evaluated_tokens < steps[1].usage.prompt_tokens / 2


def test_the_embedded_profile_runs_on_transformers_too(smol: HFBackend) -> None:
    """The checkpoint converted from the embedded GGUF is the same model: `Agent()` gives it
    the same profile, and the README question gets the call, then a cued answer, on this
    engine as on llama.cpp (the gate, the copy bias and the cue all need its logits)."""
    from lamagent import Agent, tool
    from lamagent.profiles import EMBEDDED

    @tool
    def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
        """Current weather.

        Args:
            location: City name, e.g. "London".
            unit: "celsius" or "fahrenheit".
        """
        return {"location": location, "temperature": 14, "unit": unit}

    agent = Agent(smol, tools=[get_weather], max_steps=4, max_tokens=96)
    assert agent.profile is EMBEDDED and smol.path is not None
    result = agent.run("What's the weather like in London?")
    steps = result.trajectory.steps
    made = [c for s in steps for c in s.tool_calls]
    assert made == [{"name": "get_weather", "arguments": {"location": "London"}}]
    assert steps[0].gate is not None and steps[0].gate["decision"] == "call"
    cue = EMBEDDED.gate.answer_cue if EMBEDDED.gate else None
    assert result.outcome == "answer" and cue and result.answer.startswith(cue)
