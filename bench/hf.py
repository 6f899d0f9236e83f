"""Benchmark of the transformers backend: KV reuse, constrained decoding, batching.

    python bench/hf.py                       # real SmolLM2-135M, fp32 on CPU
    python bench/hf.py --model random-1b --dtype bf16 --device cuda   # on a GPU

Prints four tables (medians over --repeats): per-step prefill tokens and seconds of a 6-step
agent-like conversation with and without prefix reuse; decode tokens/s free vs constrained;
--concurrent generations batched vs one after another; and the decode loop's speed next to a
bare loop of forward passes on the same model (what the loop itself costs), with, on a GPU,
the kernel launches and the device's busy time per token from torch's profiler.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import anyio

from lamagent.backends import Constraint, Generation, GenerationParams
from lamagent.backends.hf import HFBackend

SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": 2,
    "items": {
        "type": "object",
        "properties": {
            "name": {"const": "get_weather"},
            "arguments": {
                "type": "object",
                "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
                "required": ["location"],
            },
        },
        "required": ["name", "arguments"],
    },
}


def load(args: argparse.Namespace) -> HFBackend:
    if args.model == "random-1b":
        import torch
        from transformers import AutoModelForCausalLM, LlamaConfig

        from lamagent.models import default_hf_checkpoint

        config = LlamaConfig(
            hidden_size=2048,
            intermediate_size=8192,
            num_hidden_layers=16,
            num_attention_heads=32,
            num_key_value_heads=8,
            vocab_size=49152,
            max_position_embeddings=8192,
            eos_token_id=2,
            bos_token_id=1,
        )
        dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype or "bf16"]
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
        return HFBackend(
            model,
            tokenizer=str(default_hf_checkpoint()),
            device=args.device,
            max_batch_size=args.concurrent,
        )
    from lamagent.models import default_hf_checkpoint

    path = args.model or str(default_hf_checkpoint())
    return HFBackend(path, dtype=args.dtype, device=args.device, max_batch_size=args.concurrent)


def turn(role: str, content: str) -> str:
    return f"<|im_start|>{role}\n{content}<|im_end|>\n"


def conversation(backend: HFBackend, steps: int, max_tokens: int) -> list[Generation]:
    history = turn("system", "You are a helpful assistant with a weather tool.")
    history += turn("user", "Plan a week of outings in London, one day at a time.")
    out = []
    for i in range(steps):
        gen = backend.generate(
            history + "<|im_start|>assistant\n", GenerationParams(max_tokens=max_tokens)
        )
        out.append(gen)
        history += "<|im_start|>assistant\n" + gen.text + "<|im_end|>\n"
        history += turn("tool", f'{{"day": {i + 1}, "forecast": "rain", "temperature": {12 + i}}}')
    return out


def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    print(f"\n{title}")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(" | ".join(f"{c:.3f}" if isinstance(c, float) else str(c) for c in row))


def bench_reuse(backend: HFBackend, args: argparse.Namespace) -> None:
    runs: dict[str, list[list[Generation]]] = {"reuse": [], "fresh": []}
    for _ in range(args.repeats):
        for name, enabled in (("reuse", True), ("fresh", False)):
            backend.reset_cache()
            backend._prefix.enabled = enabled
            runs[name].append(conversation(backend, args.steps, args.max_tokens))
    backend._prefix.enabled = True
    rows = []
    for i in range(args.steps):
        r = [g[i] for g in runs["reuse"]]
        f = [g[i] for g in runs["fresh"]]
        rows.append(
            [
                i + 1,
                r[0].usage.prompt_tokens,
                r[0].usage.evaluated_tokens,
                statistics.median(g.timings["prefill"] for g in r),
                f[0].usage.evaluated_tokens,
                statistics.median(g.timings["prefill"] for g in f),
            ]
        )
    table(
        "prefill per step, reuse vs none (median s)",
        ["step", "prompt tok", "reuse: prefilled", "reuse: s", "none: prefilled", "none: s"],
        rows,
    )


def bench_constrained(backend: HFBackend, args: argparse.Namespace) -> None:
    prompt = turn("user", "What's the weather like in London? Call get_weather.")
    prompt += "<|im_start|>assistant\n"
    rows = []
    for name, constraint in (
        ("free", None),
        ("json call", Constraint(json_schema=SCHEMA, key="bench-json")),
        ("text or call", Constraint(json_schema=SCHEMA, allow_text=True, key="bench-auto")),
    ):
        rates, toks = [], []
        for _ in range(args.repeats):
            backend.reset_cache()
            g = backend.generate(
                prompt, GenerationParams(max_tokens=args.max_tokens, constraint=constraint)
            )
            rates.append(g.usage.completion_tokens / max(g.timings["decode"], 1e-9))
            toks.append(g.usage.completion_tokens)
        rows.append([name, statistics.median(toks), statistics.median(rates)])
    table("decode speed, free vs constrained (median)", ["mode", "tokens", "tokens/s"], rows)


async def _concurrent(backend: HFBackend, prompts: list[str], max_tokens: int) -> float:
    t0 = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for p in prompts:
            tg.start_soon(backend.agenerate, p, GenerationParams(max_tokens=max_tokens))
    return time.perf_counter() - t0


def bench_batching(backend: HFBackend, args: argparse.Namespace) -> None:
    prompts = [
        turn("user", f"Tell me a fact about the number {i}.") + "<|im_start|>assistant\n"
        for i in range(args.concurrent)
    ]
    n_tokens = args.concurrent * args.max_tokens
    batched, serial = [], []
    for _ in range(args.repeats):
        batched.append(anyio.run(_concurrent, backend, prompts, args.max_tokens))
        t0 = time.perf_counter()
        for p in prompts:
            backend.generate(p, GenerationParams(max_tokens=args.max_tokens))
        serial.append(time.perf_counter() - t0)
    b, s = statistics.median(batched), statistics.median(serial)
    table(
        f"{args.concurrent} concurrent generations of {args.max_tokens} tokens (median)",
        ["mode", "seconds", "tokens/s (upper bound)"],
        [["batched", b, n_tokens / b], ["one after another", s, n_tokens / s]],
    )
    print(f"batch sizes seen: {sorted(set(backend.batch_sizes))}")


def _bare_rate(backend: HFBackend, prompt: str, tokens: int) -> float:
    """Tokens/s of the plainest greedy loop: one forward per token, argmax, read back."""
    import torch
    from transformers import DynamicCache

    model, device = backend.model, backend.device
    ids = backend.tokenizer(prompt, return_tensors="pt").input_ids.to(device)
    with torch.inference_mode():
        cache = DynamicCache(config=model.config)
        out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        t0 = time.perf_counter()
        for _ in range(tokens):
            out = model(input_ids=token, past_key_values=cache, use_cache=True, logits_to_keep=1)
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            int(token.item())
        return tokens / (time.perf_counter() - t0)


def bench_overhead(backend: HFBackend, args: argparse.Namespace) -> None:
    prompt = turn("user", "Tell me about the weather in London, in detail.")
    prompt += "<|im_start|>assistant\n"
    params = GenerationParams(max_tokens=args.max_tokens)
    bare, loop, tokens = [], [], []
    for _ in range(args.repeats):
        bare.append(_bare_rate(backend, prompt, args.max_tokens))
        backend.reset_cache()
        g = backend.generate(prompt, params)
        loop.append(g.usage.completion_tokens / max(g.timings["decode"], 1e-9))
        tokens.append(g.usage.completion_tokens)
    table(
        "decode loop vs bare forward loop (median)",
        ["loop", "tokens", "tokens/s"],
        [
            ["bare: forward, argmax, read back", args.max_tokens, statistics.median(bare)],
            ["HFBackend.generate", statistics.median(tokens), statistics.median(loop)],
        ],
    )
    if backend.device.type != "cuda":
        return
    import torch
    from torch.profiler import ProfilerActivity, profile

    backend.reset_cache()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        g = backend.generate(prompt, params)
    events = prof.key_averages()
    launches = sum(e.count for e in events if "LaunchKernel" in e.key)
    busy_us = sum(e.self_device_time_total for e in events if e.device_type.name == "CUDA")
    n = max(g.usage.completion_tokens + 1, 1)  # the prefill is one more forward
    torch.cuda.synchronize()
    print(
        f"per forward: {launches / n:.0f} kernel launches, device busy "
        f"{busy_us / n / 1000:.2f} ms of {g.timings['total'] / n * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="checkpoint folder, or random-1b")
    parser.add_argument("--dtype", default=None, help="fp32, bf16, fp16 (default: per device)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--only", choices=["reuse", "constrained", "batching", "overhead"], default=None
    )
    args = parser.parse_args()
    backend = load(args)
    print(f"model={backend.info.model_id} dtype={backend.dtype} device={backend.device}")
    if args.only in (None, "reuse"):
        bench_reuse(backend, args)
    if args.only in (None, "constrained"):
        bench_constrained(backend, args)
    if args.only in (None, "batching"):
        bench_batching(backend, args)
    if args.only in (None, "overhead"):
        bench_overhead(backend, args)


if __name__ == "__main__":
    main()
