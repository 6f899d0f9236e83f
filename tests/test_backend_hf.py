"""HFBackend: the shared conformance suite on tiny random models, plus loading, stops, streaming."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("xgrammar")

import time  # noqa: E402

import anyio  # noqa: E402
from backend_conformance import (  # noqa: E402
    BackendCase,
    BackendConformance,
    ConstraintConformance,
    KVReuseConformance,
)
from hf_helpers import (  # noqa: E402
    bias_toward_short_json,
    chatml,
    smol_tokenizer,
    tiny_backend,
    tiny_model,
)

from lamagent.backends import GenerationParams, load_model  # noqa: E402
from lamagent.backends._engine.stops import StopStream  # noqa: E402
from lamagent.backends.hf import HFBackend, resolve_dtype  # noqa: E402
from lamagent.backends.hf.decode import IncrementalDetokenizer  # noqa: E402
from lamagent.errors import (  # noqa: E402
    BackendError,
    ConfigError,
    ContextOverflowError,
    ModelLoadError,
)

PROMPT = chatml(("user", "What's the weather like in London?"))


@pytest.mark.parametrize("kind", ["llama", "qwen2"])
class TestHFConformance(BackendConformance, ConstraintConformance, KVReuseConformance):
    @pytest.fixture
    def backend_case(self, kind: str) -> BackendCase:
        model = tiny_model(kind, seed=1)
        bias_toward_short_json(model)
        backend = HFBackend(model, tokenizer=smol_tokenizer(), model_id=f"tiny-{kind}")
        return BackendCase(backend=backend, prompt=PROMPT, closes_constrained_output=True)


def test_model_info_comes_from_the_tokenizer_and_config() -> None:
    info = tiny_backend().info
    assert info.model_id == "tiny-llama"
    assert info.architecture == "LlamaForCausalLM" or info.architecture == "llama"
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.eos_token == "<|im_end|>"
    assert "<|im_end|>" in info.special_tokens.values()
    assert info.context_length == 4096


def test_load_model_picks_hf_for_a_checkpoint_folder(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "tiny"
    model = tiny_model("qwen2", seed=3)
    model.save_pretrained(folder)
    smol_tokenizer().save_pretrained(folder)
    backend = load_model(folder)
    assert isinstance(backend, HFBackend)
    assert backend.info.model_id == "tiny"
    # the defaults: the GPU in bf16 where one is visible, else the CPU in fp32
    on_gpu = torch.cuda.is_available()
    assert backend.device.type == ("cuda" if on_gpu else "cpu")
    assert backend.dtype == (torch.bfloat16 if on_gpu else torch.float32)
    again = HFBackend(model, tokenizer=smol_tokenizer())
    params = GenerationParams(max_tokens=8)
    assert backend.generate(PROMPT, params).text == again.generate(PROMPT, params).text


def test_a_missing_checkpoint_is_a_model_load_error(tmp_path: object) -> None:
    with pytest.raises(ModelLoadError, match="cannot load"):
        HFBackend(f"{tmp_path}/nothing-here")


def test_dtype_defaults_to_bf16_on_cuda_and_fp32_on_cpu() -> None:
    assert resolve_dtype(None, "cuda") == torch.bfloat16
    assert resolve_dtype(None, "cuda:1") == torch.bfloat16
    assert resolve_dtype(None, "cpu") == torch.float32
    assert resolve_dtype("bf16", "cpu") == torch.bfloat16
    assert resolve_dtype(torch.float16, "cpu") == torch.float16
    with pytest.raises(ConfigError, match="unknown dtype"):
        resolve_dtype("int3", "cpu")


def test_the_end_of_turn_token_stops_generation_without_appearing() -> None:
    backend = tiny_backend("llama", seed=2)
    eos = backend.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert eos in backend.stop_token_ids

    # Force the end-of-turn token as the 4th token through the output layer.
    calls = {"n": 0}

    def hook(_m: object, _i: object, out: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        if calls["n"] == 4:
            out = out.clone()
            out[..., eos] = 1e4
        return out

    handle = backend.model.get_output_embeddings().register_forward_hook(hook)
    try:
        gen = backend.generate(PROMPT, GenerationParams(max_tokens=20))
    finally:
        handle.remove()
    assert gen.finish_reason == "stop"
    assert gen.usage.completion_tokens == 4
    assert "<|im_end|>" not in gen.text and gen.text


def test_sampling_with_a_seed_is_reproducible_and_seeds_differ() -> None:
    backend = tiny_backend("qwen2", seed=4)
    texts = [
        backend.generate(PROMPT, GenerationParams(max_tokens=12, temperature=1.0, seed=s)).text
        for s in (7, 7, 8)
    ]
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]
    nucleus = backend.generate(
        PROMPT, GenerationParams(max_tokens=12, temperature=1.0, top_p=1e-6, seed=9)
    )
    greedy = backend.generate(PROMPT, GenerationParams(max_tokens=12))
    assert nucleus.text == greedy.text  # a tiny top_p keeps only the most likely token


def test_a_prompt_longer_than_the_context_is_refused() -> None:
    backend = tiny_backend()
    with pytest.raises(ContextOverflowError, match="context"):
        backend.generate("word " * 5000, GenerationParams(max_tokens=2))


def test_streaming_delivers_deltas_as_the_worker_produces_them() -> None:
    backend = tiny_backend("llama", seed=5)

    async def collect() -> list[object]:
        items: list[object] = []
        async for item in backend.astream(PROMPT, GenerationParams(max_tokens=16)):
            items.append(item)
        return items

    items = anyio.run(collect)
    deltas = [i for i in items if isinstance(i, str)]
    assert len(deltas) >= 8
    assert "".join(deltas) == items[-1].text  # type: ignore[attr-defined]


def test_incremental_detokenizer_never_splits_a_multibyte_character() -> None:
    tok = smol_tokenizer()
    text = "naïve café 😀 日本語 ok"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    # Byte-level BPE splits the emoji and the CJK characters over several tokens.
    assert any("\ufffd" in tok.decode([i]) for i in ids)
    detok = IncrementalDetokenizer(tok)
    deltas = [detok.push(i) for i in ids]
    deltas.append(detok.flush())
    assert "".join(deltas) == text
    assert not any("\ufffd" in d for d in deltas)


def test_stop_strings_are_held_back_until_decided() -> None:
    stops = StopStream(["</end>", "STOP"])
    assert stops.feed("hello </e") == ("hello ", False)
    assert stops.feed("xtra") == ("</extra", False)
    assert stops.feed(" ST") == (" ", False)
    assert stops.feed("OP more") == ("", True)
    assert stops.text == "hello </extra "


def test_cancelled_stream_frees_the_worker_for_the_next_request() -> None:
    backend = tiny_backend("llama", seed=6)

    async def first_delta_only() -> str:
        async for item in backend.astream(PROMPT, GenerationParams(max_tokens=200)):
            assert isinstance(item, str)
            return item
        return ""

    assert anyio.run(first_delta_only)
    gen = backend.generate(PROMPT, GenerationParams(max_tokens=4))
    assert gen.usage.completion_tokens == 4


def test_control_tokens_are_the_tokenizers_special_tokens() -> None:
    backend = tiny_backend()
    control = backend.info.control_tokens
    assert {"<|im_start|>", "<|im_end|>", "<|endoftext|>"} <= set(control)
    for text in control:  # each is one token of the vocabulary
        assert len(backend.tokenize(text)) == 1, text


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="max_batch_size"):
        tiny_backend(max_batch_size=0)


def test_an_engine_failure_is_a_backend_error_with_the_cause_chained() -> None:
    backend = tiny_backend("llama", seed=7)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("CUDA error: device-side assert triggered")

    handle = backend.model.register_forward_pre_hook(broken)
    try:
        with pytest.raises(BackendError, match=r"transformers failed.*CUDA error") as caught:
            backend.generate(PROMPT, GenerationParams(max_tokens=4))
    finally:
        handle.remove()
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert backend.generate(PROMPT, GenerationParams(max_tokens=4)).usage.completion_tokens == 4


def test_the_prefill_time_waits_for_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a GPU the forward returns before its kernels run; the prefill's clock stops only
    after the device has finished (a slow device shows in the prefill, not in the decode)."""
    from lamagent.backends.hf import decode as decode_module

    def slow_device(device: torch.device) -> None:
        time.sleep(0.3)

    backend = tiny_backend("llama", seed=2)
    monkeypatch.setattr(decode_module, "wait_for", slow_device)
    gen = backend.generate(PROMPT, GenerationParams(max_tokens=2))
    assert gen.timings["prefill"] >= 0.3


def test_waiting_for_the_device_synchronizes_accelerators_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lamagent.backends.hf.decode import wait_for

    synced: list[torch.device] = []
    monkeypatch.setattr(torch.accelerator, "synchronize", synced.append)
    wait_for(torch.device("cpu"))
    assert synced == []
    wait_for(torch.device("cuda:1"))
    assert synced == [torch.device("cuda:1")]
