"""What each tool isolation costs per call, measured side by side in one run.

    python bench/tool_isolation.py [--calls 300]

A trivial tool (it returns its argument) runs `--calls` times, one call per `execute_calls`,
under each isolation: "loop" (an async tool awaited on the run's own event loop: the cheapest
possible path and the baseline), "thread" (sync and async tools on their own daemon thread),
and "process" (a sync tool in a warm worker process). anyio's pooled worker threads (which a
timeout can only abandon, and which hold interpreter exit) are shown for reference. The process
row's first call, which starts the worker, is reported separately. Prints the median and 90th
percentile wall time per call in microseconds, and the overhead over the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lamagent import Tool, ToolCall, tool
from lamagent.tools.execute import ExecutionPolicy, execute_calls
from lamagent.tools.isolation import POOL


@tool
def echo(x: int) -> int:
    """Return x."""
    return x


@tool
async def aecho(x: int) -> int:
    """Return x."""
    return x


async def pooled_thread(calls: int) -> list[float]:
    """The same call on anyio's pooled (non-daemon, unkillable) worker threads, for reference."""
    times = []
    for i in range(calls):
        start = time.perf_counter()
        value = await anyio.to_thread.run_sync(echo.fn, i, abandon_on_cancel=True)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
        assert value == i
    return times


async def per_call(t: Tool, isolation: str, calls: int) -> list[float]:
    """Wall seconds of each of `calls` single-call turns."""
    policy = ExecutionPolicy(isolation=isolation)  # type: ignore[arg-type]
    limiter = anyio.CapacityLimiter(8)
    times = []
    for i in range(calls):
        call = ToolCall(name=t.name, arguments={"x": i})
        start = time.perf_counter()
        [done] = await execute_calls([(0, call, t)], policy, limiter)
        times.append(time.perf_counter() - start)
        assert done.result == i, done
    return times


def row(name: str, times: list[float], baseline: float | None) -> str:
    median = statistics.median(times) * 1e6
    p90 = statistics.quantiles(times, n=10)[-1] * 1e6 if len(times) > 1 else median
    extra = f"{median - baseline:>10.0f}" if baseline is not None else f"{'-':>10}"
    return f"{name:<34}{median:>10.0f}{p90:>10.0f}{extra}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    async def measure() -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["loop (async, baseline)"] = await per_call(aecho, "loop", args.calls)
        out["anyio.to_thread (reference)"] = await pooled_thread(args.calls)
        out["thread (sync)"] = await per_call(echo, "thread", args.calls)
        out["thread (async, own event loop)"] = await per_call(aecho, "thread", args.calls)
        POOL.shutdown()
        out["process: first call (starts worker)"] = await per_call(echo, "process", 1)
        out["process (sync, warm worker)"] = await per_call(echo, "process", args.calls)
        return out

    results = anyio.run(measure)
    POOL.shutdown()
    baseline = statistics.median(results["loop (async, baseline)"]) * 1e6
    print(f"per-call wall time, {args.calls} calls each (microseconds)")
    print(f"{'isolation':<34}{'median':>10}{'p90':>10}{'overhead':>10}")
    for name, times in results.items():
        print(row(name, times, None if "baseline" in name else baseline))


if __name__ == "__main__":
    main()
