"""How much recording a step costs: SQLiteStore (synchronous NORMAL vs FULL) against MemoryStore.

Prints per-step commit latency for one writer and the throughput of 16 threads writing 20 steps
each. Usage: python bench/trajectory_store.py [--steps 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from lamagent.messages import Usage
from lamagent.records import CallRecord
from lamagent.trajectory import MemoryStore, SQLiteStore, Step, Trajectory, TrajectoryStore


def _step(i: int) -> Step:
    return Step(
        step_id=i,
        thought="look it up",
        calls=[
            CallRecord(
                index=0,
                call_id=f"call_{i}_0",
                call={"name": "get_weather", "arguments": {"city": f"city{i}"}},
                verified={"name": "get_weather", "arguments": {"city": f"city{i}"}},
                result={"temp_c": 18, "sky": "clear", "wind": [3, 4, 5]},
                seconds=0.01,
            )
        ],
        usage=Usage(prompt_tokens=900, evaluated_tokens=40, completion_tokens=25, requests=1),
        timings={"generate": 0.4, "tools": 0.01},
    )


def single_writer(store: TrajectoryStore, n: int) -> list[float]:
    traj = Trajectory(query="bench", tools=[{"name": "get_weather", "parameters": {}}])
    store.start(traj)
    times = []
    for i in range(1, n + 1):
        t0 = time.perf_counter()
        store.add_step(traj.unique_trajectory_id, _step(i))
        times.append(time.perf_counter() - t0)
    store.finish(traj.unique_trajectory_id, outcome="answer")
    return times


def threaded(store: TrajectoryStore, threads: int = 16, steps: int = 20) -> float:
    def work(k: int) -> None:
        traj = Trajectory(query=f"t{k}")
        store.start(traj)
        for i in range(1, steps + 1):
            store.add_step(traj.unique_trajectory_id, _step(i))
        store.finish(traj.unique_trajectory_id, outcome="answer")

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return threads * steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        makers = {
            "MemoryStore": lambda name: MemoryStore(),
            "SQLite NORMAL": lambda name: SQLiteStore(Path(tmp) / f"{name}-n.db"),
            "SQLite FULL": lambda name: SQLiteStore(Path(tmp) / f"{name}-f.db", synchronous="FULL"),
        }
        for label, make in makers.items():
            st = make("single")
            times = single_writer(st, args.steps)
            st.close()
            st = make("threads")
            rate = threaded(st)
            st.close()
            rows.append(
                (
                    label,
                    statistics.median(times) * 1e3,
                    sorted(times)[int(0.99 * len(times)) - 1] * 1e3,
                    rate,
                )
            )
    print(f"{'store':<16}{'median ms/step':>16}{'p99 ms/step':>14}{'16x20 steps/s':>16}")
    for label, med, p99, rate in rows:
        print(f"{label:<16}{med:>16.3f}{p99:>14.3f}{rate:>16.0f}")


if __name__ == "__main__":
    main()
