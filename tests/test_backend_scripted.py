"""ScriptedBackend: the conformance suite, plus the test-double features users rely on."""

from __future__ import annotations

import json

import anyio
import pytest
from backend_conformance import (
    BackendCase,
    BackendConformance,
    ChatCase,
    ChatConformance,
    ConstraintConformance,
    KVReuseConformance,
)

from lamagent.backends import Constraint, GenerationParams, ModelInfo, ScriptedBackend
from lamagent.backends.scripted_chat import ChatReply, ChatRequest, ScriptedChatBackend
from lamagent.errors import BackendError, ConfigError, ConstraintError, ContextOverflowError
from lamagent.messages import ToolCall

LONG = "Tell me a long story. " * 20
INFO = ModelInfo(model_id="scripted", context_length=512)


def echo(prompt: str) -> str:
    if prompt.startswith(LONG):
        return prompt
    return f"You asked: {prompt}. Here is a longer answer."


class TestScriptedConformance(BackendConformance, KVReuseConformance):
    @pytest.fixture
    def backend_case(self) -> BackendCase:
        backend = ScriptedBackend(echo, model_info=INFO)
        return BackendCase(backend=backend, prompt="what is the weather in Paris", long_prompt=LONG)


class TestScriptedConstrainedConformance(BackendConformance, ConstraintConformance):
    @pytest.fixture
    def backend_case(self) -> BackendCase:
        call = json.dumps([{"name": "get_weather", "arguments": {"city": "Paris, France"}}])
        backend = ScriptedBackend(
            lambda prompt: prompt if prompt.startswith(LONG) else call,
            supports_constraint=True,
            model_info=INFO,
        )
        return BackendCase(backend=backend, prompt="weather in Paris?", long_prompt=LONG)


def obliging(request: ChatRequest) -> ChatReply:
    """A chat double that does what it is asked: a named tool gets a call, "auto" an answer."""
    names = [t.get("function", t)["name"] for t in request.tools]
    if request.tool_choice in names or (request.tool_choice == "required" and names):
        name = request.tool_choice if request.tool_choice in names else names[0]
        return [ToolCall(name=name, arguments={"location": "London"})]
    return "It is mild in London."


class TestScriptedChatConformance(ChatConformance):
    @pytest.fixture
    def chat_case(self) -> ChatCase:
        return ChatCase(backend=ScriptedChatBackend([obliging] * 4))


def test_a_scripted_chat_reply_can_read_its_request() -> None:
    backend = ScriptedChatBackend([obliging, obliging])
    case = ChatCase(backend=backend)
    forced, _ = case.turn("get_weather")
    free, _ = case.turn("auto")
    assert [c.name for c in forced.tool_calls or []] == ["get_weather"]
    assert free.content == "It is mild in London." and not free.tool_calls
    assert [r[2] for r in backend.requests] == ["get_weather", "auto"]


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="stream_chunk"):
        ScriptedBackend(["a"], stream_chunk=0)
    with pytest.raises(ValueError, match="delay"):
        ScriptedBackend(["a"], delay=-1.0)


def test_a_context_length_makes_long_prompts_overflow() -> None:
    backend = ScriptedBackend(["ok", "ok"], model_info=ModelInfo(context_length=4))
    with pytest.raises(ContextOverflowError, match="context window holds 4"):
        backend.generate("one two three four")
    assert backend.generate("one two three").text == "ok"


def test_outputs_replay_in_order_and_run_out_with_a_clear_error() -> None:
    backend = ScriptedBackend(["first", "second"])
    assert backend.generate("p").text == "first"
    assert backend.generate("p").text == "second"
    assert backend.remaining == 0
    with pytest.raises(BackendError, match="ran out of outputs after 2"):
        backend.generate("p")


def test_an_exception_in_the_script_is_raised() -> None:
    backend = ScriptedBackend([BackendError("server down"), "ok"])
    with pytest.raises(BackendError, match="server down"):
        backend.generate("p")
    assert backend.generate("p").text == "ok"


def test_requests_are_recorded_for_assertions() -> None:
    backend = ScriptedBackend(["a"])
    backend.generate("the prompt", GenerationParams(stop=["<|im_end|>"]))
    prompt, params = backend.requests[0]
    assert prompt == "the prompt"
    assert params.stop == ["<|im_end|>"]


def test_usage_simulates_prefix_cache_reuse() -> None:
    backend = ScriptedBackend(["one two", "three"])
    first = backend.generate("a b c d")
    second = backend.generate("a b c d e f")
    assert first.usage.evaluated_tokens == 4
    assert second.usage.prompt_tokens == 6
    assert second.usage.evaluated_tokens == 2
    assert first.usage.completion_tokens == 2


def test_earliest_stop_string_wins() -> None:
    backend = ScriptedBackend(["answer<|im_end|>junk<|endoftext|>more"])
    gen = backend.generate("p", GenerationParams(stop=["<|endoftext|>", "<|im_end|>"]))
    assert gen.text == "answer"


def test_stream_chunk_sets_delta_size() -> None:
    backend = ScriptedBackend(["a b c d e f"], stream_chunk=3)
    deltas = [d for d in backend.stream("p") if isinstance(d, str)]
    assert deltas == ["a b c ", "d e f"]


def test_constraint_is_refused_unless_supported() -> None:
    backend = ScriptedBackend(["[]"])
    params = GenerationParams(constraint=Constraint(json_schema={"type": "array"}))
    with pytest.raises(ConstraintError, match="supports_constraint=True"):
        backend.generate("p", params)


def test_script_that_breaks_the_constraint_is_reported() -> None:
    backend = ScriptedBackend(["not json", "[1]"], supports_constraint=True)
    schema = {"type": "array", "items": {"type": "object"}}
    params = GenerationParams(constraint=Constraint(json_schema=schema))
    with pytest.raises(ConstraintError, match="not JSON"):
        backend.generate("p", params)
    with pytest.raises(ConstraintError, match="schema"):
        backend.generate("p", params)


def test_allow_text_constraint_accepts_plain_text() -> None:
    backend = ScriptedBackend(["Hello!"], supports_constraint=True)
    params = GenerationParams(constraint=Constraint(json_schema={"type": "array"}, allow_text=True))
    assert backend.generate("p", params).text == "Hello!"


def test_delay_makes_generation_take_time() -> None:
    backend = ScriptedBackend(["a b c"], delay=0.02)

    async def timed() -> float:
        start = anyio.current_time()
        await backend.agenerate("p")
        return anyio.current_time() - start

    assert anyio.run(timed) >= 0.05
