"""On-device numbers for the llama.cpp backend, each against a baseline measured in the same run.

    python bench/gguf.py                 # decode, prefill reuse, grammar cost, peak RSS
    python bench/gguf.py --only decode --threads 1 --repeats 5

Decode is measured on three paths side by side: `astream` consumed on an event loop (the path
the agent and users take: engine thread, thread bridge, consumer), `generate_blocking` (the
same decoding loop without any hand-off), and a bare llama-cpp-python loop (the baseline).
    python bench/gguf.py --validity 50   # also: BFCL outputs that parse and verify, with and
                                         # without constrained decoding (50 cases per category)

Measurements alternate with their baselines (A, B, A, B, ...) and report medians, because the
machines this runs on are shared and noisy. Threads default to the cores this process may use.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from lamagent.backends.base import Generation, GenerationParams  # noqa: E402
from lamagent.backends.llamacpp import LlamaCppBackend, available_cores  # noqa: E402
from lamagent.formats import get as get_format  # noqa: E402
from lamagent.messages import Message, ToolCall  # noqa: E402
from lamagent.models import default_gguf_path  # noqa: E402
from lamagent.tools import Tool  # noqa: E402

STORY = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    "Write a long story about a lighthouse keeper and a storm.<|im_end|>\n<|im_start|>assistant\n"
)
WEATHER = Tool.from_spec(
    {
        "name": "get_weather",
        "description": "Current weather for a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "the city"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    }
)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def row(name: str, value: str, baseline: str, ratio: str, target: str = "") -> None:
    print(f"{name:<44} {value:>14} {baseline:>14} {ratio:>8}  {target}")


# -- decode: lamagent vs a bare llama-cpp-python loop -----------------------------------------


def bare_decode(backend: LlamaCppBackend, prompt: str, max_tokens: int) -> tuple[int, float]:
    """llama-cpp-python's own greedy `generate` loop on the same context, prompt pre-evaluated."""
    import llama_cpp

    llm = backend._llm
    tokens = backend.tokenize(prompt)
    llm.reset()
    llm.eval(tokens)
    count = 0
    start = time.perf_counter()
    for token in llm.generate(tokens, temp=0.0, top_k=1):
        if llama_cpp.llama_vocab_is_eog(backend._vocab, token):
            break
        count += 1
        if count >= max_tokens:
            break
    return count, time.perf_counter() - start


def stream_decode(backend: LlamaCppBackend, prompt: str, max_tokens: int) -> tuple[int, float]:
    """The path users take: `astream` consumed on an event loop (engine thread + bridge).

    Timed on the consumer's side, from the call to the final Generation, less the prefill the
    engine reports: what a user iterating `astream` sees.
    """
    import anyio

    async def consume() -> tuple[int, float]:
        start = time.perf_counter()
        final = None
        async for item in backend.astream(prompt, GenerationParams(max_tokens=max_tokens)):
            if isinstance(item, Generation):
                final = item
        assert final is not None
        wall = time.perf_counter() - start
        return final.usage.completion_tokens, wall - final.timings["prefill"]

    return anyio.run(consume)


def blocking_decode(backend: LlamaCppBackend, prompt: str, max_tokens: int) -> tuple[int, float]:
    """lamagent's decoding loop called directly in this thread (no hand-off at all)."""
    gen = backend.generate_blocking(prompt, GenerationParams(max_tokens=max_tokens))
    return gen.usage.completion_tokens, gen.timings["decode"]


def bench_decode(backend: LlamaCppBackend, repeats: int, max_tokens: int) -> None:
    paths = {"astream": stream_decode, "blocking": blocking_decode, "bare": bare_decode}
    rates: dict[str, list[float]] = {name: [] for name in paths}
    order = list(paths)
    for i in range(repeats):  # alternated and rotated, so load on a shared machine hits all alike
        for name in order[i % len(order) :] + order[: i % len(order)]:
            run = paths[name]
            backend.reset_cache()
            n, seconds = run(backend, STORY, max_tokens)
            rates[name].append(n / seconds)
    bare = median(rates["bare"])
    for name, label in (
        ("astream", "decode tok/s: astream (thread bridge) vs bare"),
        ("blocking", "decode tok/s: generate_blocking vs bare"),
    ):
        ours = median(rates[name])
        row(label, f"{ours:.1f}", f"{bare:.1f}", f"{ours / bare:.2f}", ">= 0.95")


# -- prefill: KV reuse vs cleared cache over a 6-step run -------------------------------------


def six_step_prompts(backend: LlamaCppBackend) -> list[str]:
    """The prompts of a 6-step tool run (each extends the last), made by the real model."""
    fmt = get_format("xlam2-qwen")
    pages = Tool.from_spec(
        {
            "name": "next_page",
            "description": "Read the next page of the document.",
            "parameters": {
                "type": "object",
                "properties": {"page": {"type": "integer"}},
                "required": ["page"],
            },
        }
    )
    constraint = fmt.constraint([pages], "required", max_calls=4)
    messages = [Message.user("Read the document page by page, starting at page 1.")]
    prompts = []
    for step in range(6):
        prompt = fmt.render(messages, [pages])
        prompts.append(prompt)
        gen = backend.generate(prompt, GenerationParams(max_tokens=48, constraint=constraint))
        turn = fmt.parse(gen.text)
        calls = turn.calls or [ToolCall(name="next_page", arguments={"page": step + 1})]
        messages.append(Message.assistant(None, calls))
        for call in calls:
            page = call.arguments.get("page", step + 1)
            messages.append(
                Message.tool({"page": page, "text": f"Page {page}: there is more to read."})
            )
    return prompts


def bench_prefill(warm: LlamaCppBackend, cold: LlamaCppBackend, repeats: int) -> None:
    prompts = six_step_prompts(warm)
    params = GenerationParams(max_tokens=1)
    warm_s: list[list[float]] = [[] for _ in prompts]
    cold_s: list[list[float]] = [[] for _ in prompts]
    warm_tokens = [0] * len(prompts)
    cold_tokens = [0] * len(prompts)
    for _ in range(repeats):
        warm.reset_cache()
        for i, prompt in enumerate(prompts):
            w = warm.generate(prompt, params)
            cold.reset_cache()
            c = cold.generate(prompt, params)
            warm_s[i].append(w.timings["prefill"])
            cold_s[i].append(c.timings["prefill"])
            warm_tokens[i], cold_tokens[i] = w.usage.evaluated_tokens, c.usage.evaluated_tokens
    for i in range(len(prompts)):
        a, b = median(warm_s[i]), median(cold_s[i])
        row(
            f"step {i + 1} prefill s (reuse vs cleared; tokens {warm_tokens[i]}/{cold_tokens[i]})",
            f"{a:.3f}",
            f"{b:.3f}",
            f"{a / b:.2f}",
        )
    a, b = sum(map(median, warm_s)), sum(map(median, cold_s))
    row("6-step prefill total s", f"{a:.3f}", f"{b:.3f}", f"{a / b:.2f}")


# -- grammar: tokens/s with vs without -------------------------------------------------------


def bench_grammar(backend: LlamaCppBackend, repeats: int, max_tokens: int) -> None:
    fmt = get_format("xlam2-qwen")
    auto = fmt.constraint([WEATHER], "auto", max_calls=4)
    # The text-or-call grammar on a story prompt: the model writes the same text as without a
    # grammar, so the difference is the grammar's cost per token.
    with_g, without = [], []
    for _ in range(repeats):
        backend.reset_cache()
        g = backend.generate(STORY, GenerationParams(max_tokens=max_tokens, constraint=auto))
        with_g.append(g.usage.completion_tokens / g.timings["decode"])
        backend.reset_cache()
        p = backend.generate(STORY, GenerationParams(max_tokens=max_tokens))
        without.append(p.usage.completion_tokens / p.timings["decode"])
    a, b = median(with_g), median(without)
    row(
        "tokens/s with grammar (text|calls) vs none",
        f"{a:.1f}",
        f"{b:.1f}",
        f"{a / b:.2f}",
        ">= 0.8",
    )
    required = fmt.constraint([WEATHER], "required", max_calls=4)
    prompt = fmt.render([Message.user("What's the weather like in London?")], [WEATHER])
    calls, free = [], []
    for _ in range(repeats):
        g = backend.generate(prompt, GenerationParams(max_tokens=64, constraint=required))
        calls.append(g.usage.completion_tokens / g.timings["decode"])
        p = backend.generate(prompt, GenerationParams(max_tokens=64, stop=list(fmt.stop)))
        free.append(p.usage.completion_tokens / p.timings["decode"])
    a, b = median(calls), median(free)
    row("tokens/s JSON-call grammar vs none", f"{a:.1f}", f"{b:.1f}", f"{a / b:.2f}", ">= 0.7")


# -- peak RSS of `lamagent run` ------------------------------------------------------------------


def bench_rss(threads: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [
        sys.executable, "-m", "lamagent", "run", "What is 12 * 7?", "--no-store",
        "--max-steps", "1", "--max-tokens", "32", "--threads", str(threads), "--json",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr[-200:]}"
    row("peak RSS of `lamagent run` (MB)", f"{peak_mb:.0f}", "400", f"{peak_mb / 400:.2f}", "< 400")
    if proc.returncode != 0:
        print("   ", status)


# -- validity on BFCL ------------------------------------------------------------------------


def bench_validity(backend: LlamaCppBackend, n: int) -> None:
    from gguf_validity import CATEGORIES, run_category, summary

    for category in CATEGORIES:
        on = run_category(backend, category, n, constrained=True)
        off = run_category(backend, category, n, constrained=False)
        s_on, s_off = summary(on), summary(off)
        row(
            f"BFCL {category}: parse+verify (constrained vs free)",
            f"{s_on['valid']}/{s_on['cases']}",
            f"{s_off['valid']}/{s_off['cases']}",
            "",
            f"cut off {s_on['cut_off']} vs {s_off['cut_off']}; "
            f"{s_on['seconds']}s vs {s_off['seconds']}s",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=min(2, available_cores()))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--validity", type=int, default=0, help="BFCL cases per category")
    parser.add_argument(
        "--only", choices=["decode", "prefill", "grammar", "rss", "validity"], default=None
    )
    args = parser.parse_args()
    path = default_gguf_path()
    backend = LlamaCppBackend(path, n_threads=args.threads)
    print(f"model {path.name}, threads {args.threads}, repeats {args.repeats} (medians)")
    row("measure", "lamagent", "baseline", "ratio", "target")
    chosen = [args.only] if args.only else ["decode", "prefill", "grammar", "rss"]
    if "decode" in chosen:
        bench_decode(backend, args.repeats, args.max_tokens)
    if "prefill" in chosen:
        cold = LlamaCppBackend(path, n_threads=args.threads)
        bench_prefill(backend, cold, args.repeats)
    if "grammar" in chosen:
        bench_grammar(backend, args.repeats, args.max_tokens)
    if "rss" in chosen:
        bench_rss(args.threads)
    if args.validity or args.only == "validity":
        bench_validity(backend, args.validity or 50)
    print(json.dumps({"cores_available": available_cores(), "load": os.getloadavg()}))


if __name__ == "__main__":
    main()


__all__: list[Any] = []
