"""Run the main job (`lamagent run`, the embedded model and the example tools) many times on the
same queries, and count what the runs did.

    python bench/demo_runs.py --runs 20
    python bench/compare_revisions.py --base ae09f6c -- $PWD/bench/demo_runs.py --runs 20

The example tools answer with the time of day, so no two runs of "What time is it in Tokyo?"
see the same prompt after the first call: one run says little, the share of runs that end
after one call says how the agent behaves. Each run is `python -m lamagent run --no-store
--json QUERY` (the tree first on `PYTHONPATH` is the one measured); the rows are, per query,
the runs that made exactly one call, the mean number of steps, and the median tokens (prompt,
evaluated past the cache, generated) and seconds of a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

#: The README's demo queries.
QUERIES = ("What time is it in Tokyo?", "How many pounds is 3 kg?")


def one_run(query: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "lamagent", "run", "--no-store", "--json", query],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    for query in QUERIES:
        results = [one_run(query) for _ in range(args.runs)]
        one_call = sum(len(r["tool_calls"]) == 1 for r in results)  # type: ignore[arg-type]
        steps = sum(int(r["steps"]) for r in results) / len(results)  # type: ignore[call-overload]
        usage = [r["usage"] for r in results]
        print(f"{query} runs with one call  {one_call}")
        print(f"{query} steps  {steps:.2f}")
        for key in ("prompt_tokens", "evaluated_tokens", "completion_tokens"):
            print(f"{query} {key} (median)  {statistics.median(u[key] for u in usage)}")  # type: ignore[index]
        seconds = statistics.median(r["timings"]["total"] for r in results)  # type: ignore[index]
        print(f"{query} seconds (median)  {seconds:.2f}")


if __name__ == "__main__":
    main()
