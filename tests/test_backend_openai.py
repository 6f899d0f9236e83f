"""OpenAIBackend against a real OpenAI-compatible server: llama-cpp-python's, on SmolLM2.

The server is started on a free loopback port for this module and killed at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

pytest.importorskip("llama_cpp.server.app")
pytest.importorskip("httpx")

from backend_conformance import (
    BackendCase,
    BackendConformance,
    ChatCase,
    ChatConformance,
    ConstraintConformance,
)
from gguf_model import STORY, TEST_THREADS
from llama_server import free_port, llama_server

from lamagent import Agent, tool
from lamagent.backends import GenerationParams, ModelBackend
from lamagent.backends.openai import OpenAIBackend, OpenAIChatBackend, open_server
from lamagent.errors import BackendError, ModelLoadError
from lamagent.models import default_gguf_path

pytestmark = pytest.mark.gguf

PROMPT = (
    "<|im_start|>user\nWhat is the weather like in Paris today?<|im_end|>\n<|im_start|>assistant\n"
)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Any]]:
    with llama_server(default_gguf_path(), threads=TEST_THREADS) as running:
        yield running


@pytest.fixture(scope="module")
def base_url(server: tuple[str, Any]) -> str:
    return server[0]


N_CTX = 4096  # the window the test server is started with (llama_server's default)


class TestServerConformance(BackendConformance, ConstraintConformance):
    """The completions API: lamagent renders the prompt, the server continues it."""

    @pytest.fixture
    def backend_case(self, base_url: str) -> BackendCase:
        backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp")
        return BackendCase(backend=backend, prompt=PROMPT, long_prompt=STORY, context_length=N_CTX)


class TestServerChatConformance(ChatConformance):
    """The chat API: the server applies SmolLM2's template; a forced tool is a grammar there."""

    @pytest.fixture
    def chat_case(self, base_url: str) -> ChatCase:
        backend = open_server(base_url, "smollm2", mode="chat")
        assert isinstance(backend, OpenAIChatBackend)
        return ChatCase(backend=backend)


@tool
def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
    """Get the current weather in a given location.

    Args:
        location: The city, e.g. "London".
        unit: "celsius" or "fahrenheit".
    """
    return {"location": location, "temperature": 14, "unit": unit, "sky": "cloudy"}


def _weather_agent(backend: ModelBackend, **kwargs: Any) -> Agent:
    # A 135M model asked about the weather prefers to chat; requiring a call on the first step
    # (reset to "auto" once it has called) is how such a small model is used as an agent.
    kwargs.setdefault("tool_choice", "required")
    return Agent(model=backend, tools=[get_weather], format="xlam2-qwen", **kwargs)


def test_completions_mode_london_weather_constrained(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp")
    result = _weather_agent(backend, constrained=True, max_steps=4).run(
        "What's the weather like in London?"
    )
    first = result.trajectory.steps[0]
    assert first.tool_calls and first.tool_calls[0]["name"] == "get_weather"
    assert "london" in first.tool_calls[0]["arguments"]["location"].lower()
    assert result.outcome == "answer" and result.answer
    assert result.trajectory.steps[-1].answer == result.answer


def test_completions_mode_streams_text_deltas(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp")
    events = list(
        _weather_agent(backend, constrained=True, max_steps=3).stream("Weather in Paris?")
    )
    kinds = [type(e).__name__ for e in events]
    assert "TextDelta" in kinds and kinds[-1] == "RunFinished"
    assert kinds.index("ToolCallEvent") < kinds.index("ToolResultEvent")


def test_chat_mode_maps_the_servers_reply(base_url: str) -> None:
    backend = open_server(base_url, "smollm2", mode="chat")
    result = _weather_agent(backend, max_steps=2, tool_choice="auto").run(
        "What's the weather like in London?"
    )
    # The llama.cpp server applies SmolLM2's own template, which knows no tools: whatever it
    # says is recorded and turned into an answer or calls, never an exception.
    assert result.outcome in {"answer", "max_steps", "max_retries"}
    assert result.trajectory.steps and result.trajectory.steps[0].raw_output


@pytest.mark.timeout(1200)
def test_sixteen_concurrent_runs(base_url: str) -> None:
    # 16 runs in flight at once; the client caps HTTP requests at 4 (this server runs one at
    # a time, so more would only queue there and run into read timeouts). One step each: the
    # call is what each run must get from the server (the answer step is tested above).
    backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp", max_in_flight=4)
    agent = _weather_agent(backend, constrained=True, max_steps=1, max_tokens=32)
    cities = ["London", "Paris", "Rome", "Oslo"] * 4
    results = agent.run_many([f"What's the weather like in {c}?" for c in cities], concurrency=16)
    assert len(results) == 16
    for city, result in zip(cities, results, strict=True):
        first = result.trajectory.steps[0]
        assert first.tool_calls[0]["name"] == "get_weather", first.raw_output
        assert city.lower() in first.tool_calls[0]["arguments"]["location"].lower()
        assert result.outcome == "max_steps" and len(result.trajectory.steps) == 1


def test_wrong_model_name_is_a_clear_error(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "Salesforce/xLAM-2-70b-fc-r")
    with pytest.raises(ModelLoadError, match=r"does not serve model.*smollm2"):
        backend.generate("hello")


def test_server_down_is_a_clear_error_and_the_run_is_recorded() -> None:
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "m", max_retries=1, backoff=0.01)
    with pytest.raises(BackendError, match="cannot reach"):
        backend.generate("hello")
    result = _weather_agent(backend).run("What's the weather like in London?")
    assert result.outcome == "error"
    assert result.trajectory.error and "cannot reach" in result.trajectory.error


def test_timeout_is_a_clear_error(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "smollm2", timeout=0.05, max_retries=0)
    with pytest.raises(BackendError, match="timed out"):
        backend.generate(PROMPT, GenerationParams(max_tokens=200))


def test_server_killed_mid_run_is_recorded(tmp_path: Any) -> None:
    from lamagent.trajectory import SQLiteStore

    store = SQLiteStore(tmp_path / "runs.db")
    with llama_server(default_gguf_path(), n_ctx=2048, threads=TEST_THREADS) as (url, proc):
        backend = OpenAIBackend(url, "smollm2", constraint_style="llama.cpp", max_retries=1)

        @tool
        def slow_lookup(city: str) -> str:
            """Look a city up (slowly; the server dies meanwhile).

            Args:
                city: The city.
            """
            proc.kill()
            proc.wait()
            return f"{city}: 14 C"

        agent = Agent(
            model=backend, tools=[slow_lookup], format="xlam2-qwen", constrained=True,
            tool_choice="required", store=store, max_steps=3,
        )  # fmt: skip
        result = agent.run("Look up London.")
    assert result.outcome == "error"
    saved = store.get(result.trajectory.unique_trajectory_id)
    assert saved.outcome == "error" and saved.error
    assert saved.steps and saved.steps[0].tool_calls[0]["name"] == "slow_lookup"


def test_requests_in_flight_are_capped(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "smollm2", max_in_flight=2)
    in_flight = 0
    peak = 0

    async def main() -> list[str]:
        nonlocal in_flight, peak
        await backend.aload_info()
        client = backend.client._client()
        original = client.send

        async def counting_send(*args: Any, **kwargs: Any) -> Any:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        client.send = counting_send
        texts: list[str] = []

        async def one() -> None:
            gen = await backend.agenerate(PROMPT, GenerationParams(max_tokens=4))
            texts.append(gen.text)

        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(one)
        return texts

    texts = anyio.run(main)
    assert len(texts) == 6 and len(set(texts)) == 1
    assert peak == 2


def test_an_interrupted_stream_is_an_error_not_a_short_reply() -> None:
    # llama-cpp-python's server, by default, cuts a streaming reply short when another request
    # arrives; the truncated text must not pass for a finished reply.
    with llama_server(
        default_gguf_path(), n_ctx=2048, threads=TEST_THREADS, interrupt_requests=True
    ) as (url, _):
        backend = OpenAIBackend(url, "smollm2", max_retries=0)
        outcomes: list[str] = []

        async def one(delay: float) -> None:
            await anyio.sleep(delay)
            texts = []
            try:
                async for item in backend.astream(PROMPT, GenerationParams(max_tokens=200)):
                    texts.append(item)
                outcomes.append("finished")
            except BackendError as exc:
                assert "ended before the server finished" in str(exc)
                outcomes.append("interrupted")

        async def main() -> None:
            async with anyio.create_task_group() as tg:
                tg.start_soon(one, 0.0)
                tg.start_soon(one, 1.0)

        anyio.run(main)
    assert "interrupted" in outcomes
