"""The conformance suite every Backend must pass.

A backend's test module subclasses `BackendConformance` and the mixins of the capabilities it
has (each mixin is the capability flag: a backend without one simply does not include its tests)
and provides a `backend_case` fixture:

    class TestMyBackend(BackendConformance, ConstraintConformance, KVReuseConformance):
        @pytest.fixture(scope="class")
        def backend_case(self) -> BackendCase:
            return BackendCase(backend=MyBackend(...), prompt="...")

- `BackendConformance`: text, streaming, stop strings, limits, concurrency, cancellation
  mid-stream, and a prompt longer than the context (every prompt backend);
- `ConstraintConformance`: constrained output obeys the constraint (`supports_constraint`);
- `KVReuseConformance`: a prompt that extends the last one reuses the cache and gives exactly
  the output of a cold cache (engines that keep a KV cache);
- `ChatConformance`: one assistant turn from messages and tools (chat backends, `ChatCase`).

The tests make no assumption about *what* the model says, only that greedy decoding is
deterministic: a reference generation is compared with streamed, stopped, truncated, cancelled,
cache-reusing and concurrent generations of the same prompt.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest

from lamagent.backends import Backend, ChatBackend, Constraint, Generation, GenerationParams
from lamagent.errors import ConstraintError, ContextOverflowError
from lamagent.messages import Message

FINISH_REASONS = {"stop", "length", "error"}


@dataclass
class BackendCase:
    """A backend under test and a prompt that makes it write at least a dozen characters."""

    backend: Backend
    prompt: str
    max_tokens: int = 24
    #: The engine steers a constrained call list to close before `max_tokens` (llama.cpp,
    #: transformers); others may be cut by the limit, and must then say so (finish "length").
    closes_constrained_output: bool = False
    #: Appended to a prompt and its reply to make a prompt that extends it (KV reuse).
    follow_up: str = " Tell me more."
    #: A prompt on which the model writes until `long_tokens` (for cancellation mid-stream).
    long_prompt: str | None = None
    long_tokens: int = 48
    #: Tokens asked for by the stream that is cancelled (never generated when cancelling works).
    cancel_tokens: int = 2000
    #: The context window in tokens, when `backend.info` does not tell it.
    context_length: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def params(self, **overrides: Any) -> GenerationParams:
        return GenerationParams(**({"max_tokens": self.max_tokens, "temperature": 0.0} | overrides))

    def reference(self) -> Generation:
        return self.backend.generate(self.prompt, self.params())


class BackendConformance:
    """Behaviour every backend shares: text, streaming, stop strings, limits, concurrency."""

    def test_info_has_model_id(self, backend_case: BackendCase) -> None:
        info = backend_case.backend.info
        assert isinstance(info.model_id, str) and info.model_id

    def test_generate_returns_generation(self, backend_case: BackendCase) -> None:
        gen = backend_case.reference()
        assert isinstance(gen, Generation)
        assert isinstance(gen.text, str) and len(gen.text) >= 12, gen.text
        assert gen.finish_reason in FINISH_REASONS
        assert gen.usage.completion_tokens > 0
        assert gen.usage.prompt_tokens > 0

    def test_stream_deltas_concatenate_to_final_text(self, backend_case: BackendCase) -> None:
        items = list(backend_case.backend.stream(backend_case.prompt, backend_case.params()))
        *deltas, final = items
        assert isinstance(final, Generation)
        assert all(isinstance(d, str) for d in deltas)
        assert len(deltas) >= 2, "a stream should deliver text in more than one piece"
        assert "".join(d for d in deltas if isinstance(d, str)) == final.text
        assert final.text == backend_case.reference().text

    def test_async_stream_matches_sync_generate(self, backend_case: BackendCase) -> None:
        async def collect() -> tuple[str, Generation | None]:
            text, final = "", None
            async for item in backend_case.backend.astream(
                backend_case.prompt, backend_case.params()
            ):
                if isinstance(item, Generation):
                    final = item
                else:
                    text += item
            return text, final

        text, final = anyio.run(collect)
        assert final is not None
        assert text == final.text == backend_case.reference().text

    def test_stop_string_ends_output_and_is_removed(self, backend_case: BackendCase) -> None:
        full = backend_case.reference().text
        k = len(full) // 3
        stop = full[k : k + 3]
        expected = full[: full.find(stop)]
        gen = backend_case.backend.generate(backend_case.prompt, backend_case.params(stop=[stop]))
        assert gen.text == expected
        assert stop not in gen.text
        assert gen.finish_reason == "stop"

    def test_max_tokens_is_respected(self, backend_case: BackendCase) -> None:
        full = backend_case.reference()
        gen = backend_case.backend.generate(
            backend_case.prompt, GenerationParams(max_tokens=2, temperature=0.0)
        )
        assert gen.usage.completion_tokens <= 2
        assert gen.finish_reason == "length"
        assert len(gen.text) < len(full.text)
        assert full.text.startswith(gen.text)

    def test_agenerate_from_many_tasks(self, backend_case: BackendCase) -> None:
        reference = backend_case.reference().text
        texts: list[str] = []

        async def one() -> None:
            gen = await backend_case.backend.agenerate(backend_case.prompt, backend_case.params())
            texts.append(gen.text)

        async def many() -> None:
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one)

        anyio.run(many)
        assert texts == [reference] * 6

    def test_cancelling_a_stream_stops_the_engine_promptly(self, backend_case: BackendCase) -> None:
        """A consumer that stops reading mid-stream stops the engine: the next generation does
        not wait for the abandoned one (asked for `cancel_tokens` tokens) to run to its end,
        and its output is the same as before."""
        backend = backend_case.backend
        prompt = backend_case.long_prompt or backend_case.prompt
        long = backend.generate(prompt, backend_case.params(max_tokens=backend_case.long_tokens))
        assert long.finish_reason == "length", "the long prompt must write past long_tokens"
        started = time.perf_counter()
        reference = backend_case.reference()
        per_token = (time.perf_counter() - started) / reference.usage.completion_tokens

        async def cancel_after_first_delta() -> tuple[str, float]:
            params = backend_case.params(max_tokens=backend_case.cancel_tokens)
            with anyio.CancelScope() as scope:
                async for item in backend.astream(prompt, params):
                    assert isinstance(item, str), "a delta comes before the Generation"
                    scope.cancel()
                    await anyio.sleep(0)  # the cancellation is delivered here
            assert scope.cancelled_caught
            begun = time.perf_counter()
            gen = await backend.agenerate(backend_case.prompt, backend_case.params())
            return gen.text, time.perf_counter() - begun

        text, seconds = anyio.run(cancel_after_first_delta)
        assert text == reference.text
        # Running the abandoned generation to its end would cost about this much.
        abandoned = per_token * (backend_case.cancel_tokens - backend_case.long_tokens)
        assert seconds < 0.5 * abandoned, (seconds, abandoned)

    def test_prompt_longer_than_the_context_is_refused(self, backend_case: BackendCase) -> None:
        backend = backend_case.backend
        limit = backend_case.context_length or backend.info.context_length
        assert limit, "the case must say how long the context is"
        with pytest.raises(ContextOverflowError):
            backend.generate("hello " * (limit + 16), backend_case.params())
        assert backend.generate(backend_case.prompt, backend_case.params()).text == (
            backend_case.reference().text
        ), "the backend serves the next prompt as before"


#: A one-call schema in the shape of an xLAM-2 call list.
CALL_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "name": {"const": "get_weather"},
            "arguments": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
        "required": ["name", "arguments"],
        "additionalProperties": False,
    },
}


class ConstrainedReplyConformance:
    """Every backend that takes a constraint: a constrained reply parses, or says why not."""

    @pytest.mark.parametrize("max_tokens", [32, 64])
    def test_a_constrained_reply_parses_within_max_tokens_or_says_why(
        self, backend_case: BackendCase, max_tokens: int
    ) -> None:
        """One guarantee for every backend: a reply under a calls-only constraint is a call
        list that parses within `max_tokens`, or its finish reason says the limit cut it (the
        loop then tells the model and the user why). Engines that steer the output to close
        must always parse."""
        constraint = Constraint(json_schema=CALL_SCHEMA, key="conformance-call")
        params = GenerationParams(max_tokens=max_tokens, constraint=constraint)
        try:
            gen = backend_case.backend.generate(backend_case.prompt, params)
        except ConstraintError as exc:  # a server that ignored the constraint: said, loudly
            assert not backend_case.closes_constrained_output
            assert "constraint_style" in str(exc)
            return
        assert gen.usage.completion_tokens <= max_tokens
        try:
            calls = json.loads(gen.text)
        except ValueError:
            assert not backend_case.closes_constrained_output, gen.text
            assert gen.finish_reason == "length", (gen.finish_reason, gen.text)
            return
        assert isinstance(calls, list) and calls and calls[0]["name"] == "get_weather"
        assert set(calls[0]["arguments"]) == {"city"}


class ConstraintConformance(ConstrainedReplyConformance):
    """For backends with `supports_constraint`: constrained output obeys the constraint."""

    def test_backend_declares_constraint_support(self, backend_case: BackendCase) -> None:
        assert backend_case.backend.supports_constraint is True

    def test_json_schema_constraint_gives_a_matching_call(self, backend_case: BackendCase) -> None:
        constraint = Constraint(json_schema=CALL_SCHEMA, key="conformance-call")
        gen = backend_case.backend.generate(
            backend_case.prompt, GenerationParams(max_tokens=64, constraint=constraint)
        )
        calls = json.loads(gen.text)
        assert isinstance(calls, list) and len(calls) == 1
        assert calls[0]["name"] == "get_weather"
        assert isinstance(calls[0]["arguments"]["city"], str)
        assert set(calls[0]["arguments"]) == {"city"}

    def test_text_or_call_constraint(self, backend_case: BackendCase) -> None:
        constraint = Constraint(json_schema=CALL_SCHEMA, allow_text=True, key="conformance-auto")
        gen = backend_case.backend.generate(
            backend_case.prompt, GenerationParams(max_tokens=64, constraint=constraint)
        )
        stripped = gen.text.lstrip()
        if stripped[:1] in constraint.call_prefixes:
            calls = json.loads(gen.text)
            assert calls[0]["name"] == "get_weather"
        else:
            assert gen.text.strip(), "text output under an allow_text constraint is non-empty"


class KVReuseConformance:
    """For engines that keep a KV cache across generations (`reset_cache` forgets it)."""

    def test_extended_prompt_reuses_the_cache_token_exactly(
        self, backend_case: BackendCase
    ) -> None:
        backend = backend_case.backend
        params = backend_case.params()
        backend.reset_cache()
        first = backend.generate(backend_case.prompt, params)
        assert first.usage.evaluated_tokens == first.usage.prompt_tokens, "a cold cache"
        extended = backend_case.prompt + first.text + backend_case.follow_up
        warm = backend.generate(extended, params)
        assert warm.usage.prompt_tokens > first.usage.prompt_tokens
        new_tokens = warm.usage.prompt_tokens - first.usage.prompt_tokens
        # Only the new text (the reply and the follow-up, plus a token or two that an engine
        # may re-read at the boundary) is evaluated.
        assert warm.usage.evaluated_tokens <= new_tokens + 2
        assert warm.usage.evaluated_tokens < warm.usage.prompt_tokens
        backend.reset_cache()
        cold = backend.generate(extended, params)
        assert cold.usage.evaluated_tokens == cold.usage.prompt_tokens
        assert (warm.text, warm.usage.completion_tokens, warm.finish_reason) == (
            cold.text,
            cold.usage.completion_tokens,
            cold.finish_reason,
        )


#: The tool of the chat conformance tests, as an xLAM-style spec.
WEATHER_TOOL: dict[str, Any] = {
    "name": "get_weather",
    "description": "Get the current weather in a given location.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string", "description": "The city, e.g. London"}},
        "required": ["location"],
    },
}


@dataclass
class ChatCase:
    """A chat backend under test and a conversation that asks for the weather."""

    backend: ChatBackend
    messages: Sequence[Message | Mapping[str, Any]] = (
        Message.user("What is the weather like in London?"),
    )
    tools: Sequence[Mapping[str, Any]] = (WEATHER_TOOL,)
    max_tokens: int = 48

    def params(self) -> GenerationParams:
        return GenerationParams(max_tokens=self.max_tokens, temperature=0.0)

    def turn(self, tool_choice: str) -> tuple[Message, Generation]:
        async def one() -> tuple[Message, Generation]:
            return await self.backend.achat(
                self.messages, self.tools, self.params(), tool_choice=tool_choice
            )

        return anyio.run(one)


class ChatConformance:
    """For chat backends: `achat` returns an assistant Message and its Generation."""

    def test_a_turn_is_an_assistant_message_and_a_generation(self, chat_case: ChatCase) -> None:
        message, generation = chat_case.turn("auto")
        assert isinstance(message, Message) and message.role == "assistant"
        assert isinstance(generation, Generation)
        assert generation.finish_reason in FINISH_REASONS
        assert message.content or message.tool_calls
        assert isinstance(chat_case.backend.info.model_id, str) and chat_case.backend.info.model_id

    def test_a_forced_tool_gives_a_call_to_it(self, chat_case: ChatCase) -> None:
        message, generation = chat_case.turn("get_weather")
        assert message.role == "assistant"
        assert message.tool_calls, generation.text
        call = message.tool_calls[0]
        assert call.name == "get_weather"
        assert isinstance(call.arguments, dict)
        assert isinstance(call.arguments.get("location"), str)

    def test_a_turn_is_deterministic_at_temperature_zero(self, chat_case: ChatCase) -> None:
        first, _ = chat_case.turn("get_weather")
        second, _ = chat_case.turn("get_weather")
        assert [c.arguments for c in first.tool_calls] == [c.arguments for c in second.tool_calls]


__all__ = [
    "CALL_SCHEMA",
    "WEATHER_TOOL",
    "BackendCase",
    "BackendConformance",
    "ChatCase",
    "ChatConformance",
    "ConstrainedReplyConformance",
    "ConstraintConformance",
    "KVReuseConformance",
]
