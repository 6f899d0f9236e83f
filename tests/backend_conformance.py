"""The conformance suite every Backend must pass.

A backend's test module subclasses `BackendConformance` (and `ConstraintConformance` when the
backend honours `GenerationParams.constraint`: that mixin is the capability flag, so a backend
without constraints simply does not include those tests) and provides a `backend_case` fixture:

    class TestMyBackend(BackendConformance, ConstraintConformance):
        @pytest.fixture(scope="class")
        def backend_case(self) -> BackendCase:
            return BackendCase(backend=MyBackend(...), prompt="...")

The tests make no assumption about *what* the model says, only that greedy decoding is
deterministic: a reference generation is compared with streamed, stopped, truncated and
concurrent generations of the same prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio

from lamagent.backends import Backend, Constraint, Generation, GenerationParams

FINISH_REASONS = {"stop", "length", "error"}


@dataclass
class BackendCase:
    """A backend under test and a prompt that makes it write at least a dozen characters."""

    backend: Backend
    prompt: str
    max_tokens: int = 24
    extra: dict[str, Any] = field(default_factory=dict)

    def params(self, **overrides: Any) -> GenerationParams:
        return GenerationParams(max_tokens=self.max_tokens, temperature=0.0, **overrides)

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


class ConstraintConformance:
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


__all__ = ["CALL_SCHEMA", "BackendCase", "BackendConformance", "ConstraintConformance"]
