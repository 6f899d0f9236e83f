"""The agent on the real engine and the embedded model: a weather run, and KV-cache reuse.

These run llama.cpp on SmolLM2-135M (the embedded default), greedy, so they are deterministic.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest

pytest.importorskip("llama_cpp")

from gguf_model import shared_backend

from lamagent.agent import Agent
from lamagent.backends.base import Backend, Generation, GenerationParams, ModelInfo
from lamagent.backends.llamacpp import LlamaCppBackend
from lamagent.profiles import EMBEDDED
from lamagent.tools import tool

pytestmark = pytest.mark.gguf


@tool
def get_weather(
    location: str, unit: Literal["celsius", "fahrenheit"] = "celsius"
) -> dict[str, Any]:
    """Current weather for a location.

    Args:
        location: the city, e.g. "Paris".
        unit: temperature unit.
    """
    return {"location": location, "temperature": 14, "unit": unit, "conditions": "light rain"}


def test_weather_question_calls_the_tool_then_answers() -> None:
    """SmolLM2 knows no tools: under tool_choice "auto" it answers the weather from its
    imagination. tool_choice "required" holds until the first call, then the agent resets it
    to "auto" (reset_tool_choice): call, read the observation, answer in text."""
    backend = shared_backend()
    backend.reset_cache()
    agent = Agent(
        backend, tools=[get_weather], max_steps=4, max_tokens=96, tool_choice="required",
        profile=None,  # the plain settings this test is about
    )  # fmt: skip
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


@tool(allow_duplicates=True)  # reading page after page is no loop, even of the same page
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
        backend,
        tools=[next_page],
        max_steps=6,
        max_tokens=32,
        tool_choice="required",
        reset_tool_choice=False,
        profile=None,  # the same setting on the real backend and on its cache-less wrapper
    )
    return agent.run("Read the document page by page, starting at page 1.")


def test_six_steps_evaluate_only_new_tokens_and_match_a_cold_cache_run() -> None:
    backend = shared_backend()
    backend.reset_cache()
    warm = six_steps(backend)
    cold = six_steps(ColdCacheBackend(backend))
    assert len(warm.trajectory.steps) == 6
    steps = warm.trajectory.steps
    for prev, step in itertools.pairwise(steps):
        # New text of this prompt: the model's last reply (evaluated again, in one batch, so the
        # cache holds only batch-evaluated tokens) and the tool result turn.
        new = step.usage.prompt_tokens - prev.usage.prompt_tokens
        assert 0 < step.usage.evaluated_tokens <= new + 2, (step.step_id, step.usage, new)
    for step in cold.trajectory.steps:
        assert step.usage.evaluated_tokens == step.usage.prompt_tokens
    assert [s.raw_output for s in warm.trajectory.steps] == [
        s.raw_output for s in cold.trajectory.steps
    ]
    total_warm = sum(s.usage.evaluated_tokens for s in warm.trajectory.steps)
    total_cold = sum(s.usage.evaluated_tokens for s in cold.trajectory.steps)
    assert total_warm < total_cold / 3


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    import typer
    from typer.testing import CliRunner

    from lamagent.cli.run import register

    monkeypatch.setenv("LAMAGENT_CACHE", str(tmp_path / "cache"))
    app = typer.Typer()
    register(app)
    return app, CliRunner()


def test_lamagent_run_streams_calls_and_stores_the_trajectory(cli: Any, tmp_path: Any) -> None:
    from lamagent.trajectory import open_store

    app, runner = cli
    store = tmp_path / "runs.db"
    args = ["run", "What is 12 * 7?", "--store", str(store), "--max-steps", "3", "--threads", "2"]
    result = runner.invoke(app, [*args, "--max-tokens", "48"])
    assert result.exit_code == 0, result.output
    # The embedded model must call a tool first (tool_choice "required" by default); which
    # one a 135M model picks is its own business, but what ran is shown and stored.
    traj_id = result.output.split("trajectory ")[-1].split()[0]
    saved = open_store(store).get(traj_id)
    first = next(s for s in saved.steps if s.tool_calls).tool_calls[0]
    assert first["name"] in {"calculate", "convert_units", "local_time"}
    assert f"→ {first['name']}(" in result.output
    assert "← " in result.output
    assert saved.query == "What is 12 * 7?"


def test_lamagent_run_json_uses_the_default_store(cli: Any, tmp_path: Any) -> None:
    from lamagent.cli.run import default_store_path
    from lamagent.trajectory import open_store

    app, runner = cli
    result = runner.invoke(
        app, ["run", "Convert 10 km to miles", "--json", "--max-steps", "2", "--max-tokens", "48"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tool_calls"][0]["name"] in {"calculate", "convert_units", "local_time"}
    assert default_store_path() == tmp_path / "cache" / "trajectories.db"
    assert open_store(default_store_path()).get(data["trajectory_id"]).query == (
        "Convert 10 km to miles"
    )


def test_lamagent_chat_reads_lines_until_exit(cli: Any, tmp_path: Any) -> None:
    app, runner = cli
    store = tmp_path / "chat.db"
    result = runner.invoke(
        app,
        ["chat", "--store", str(store), "--max-steps", "2", "--max-tokens", "32"],
        input="What time is it in Tokyo?\n/exit\nnever read\n",
    )
    assert result.exit_code == 0, result.output
    assert "→ " in result.output and "← " in result.output  # the call and its result
    assert "never read" not in result.output
    assert "saved to" in result.output


def test_lamagent_run_reports_a_bad_model_file(cli: Any, tmp_path: Any) -> None:
    app, runner = cli
    fake = tmp_path / "broken.gguf"
    fake.write_text("not a model")
    result = runner.invoke(app, ["run", "hi", "--model", str(fake), "--no-store"])
    assert result.exit_code == 1
    assert "not a GGUF model file" in result.output


def test_the_embedded_models_profile_makes_the_readme_question_a_call_and_an_answer() -> None:
    """The README's first run: with the Agent's plain settings the embedded model never calls
    (it writes about London's weather from its imagination); with the profile `Agent()` uses
    for it (the call gate, copy-aware decoding, the call rules) it calls once, reads the
    result and answers."""
    backend = shared_backend()
    question = "What's the weather like in London?"
    plain = Agent(backend, tools=[get_weather], max_tokens=96, max_steps=4, profile=None)
    assert plain.run(question).trajectory.steps[0].tool_calls == []

    agent = Agent(backend, tools=[get_weather], max_tokens=96, max_steps=4)
    assert agent.profile is EMBEDDED  # a backend loaded from the embedded model's file
    assert agent.gate is not None and agent.generation.copy_bias == EMBEDDED.generation["copy_bias"]
    result = agent.run(question)
    steps = result.trajectory.steps
    assert [c["name"] for c in steps[0].tool_calls] == ["get_weather"]
    assert steps[0].tool_calls[0]["arguments"]["location"] == "London"
    assert steps[0].gate is not None and steps[0].gate["decision"] == "call"
    assert result.outcome == "answer" and result.answer
    assert sum(len(s.tool_calls) for s in steps) == 1  # the repeat was turned down
    # the answer after the result starts with the profile's cue, and is no code about the
    # tool (without the cue this model answered "You can use the `get_weather` function ...")
    cue = EMBEDDED.gate.answer_cue if EMBEDDED.gate else None
    assert cue and result.answer.startswith(cue) and "```" not in result.answer
    assert steps[-1].gate is not None and steps[-1].gate["answer_cue"] == cue

    # another wording: the model drafts the call again with the result's values as arguments
    # the tool does not have, is turned down, and answers in text
    tokyo = agent.run("Weather for Tokyo please")
    made = [c for s in tokyo.trajectory.steps for c in s.tool_calls]
    assert made == [{"name": "get_weather", "arguments": {"location": "Tokyo"}}]
    assert tokyo.outcome == "answer" and tokyo.answer.startswith(cue)


def test_the_main_jobs_conversion_goes_the_users_way_and_the_answer_states_it() -> None:
    """The main job's tools on the embedded model: asked "What is 60 mph in km/h?", the model
    drafts a conversion from km/h to mph; the call rules turn it the way the user wrote it
    (`lamagent.gate.directed`), and the answer copies the tool's result, which reads as the
    conversion ("60 mph = 96.56064 km/h")."""
    from lamagent.demo_tools import example_tools

    agent = Agent(shared_backend(), tools=example_tools(), max_steps=4)
    result = agent.run("What is 60 mph in km/h?")
    step = result.trajectory.steps[0]
    assert '"from_unit": "km/h", "to_unit": "mph"' in step.raw_output  # the model's draft
    assert "convert_units.from_unit, to_unit: swapped, as the user wrote them" in step.reshaped
    calls = [record.call for record in step.calls]
    assert calls == [
        {"name": "convert_units", "arguments": {"value": 60, "from_unit": "mph", "to_unit": "km/h"}}
    ]
    assert step.calls[0].result == "60 mph = 96.56064 km/h"
    assert result.outcome == "answer" and "96.56064 km/h" in (result.answer or "")


def test_the_main_jobs_conversion_with_one_unit_at_both_ends_reads_how_many() -> None:
    """The main job's tools on the embedded model: asked "How many feet is 10 meters?", the
    model drafts a conversion from meters to meters (the unit list of the description written
    on at both ends, cut back by `lamagent.gate.loops`); the call rules read "how many feet" as
    the end and "10 meters" as the start (`lamagent.gate.both_ends`), and the answer states
    the tool's result."""
    from lamagent.demo_tools import example_tools

    agent = Agent(shared_backend(), tools=example_tools(), max_steps=4)
    result = agent.run("How many feet is 10 meters?")
    step = result.trajectory.steps[0]
    assert '"from_unit": "meters' in step.raw_output  # the model's draft
    assert '"to_unit": "meters' in step.raw_output
    assert (
        "convert_units.from_unit, to_unit: read as the user wrote them, 'meters' to 'feet'"
        in step.reshaped
    )
    calls = [record.call for record in step.calls]
    assert calls == [
        {
            "name": "convert_units",
            "arguments": {"value": 10, "from_unit": "meters", "to_unit": "feet"},
        }
    ]
    assert step.calls[0].result == "10 meters = 32.808399 feet"
    assert result.outcome == "answer" and "32.808399 feet" in (result.answer or "")
