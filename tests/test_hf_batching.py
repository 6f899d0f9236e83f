"""Batching in the HF backend: a batched greedy output equals the unbatched one, per sequence."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import anyio  # noqa: E402
from hf_helpers import bias_toward_short_json, chatml, smol_tokenizer, tiny_model  # noqa: E402

from lamagent.backends import Constraint, Generation, GenerationParams  # noqa: E402
from lamagent.backends.hf import HFBackend  # noqa: E402

PROMPTS = [
    chatml(("user", "hi")),
    chatml(("system", "You are terse."), ("user", "What's the weather like in London today?")),
    chatml(("user", "Count to ten, please, slowly and carefully, one number per line.")),
    chatml(("user", "¿Qué tiempo hace en Madrid? 日本語も")),
    chatml(("user", "a" * 3)),
]


def run_concurrently(
    backend: HFBackend, prompts: list[str], params: list[GenerationParams]
) -> list[Generation]:
    results: list[Generation | None] = [None] * len(prompts)

    async def one(i: int) -> None:
        results[i] = await backend.agenerate(prompts[i], params[i])

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for i in range(len(prompts)):
                tg.start_soon(one, i)

    anyio.run(main)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def backend_pair(kind: str, **kwargs: object) -> tuple[HFBackend, HFBackend]:
    model = tiny_model(kind, seed=31)
    tok = smol_tokenizer()
    batched = HFBackend(model, tokenizer=tok, batch_window=0.2, **kwargs)  # type: ignore[arg-type]
    single = HFBackend(model, tokenizer=tok, max_batch_size=1, prefix_cache=False)
    return batched, single


@pytest.mark.parametrize("kind", ["llama", "qwen2"])
def test_batched_greedy_equals_unbatched_greedy(kind: str) -> None:
    batched, single = backend_pair(kind)
    # different lengths, and sequences that finish at different steps
    params = [GenerationParams(max_tokens=n) for n in (6, 14, 10, 3, 12)]
    together = run_concurrently(batched, PROMPTS, params)
    assert max(batched.batch_sizes) > 1, batched.batch_sizes
    alone = [single.generate(p, q) for p, q in zip(PROMPTS, params, strict=True)]
    assert [g.text for g in together] == [g.text for g in alone]
    assert [g.usage.completion_tokens for g in together] == [n.max_tokens for n in params]
    for g, p in zip(together, PROMPTS, strict=True):
        assert g.usage.evaluated_tokens == g.usage.prompt_tokens == len(single.tokenize(p))


def test_a_batch_mixes_constrained_sampled_and_stopped_sequences() -> None:
    model = tiny_model("qwen2", seed=32)
    bias_toward_short_json(model)
    tok = smol_tokenizer()
    batched = HFBackend(model, tokenizer=tok, batch_window=0.2)
    single = HFBackend(model, tokenizer=tok, max_batch_size=1, prefix_cache=False)
    arguments = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
    schema = {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": {
            "type": "object",
            "properties": {"name": {"const": "f"}, "arguments": arguments},
            "required": ["name", "arguments"],
        },
    }
    free = single.generate(PROMPTS[2], GenerationParams(max_tokens=16)).text
    stop = free[5:8]
    params = [
        GenerationParams(max_tokens=40, constraint=Constraint(json_schema=schema, key="f")),
        GenerationParams(max_tokens=10, temperature=1.0, seed=5),
        GenerationParams(max_tokens=16, stop=[stop]),
        GenerationParams(max_tokens=8),
    ]
    prompts = [PROMPTS[0], PROMPTS[1], PROMPTS[2], PROMPTS[3]]
    together = run_concurrently(batched, prompts, params)
    assert max(batched.batch_sizes) > 1
    alone = [single.generate(p, q) for p, q in zip(prompts, params, strict=True)]
    assert [g.text for g in together] == [g.text for g in alone]
    assert json.loads(together[0].text)[0]["name"] == "f"
    assert together[2].text == free[: free.find(stop)] and together[2].finish_reason == "stop"


def test_batches_never_exceed_max_batch_size() -> None:
    model = tiny_model("llama", seed=33)
    backend = HFBackend(model, tokenizer=smol_tokenizer(), max_batch_size=2, batch_window=0.2)
    params = [GenerationParams(max_tokens=3)] * 5
    gens = run_concurrently(backend, [PROMPTS[i % 5] for i in range(5)], params)
    assert len(gens) == 5
    assert max(backend.batch_sizes) == 2
    assert sum(backend.batch_sizes) == 5


def test_single_requests_after_a_batch_still_reuse_the_cache() -> None:
    model = tiny_model("llama", seed=34)
    backend = HFBackend(model, tokenizer=smol_tokenizer(), batch_window=0.2)
    backend.generate(PROMPTS[1], GenerationParams(max_tokens=4))
    run_concurrently(backend, PROMPTS[:3], [GenerationParams(max_tokens=4)] * 3)
    again = backend.generate(PROMPTS[1], GenerationParams(max_tokens=4))
    assert again.usage.evaluated_tokens == 1  # the single-sequence cache survived the batch
