"""LlamaCppBackend on the real engine and the embedded SmolLM2 GGUF.

The shared conformance suite, then what is particular to llama.cpp: clear load errors, prefix
reuse of the KV cache, stop strings across tokens, UTF-8 across tokens, grammars.
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import anyio
import pytest

pytest.importorskip("llama_cpp")

from backend_conformance import (
    CALL_SCHEMA,
    BackendCase,
    BackendConformance,
    ConstraintConformance,
    KVReuseConformance,
)
from gguf_model import STORY, TEST_THREADS, chatml, shared_backend

from lamagent.backends import Constraint, Generation, GenerationParams, load_model
from lamagent.backends.llamacpp import LlamaCppBackend, available_cores
from lamagent.errors import (
    BackendError,
    ConfigError,
    ConstraintError,
    ContextOverflowError,
    ModelLoadError,
)
from lamagent.models import default_gguf_path

pytestmark = pytest.mark.gguf

PROMPT = chatml("Write two sentences about the sea.")


class TestLlamaCppConformance(BackendConformance, ConstraintConformance, KVReuseConformance):
    @pytest.fixture(scope="class")
    def backend_case(self) -> BackendCase:
        return BackendCase(
            backend=shared_backend(),
            prompt=PROMPT,
            max_tokens=24,
            closes_constrained_output=True,
            follow_up="<|im_end|>\n<|im_start|>user\nAnd about rivers?<|im_end|>\n"
            "<|im_start|>assistant\n",
            long_prompt=STORY,
        )


# -- loading and metadata --------------------------------------------------------------------


def test_info_comes_from_the_gguf_metadata() -> None:
    info = shared_backend().info
    assert info.architecture == "llama"
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.bos_token == "<|im_start|>"
    assert info.eos_token == "<|im_end|>"
    assert info.special_tokens["<|im_end|>"] == "<|im_end|>"
    assert info.context_length == 4096  # the window it was loaded with (trained: 8192)


def test_threads_default_to_the_cores_available() -> None:
    assert available_cores() >= 1
    backend = LlamaCppBackend(default_gguf_path(), n_ctx=256)
    assert backend.n_threads == available_cores()


def test_load_model_reaches_llamacpp_for_a_path_and_for_the_default() -> None:
    assert isinstance(load_model(str(default_gguf_path()), n_ctx=256), LlamaCppBackend)
    default = load_model(None, n_ctx=256, n_threads=TEST_THREADS)
    assert isinstance(default, LlamaCppBackend)
    assert default.path == default_gguf_path()


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        LlamaCppBackend(tmp_path / "nothing.gguf")


def test_text_file_named_gguf_is_rejected_before_llamacpp(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_text("this is not a model\n")
    with pytest.raises(ModelLoadError, match=r"not a GGUF model file.*convert_hf_to_gguf"):
        LlamaCppBackend(fake)


@pytest.mark.parametrize("keep", [3, 100, 4096, 50_000_000])
def test_truncated_file_is_reported_as_truncated(tmp_path: Path, keep: int) -> None:
    cut = tmp_path / "cut.gguf"
    with default_gguf_path().open("rb") as src, cut.open("wb") as dst:
        dst.write(src.read(keep))
    with pytest.raises(ModelLoadError, match=r"truncated|not a GGUF"):
        LlamaCppBackend(cut)


def test_unsupported_architecture_names_it(tmp_path: Path) -> None:
    gguf = pytest.importorskip("gguf")
    import numpy as np

    path = tmp_path / "alien.gguf"
    writer = gguf.GGUFWriter(str(path), "alienformer")
    writer.add_block_count(1)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ModelLoadError, match=r"architecture 'alienformer'.*upgrade"):
        LlamaCppBackend(path)


def test_missing_lora_adapter_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="LoRA adapter not found"):
        LlamaCppBackend(default_gguf_path(), lora_path=tmp_path / "adapter.gguf")


def test_prompt_longer_than_the_context_is_a_clear_error() -> None:
    small = LlamaCppBackend(default_gguf_path(), n_ctx=128, n_threads=TEST_THREADS)
    with pytest.raises(ContextOverflowError, match=r"context window holds 128.*n_ctx"):
        small.generate(chatml("hello " * 200))
    # A prompt that fits is still served, and max_tokens is clipped to the room left.
    gen = small.generate(chatml("hello " * 40), GenerationParams(max_tokens=500))
    assert gen.usage.prompt_tokens + gen.usage.completion_tokens <= 128


# -- KV cache reuse -----------------------------------------------------------------------------


def test_a_prompt_that_extends_the_last_one_evaluates_only_the_new_tokens() -> None:
    backend = shared_backend()
    backend.reset_cache()
    first = backend.generate(PROMPT, GenerationParams(max_tokens=16))
    assert first.usage.evaluated_tokens == first.usage.prompt_tokens
    follow = PROMPT + first.text + "<|im_end|>\n<|im_start|>user\nAnd about rivers?<|im_end|>\n"
    follow += "<|im_start|>assistant\n"
    second = backend.generate(follow, GenerationParams(max_tokens=16))
    # New text of the prompt: the model's own reply (re-read in a batch) and the next turn.
    new_tokens = second.usage.prompt_tokens - first.usage.prompt_tokens
    assert second.usage.evaluated_tokens <= new_tokens + 2
    same = backend.generate(follow, GenerationParams(max_tokens=16))
    assert same.usage.evaluated_tokens == 2  # the last tokens are re-read, in one batch
    assert same.text == second.text
    backend.reset_cache()
    cold = backend.generate(follow, GenerationParams(max_tokens=16))
    assert cold.usage.evaluated_tokens == cold.usage.prompt_tokens
    assert cold.text == second.text


def test_a_diverging_prompt_reuses_the_common_prefix_only() -> None:
    backend = shared_backend()
    backend.generate(chatml("Name a colour."), GenerationParams(max_tokens=4))
    other = chatml("Name a fruit.")
    gen = backend.generate(other, GenerationParams(max_tokens=4))
    assert 0 < gen.usage.evaluated_tokens < gen.usage.prompt_tokens
    assert gen.usage.evaluated_tokens <= 8


# -- streaming details -------------------------------------------------------------------------


def test_a_stop_string_spanning_tokens_is_held_back_and_removed() -> None:
    backend = shared_backend()
    full = backend.generate(PROMPT, GenerationParams(max_tokens=32)).text
    words = full.split()
    stop = f"{words[2]} {words[3]}"  # spans at least two tokens
    items = list(backend.stream(PROMPT, GenerationParams(max_tokens=32, stop=[stop])))
    deltas = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert isinstance(final, Generation)
    assert final.text == full[: full.index(stop)]
    assert all(stop not in d for d in deltas)
    assert "".join(deltas) == final.text


def test_multibyte_characters_are_never_split() -> None:
    backend = shared_backend()
    word = "猫 café ☕ naïve 🐱"
    # A grammar that allows only this string makes the model spell it with byte-level tokens,
    # some of which carry part of a character.
    constraint = Constraint(json_schema={"enum": [word]}, key="multibyte")
    prompt = chatml("Say something about cats.")
    items = list(backend.stream(prompt, GenerationParams(max_tokens=40, constraint=constraint)))
    deltas = [i for i in items if isinstance(i, str)]
    final = items[-1]
    assert isinstance(final, Generation)
    assert json.loads(final.text) == word
    assert final.usage.completion_tokens > len(word.split())
    assert "\ufffd" not in final.text
    assert all("\ufffd" not in d for d in deltas)
    assert "".join(deltas) == final.text


def test_leaving_a_stream_early_frees_the_model_for_the_next_call() -> None:
    backend = shared_backend()

    async def first_delta_then_leave() -> str:
        agen = backend.astream(PROMPT, GenerationParams(max_tokens=64))
        async for item in agen:
            assert isinstance(item, str)
            break
        await agen.aclose()  # type: ignore[attr-defined]
        gen = await backend.agenerate(PROMPT, GenerationParams(max_tokens=8))
        return gen.text

    assert anyio.run(first_delta_then_leave)


def test_tokens_are_generated_off_the_event_loop() -> None:
    """While the model decodes, other tasks keep running (the loop is not blocked)."""
    backend = shared_backend()
    ticks: list[float] = []

    async def main() -> None:
        async def ticker() -> None:
            while True:
                ticks.append(anyio.current_time())
                await anyio.sleep(0.01)

        async with anyio.create_task_group() as tg:
            tg.start_soon(ticker)
            await backend.agenerate(PROMPT, GenerationParams(max_tokens=32))
            tg.cancel_scope.cancel()

    anyio.run(main)
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 5 and max(gaps) < 0.25


# -- constrained decoding ---------------------------------------------------------------------


def test_constrained_call_on_the_weather_question() -> None:
    schema = {
        "type": "array",
        "minItems": 1,
        "maxItems": 4,
        "items": {
            "type": "object",
            "properties": {
                "name": {"const": "get_weather"},
                "arguments": {
                    "type": "object",
                    "properties": {
                        "location": {"type": "string"},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["location"],
                    "additionalProperties": False,
                },
            },
            "required": ["name", "arguments"],
            "additionalProperties": False,
        },
    }
    gen = shared_backend().generate(
        chatml("What's the weather like in London?"),
        GenerationParams(max_tokens=60, constraint=Constraint(json_schema=schema)),
    )
    calls = json.loads(gen.text)
    assert calls[0]["name"] == "get_weather"
    assert "london" in calls[0]["arguments"]["location"].lower()


def test_unknown_schema_words_fail_loudly_instead_of_unconstraining() -> None:
    bad = {"type": "array", "items": {"type": "dict", "properties": {"name": {"const": "f"}}}}
    with pytest.raises(ConstraintError, match="normalize_schema"):
        shared_backend().generate(PROMPT, GenerationParams(constraint=Constraint(json_schema=bad)))


def test_grammars_are_compiled_once_per_constraint_key() -> None:
    backend = shared_backend()
    constraint = Constraint(json_schema=CALL_SCHEMA, key="once")
    before = len(backend._grammars)
    for _ in range(2):
        backend.generate(PROMPT, GenerationParams(max_tokens=24, constraint=constraint))
    assert len(backend._grammars) == before + 1


def test_text_alternative_never_starts_like_a_call() -> None:
    constraint = Constraint(json_schema=CALL_SCHEMA, allow_text=True, key="text-or-call")
    gen = shared_backend().generate(
        chatml("Say hello in French."), GenerationParams(max_tokens=16, constraint=constraint)
    )
    first = gen.text.lstrip()[:1]
    if first in ("[", "{"):
        json.loads(gen.text)
    else:
        assert gen.text.strip()


def test_text_only_constraint_forbids_a_call_opening() -> None:
    constraint = Constraint(allow_text=True, call_prefixes=("[", "{", "T"), key="no-call")
    gen = shared_backend().generate(
        chatml('Reply with exactly: [{"name": "x"}]'),
        GenerationParams(max_tokens=12, constraint=constraint),
    )
    assert gen.text.lstrip()[:1] not in ("[", "{", "T")


def test_copy_of_the_model_file_loads_like_the_original(tmp_path: Path) -> None:
    copy = tmp_path / "copy.gguf"
    shutil.copy(default_gguf_path(), copy)
    backend = LlamaCppBackend(copy, n_ctx=256, n_threads=TEST_THREADS)
    ref = shared_backend().generate(PROMPT, GenerationParams(max_tokens=8)).text
    assert backend.generate(PROMPT, GenerationParams(max_tokens=8)).text == ref


# -- the shared contract: control tokens, settings, engine errors ---------------------------


def test_control_tokens_are_every_special_token_of_the_vocabulary() -> None:
    backend = shared_backend()
    control = backend.info.control_tokens
    assert {"<|im_start|>", "<|im_end|>", "<|endoftext|>"} <= set(control)
    assert "hello" not in control and len(control) == len(set(control))
    for text in control:  # each parses as one token when special parsing is on
        assert len(backend.tokenize(text)) == 1, text


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="n_ctx"):
        LlamaCppBackend(default_gguf_path(), n_ctx=0)
    with pytest.raises(ValueError, match="n_batch"):
        LlamaCppBackend(default_gguf_path(), n_batch=0)


def test_an_engine_failure_is_a_backend_error_with_the_cause_chained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = LlamaCppBackend(default_gguf_path(), n_ctx=256, n_threads=TEST_THREADS)

    def broken_eval(tokens: object) -> None:
        raise RuntimeError("llama_decode returned -1")

    monkeypatch.setattr(backend._llm, "eval", broken_eval)
    with pytest.raises(BackendError, match=r"llama\.cpp failed.*llama_decode") as caught:
        backend.generate(PROMPT, GenerationParams(max_tokens=4))
    assert isinstance(caught.value.__cause__, RuntimeError)
    monkeypatch.undo()
    backend.reset_cache()
    assert backend.generate(PROMPT, GenerationParams(max_tokens=4)).usage.completion_tokens == 4
