"""Agents against an OpenAI-compatible server: concurrency and the client's own overhead.

Starts llama-cpp-python's server on the embedded SmolLM2 GGUF on a free loopback port, then
measures, side by side in one run:

1. 32 constrained agent runs (London-weather style, one tool) one after another vs all at once
   (`Agent.run_many`, 32 in flight): wall time and the throughput ratio.
2. The client's own cost per request: `OpenAIBackend.agenerate` vs a bare httpx POST of the same
   body (max_tokens=1), median over repetitions.

    python bench/server.py [--runs 32] [--reps 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from llama_server import llama_server

from lamagent import Agent, tool
from lamagent.backends import GenerationParams
from lamagent.backends.openai import OpenAIBackend
from lamagent.models import default_gguf_path


@tool
def get_weather(location: str) -> dict[str, Any]:
    """Current weather.

    Args:
        location: The city.
    """
    return {"location": location, "temperature": 14}


CITIES = ["London", "Paris", "Rome", "Oslo", "Madrid", "Berlin", "Vienna", "Lisbon"]


def agent_runs(base_url: str, runs: int) -> tuple[float, float, int, int]:
    backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp", max_in_flight=4)
    agent = Agent(model=backend, tools=[get_weather], format="xlam2-qwen", constrained=True,
                  tool_choice="required",
                  max_steps=3, max_tokens=48)  # fmt: skip
    queries = [f"What's the weather like in {CITIES[i % len(CITIES)]}?" for i in range(runs)]
    start = time.perf_counter()
    seq = [agent.run(q) for q in queries]
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    conc = agent.run_many(queries, concurrency=runs)
    concurrent = time.perf_counter() - start
    ok_seq = sum(r.outcome == "answer" for r in seq)
    ok_conc = sum(r.outcome == "answer" for r in conc)
    return sequential, concurrent, ok_seq, ok_conc


def client_overhead(base_url: str, reps: int) -> tuple[float, float]:
    prompt = "<|im_start|>user\nSay hi.<|im_end|>\n<|im_start|>assistant\n"
    backend = OpenAIBackend(base_url, "smollm2")
    body = {"model": "smollm2", "prompt": prompt, "max_tokens": 1, "temperature": 0.0,
            "top_p": 1.0, "stream": False}  # fmt: skip

    async def main() -> tuple[list[float], list[float]]:
        raw_times: list[float] = []
        ours: list[float] = []
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            await backend.aload_info()
            for _ in range(reps):  # interleaved, so both see the same machine load
                t = time.perf_counter()
                r = await client.post("/completions", json=body)
                r.json()
                raw_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                await backend.agenerate(prompt, GenerationParams(max_tokens=1))
                ours.append(time.perf_counter() - t)
        await backend.aclose()
        return raw_times, ours

    raw_times, ours = anyio.run(main)
    return statistics.median(raw_times), statistics.median(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=32)
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    console = Console()
    with llama_server(default_gguf_path()) as (base_url, _):
        raw, ours = client_overhead(base_url, args.reps)
        sequential, concurrent, ok_seq, ok_conc = agent_runs(base_url, args.runs)
    table = Table(title=f"{args.runs} agent runs against llama_cpp.server (SmolLM2-135M Q4_1)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("one after another (s)", f"{sequential:.2f}")
    table.add_row(f"{args.runs} concurrent (s)", f"{concurrent:.2f}")
    table.add_row("throughput ratio concurrent / sequential", f"{sequential / concurrent:.2f}x")
    table.add_row("runs ending in an answer (seq / conc)", f"{ok_seq} / {ok_conc}")
    table.add_row("bare httpx request, median (ms)", f"{raw * 1e3:.2f}")
    table.add_row("OpenAIBackend.agenerate, median (ms)", f"{ours * 1e3:.2f}")
    table.add_row("client overhead per request (ms)", f"{(ours - raw) * 1e3:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
