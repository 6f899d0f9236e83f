"""Prefix KV-cache reuse: greedy outputs with reuse equal outputs without it, token for token."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from hf_helpers import chatml, smol_tokenizer, tiny_backend  # noqa: E402
from transformers import DynamicCache  # noqa: E402

from lamagent.backends import GenerationParams  # noqa: E402
from lamagent.backends._engine.prefix import common_prefix_length  # noqa: E402
from lamagent.backends.hf import HFBackend  # noqa: E402
from lamagent.backends.hf.cache import PrefixCache  # noqa: E402

PARAMS = GenerationParams(max_tokens=12)


def agent_like_run(backend: HFBackend, steps: int = 4) -> list[tuple[str, int, int, str]]:
    """A growing conversation: each prompt is the last one + the model's output + a new turn."""
    turns: list[tuple[str, str]] = [("system", "You call tools."), ("user", "Weather in London?")]
    out = []
    for i in range(steps):
        prompt = chatml(*turns)
        gen = backend.generate(prompt, PARAMS)
        out.append((gen.text, gen.usage.prompt_tokens, gen.usage.evaluated_tokens, prompt))
        turns += [("assistant", gen.text), ("tool", f'{{"temperature": {20 + i}}}')]
    return out


def test_common_prefix_length() -> None:
    assert common_prefix_length([1, 2, 3], [1, 2, 4]) == 2
    assert common_prefix_length([1, 2], [1, 2, 3]) == 2
    assert common_prefix_length([], [1]) == 0
    assert common_prefix_length([5], [6]) == 0


def test_plan_crops_to_the_common_prefix_and_always_leaves_a_token() -> None:
    cache = DynamicCache()
    k = torch.zeros(1, 2, 6, 4)
    cache.update(k, k, 0)
    prefix = PrefixCache()
    prefix.commit(cache, [1, 2, 3, 4, 5, 6])
    plan = prefix.plan([1, 2, 3, 9, 9])
    assert plan.reused == 3 and plan.new_ids == [9, 9]
    assert plan.cache.get_seq_length() == 3
    assert prefix.cache is None  # handed out until committed again
    prefix.commit(plan.cache, [1, 2, 3])
    same = prefix.plan([1, 2, 3])
    assert same.reused == 2 and same.new_ids == [3]
    assert same.cache.get_seq_length() == 2


def test_commit_with_a_mismatched_length_forgets_the_cache() -> None:
    cache = DynamicCache()
    k = torch.zeros(1, 2, 3, 4)
    cache.update(k, k, 0)
    prefix = PrefixCache()
    prefix.commit(cache, [1, 2])
    assert prefix.cache is None and prefix.ids == []


@pytest.mark.parametrize("kind", ["llama", "qwen2"])
def test_reuse_gives_the_same_greedy_tokens_and_prefills_less(kind: str) -> None:
    reuse = agent_like_run(tiny_backend(kind, seed=11))
    fresh = agent_like_run(tiny_backend(kind, seed=11, prefix_cache=False))
    assert [r[0] for r in reuse] == [r[0] for r in fresh]
    for _, prompt, evaluated, _ in fresh:
        assert evaluated == prompt
    assert reuse[0][2] == reuse[0][1]
    backend = tiny_backend(kind, seed=11)
    for step, (_, prompt, evaluated, text) in enumerate(reuse[1:], 1):
        # The cache holds at least the previous prompt: everything it shares with the new one
        # is reused (random output need not re-tokenise to the same ids, so it may not be).
        shared = common_prefix_length(backend.tokenize(reuse[step - 1][3]), backend.tokenize(text))
        assert shared > reuse[step - 1][1] - 3
        assert 0 < evaluated <= prompt - shared, (step, prompt, evaluated)


def test_edited_history_reuses_only_the_unchanged_prefix() -> None:
    backend = tiny_backend("llama", seed=12)
    a = chatml(("system", "You call tools."), ("user", "Weather in London?"))
    b = chatml(("system", "You call tools."), ("user", "Weather in Paris?"))
    backend.generate(a, PARAMS)
    gen = backend.generate(b, PARAMS)
    ids_a, ids_b = backend.tokenize(a), backend.tokenize(b)
    assert gen.usage.evaluated_tokens == len(ids_b) - common_prefix_length(ids_a, ids_b)
    fresh = tiny_backend("llama", seed=12, prefix_cache=False).generate(b, PARAMS)
    assert gen.text == fresh.text


def test_a_text_prefix_that_is_not_a_token_prefix_still_matches() -> None:
    backend = tiny_backend("qwen2", seed=13)
    tok = smol_tokenizer()
    first, second = "<|im_start|>user\nHello wor", "<|im_start|>user\nHello world"
    # the text extends, but " wor" + "ld" is tokenised as the one token " world"
    ids1, ids2 = tok(first)["input_ids"], tok(second)["input_ids"]
    assert ids2[: len(ids1)] != ids1
    backend.generate(first, PARAMS)
    gen = backend.generate(second, PARAMS)
    assert gen.usage.evaluated_tokens == len(ids2) - common_prefix_length(ids1, ids2)
    fresh = tiny_backend("qwen2", seed=13, prefix_cache=False).generate(second, PARAMS)
    assert gen.text == fresh.text


def test_reset_cache_makes_the_next_prompt_prefill_from_scratch() -> None:
    backend = tiny_backend("llama", seed=14)
    prompt = chatml(("user", "hi"))
    backend.generate(prompt, PARAMS)
    assert backend.generate(prompt, PARAMS).usage.evaluated_tokens == 1
    backend.reset_cache()
    gen = backend.generate(prompt, PARAMS)
    assert gen.usage.evaluated_tokens == gen.usage.prompt_tokens
