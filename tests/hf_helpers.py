"""Tiny random transformers models for the HF backend's tests.

The tokenizer is the real SmolLM2 one (from the converted default checkpoint, vocab 49152), so
prompts, stop tokens and xgrammar's vocabulary are realistic; the weights are random (hidden
size 64, two layers), so a forward pass costs milliseconds and the outputs mean nothing.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

from lamagent.backends.hf import HFBackend
from lamagent.models import default_hf_checkpoint

KINDS = ("llama", "qwen2")


@functools.lru_cache(maxsize=1)
def smol_tokenizer() -> Any:
    """The SmolLM2 tokenizer (ChatML, eos = <|im_end|>)."""
    return AutoTokenizer.from_pretrained(str(default_hf_checkpoint()))


def tiny_model(kind: str = "llama", seed: int = 0) -> Any:
    """A random 2-layer model of the given architecture over the SmolLM2 vocabulary."""
    tok = smol_tokenizer()
    common: dict[str, Any] = {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": len(tok),
        "max_position_embeddings": 4096,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 2,
        "tie_word_embeddings": True,
    }
    config: Any = LlamaConfig(**common) if kind == "llama" else Qwen2Config(**common)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    return model.eval()


def tiny_backend(kind: str = "llama", seed: int = 0, **kwargs: Any) -> HFBackend:
    """An HFBackend over a tiny random model."""
    return HFBackend(
        tiny_model(kind, seed), tokenizer=smol_tokenizer(), model_id=f"tiny-{kind}", **kwargs
    )


def bias_toward_short_json(model: Any, strength: float = 10.0) -> None:
    """Make a random model prefer tokens that close JSON values, and avoid bare whitespace.

    A random model under a grammar mask picks uniformly among thousands of allowed string
    tokens, so strings rarely end within a test's token budget. Raising the logits of tokens
    that contain a quote, a comma or a closing bracket makes the constrained output finish
    quickly; the grammar mask alone still decides what is *allowed*, which is what the tests
    check. Unconstrained, the same model writes unparseable punctuation.
    """
    bias = _short_json_bias(model.config.vocab_size, strength)

    def hook(_module: Any, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
        return output + bias.to(output.device, output.dtype)

    model.get_output_embeddings().register_forward_hook(hook)


@functools.lru_cache(maxsize=4)
def _short_json_bias(vocab: int, strength: float) -> torch.Tensor:
    tokenizer = smol_tokenizer()
    bias = torch.zeros(vocab)
    texts = tokenizer.batch_decode([[i] for i in range(min(vocab, len(tokenizer)))])
    for token_id, text in enumerate(texts):
        if '"' in text:
            bias[token_id] = 1.5 * strength
        elif any(c in text for c in "}],"):
            bias[token_id] = strength
        elif text and not text.strip():
            bias[token_id] = -strength
    return bias


def chatml(*turns: tuple[str, str]) -> str:
    """A ChatML prompt of (role, content) turns, ending with the assistant's generation prompt."""
    body = "".join(f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in turns)
    return body + "<|im_start|>assistant\n"
