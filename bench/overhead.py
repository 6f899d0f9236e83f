"""The agent loop's own cost per step, against a bare render + parse of the same conversation.

    python bench/overhead.py [--runs 30] [--steps 8]

An agent with 20 tools runs a scripted conversation (`--steps` tool-calling steps, then an
answer) on the ScriptedBackend. Per step, the loop renders the prompt, streams the scripted
output through the format's stream parser, verifies the call, executes the tool, appends the
observations and records the step. The baseline is what any runtime must do per step anyway:
render the same conversation and parse the same output. The scripted backend's own cost (it
stands in for the model) is measured separately and subtracted too.

    loop overhead per step = agent step - (render + parse) - scripted generation

Prints medians in microseconds of process CPU time; the target is under 1000 us of loop
overhead per step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lamagent import Agent, MemoryStore, Message, ScriptedBackend, SQLiteStore, Tool, ToolCall
from lamagent.backends import GenerationParams
from lamagent.formats import get as get_format
from lamagent.records import CallRecord
from lamagent.tools import Toolbox
from lamagent.tools.execute import ExecutionPolicy, execute_calls
from lamagent.trajectory import Step, Trajectory

FORMAT = get_format("xlam2-qwen")
#: CPU seconds of the whole process (all threads): the loop's cost without the wait for a core
#: on a busy machine. Tools here do no I/O, so wall time would only add scheduling noise.
clock = time.process_time


def make_tools(async_tools: bool) -> list[Tool]:
    """20 tools with 2-4 typed parameters each; every one returns a small dict."""
    tools = []
    for i in range(20):
        properties: dict[str, dict[str, Any]] = {
            "city": {"type": "string", "description": "a city name"},
            "days": {"type": "integer", "description": "how many days"},
        }
        if i % 2:
            properties["unit"] = {"type": "string", "enum": ["celsius", "fahrenheit"]}
        if i % 3 == 0:
            properties["detailed"] = {"type": "boolean"}
        spec = {
            "name": f"tool_{i:02d}",
            "description": f"Tool number {i}: looks something up about a city.",
            "parameters": {"type": "object", "properties": properties, "required": ["city"]},
        }

        if async_tools:

            async def afn(city: str, days: int = 1, **_: Any) -> dict[str, Any]:
                return {"city": city, "days": days, "value": 42}

            tools.append(Tool.from_spec(spec, fn=afn))
        else:

            def fn(city: str, days: int = 1, **_: Any) -> dict[str, Any]:
                return {"city": city, "days": days, "value": 42}

            tools.append(Tool.from_spec(spec, fn=fn))
    return tools


def script(steps: int) -> list[list[ToolCall] | str]:
    replies: list[list[ToolCall] | str] = [
        [ToolCall(name=f"tool_{(3 * i) % 20:02d}", arguments={"city": "Paris", "days": i + 1})]
        for i in range(steps)
    ]
    replies.append("Here is everything you asked for, summarised in one line.")
    return replies


def outputs(steps: int) -> list[str]:
    return ScriptedBackend.calls(script(steps), format=FORMAT)._outputs or []  # type: ignore[return-value]


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def bench_agent(
    tools: list[Tool],
    steps: int,
    runs: int,
    store_factory: Callable[[], Any],
    execution: ExecutionPolicy | None = None,
) -> float:
    """Median seconds per step of a whole Agent run (steps + 1 model turns)."""
    texts = outputs(steps)
    store = store_factory()
    agent = Agent(
        ScriptedBackend(["x"]),
        tools=tools,
        format=FORMAT,
        store=store,
        max_steps=steps + 2,
        execution=execution,
    )
    per_step: list[float] = []

    async def main() -> None:
        for _ in range(runs):
            # A fresh backend each run, injected into the resolved context (same agent object).
            agent._context().turns.backend = ScriptedBackend(list(texts))
            start = clock()
            result = await agent.arun("Plan my week in Paris.")
            elapsed = clock() - start
            assert result.outcome == "answer", result.error
            per_step.append(elapsed / (steps + 1))

    anyio.run(main)
    return median_us(per_step)


def conversation(steps: int) -> tuple[list[list[Message]], list[str]]:
    """The message list before each model turn, and each turn's output text."""
    texts = outputs(steps)
    history: list[Message] = [Message.user("Plan my week in Paris.")]
    before: list[list[Message]] = []
    for i, text in enumerate(texts):
        before.append(list(history))
        turn = FORMAT.parse(text)
        history.append(turn.to_message())
        if i < steps:
            history.append(Message.tool({"city": "Paris", "days": i + 1, "value": 42}))
    return before, texts


def bench_render_parse(tools: list[Tool], steps: int, runs: int) -> tuple[float, float, float]:
    """Median seconds per step: render, stream-parse, scripted generation."""
    before, texts = conversation(steps)
    renders: list[float] = []
    parses: list[float] = []
    gens: list[float] = []
    backend = ScriptedBackend(lambda prompt: "")
    params = GenerationParams(stop=list(FORMAT.stop))

    async def generate(prompt: str, text: str) -> None:
        backend._fn = lambda _: text
        async for _ in backend.astream(prompt, params):
            pass

    async def main() -> None:
        for _ in range(runs):
            r = p = g = 0.0
            for messages, text in zip(before, texts, strict=True):
                t0 = clock()
                prompt = FORMAT.render(messages, tools)
                t1 = clock()
                await generate(prompt, text)
                t2 = clock()
                parser = FORMAT.stream_parser()
                for piece in text.split(" "):
                    parser.feed(piece + " ")
                parser.finish()
                t3 = clock()
                r, g, p = r + t1 - t0, g + t2 - t1, p + t3 - t2
            n = len(texts)
            renders.append(r / n)
            gens.append(g / n)
            parses.append(p / n)

    anyio.run(main)
    return median_us(renders), median_us(parses), median_us(gens)


def bench_parts(tools: list[Tool], runs: int) -> dict[str, float]:
    """Median microseconds of the loop's parts, one call each."""
    toolbox = Toolbox(tools)
    call = ToolCall(name="tool_03", arguments={"city": "Paris", "days": 2, "detailed": True})
    verified = toolbox.verify(call)
    assert not hasattr(verified, "kind"), verified
    policy = ExecutionPolicy()
    on_loop = ExecutionPolicy(isolation="loop")
    item = [(0, call, toolbox["tool_03"])]
    step = Step(
        step_id=1,
        calls=[
            CallRecord(
                index=0,
                call_id=call.id,
                call=call.to_xlam(),
                verified=call.to_xlam(),
                result={"city": "Paris", "days": 2, "value": 42},
                seconds=0.0,
            )
        ],
        raw_output='[{"name": "tool_03", "arguments": {"city": "Paris", "days": 2}}]',
    )
    out: dict[str, list[float]] = {
        "verify": [],
        "execute": [],
        "execute_loop": [],
        "memory": [],
        "sqlite": [],
        "hop": [],
    }
    memory = MemoryStore()
    tmp = tempfile.TemporaryDirectory()
    sqlite = SQLiteStore(Path(tmp.name) / "bench.db")
    traj = Trajectory(query="q", tools=toolbox.specs())
    memory.start(traj)
    sqlite.start(traj)

    async def main() -> None:
        limiter = anyio.CapacityLimiter(8)
        for _ in range(runs * 10):
            t0 = clock()
            toolbox.verify(call)
            t1 = clock()
            out["verify"].append(t1 - t0)
            await execute_calls(item, on_loop, limiter)
            out["execute_loop"].append(clock() - t1)
            t1 = clock()
            await execute_calls(item, policy, limiter)
            out["execute"].append(clock() - t1)
            t1 = clock()
            # what any runtime pays to run a function on a worker thread and get its result
            await anyio.to_thread.run_sync(int)
            t2 = clock()
            out["hop"].append(t2 - t1)
            memory.add_step(traj.unique_trajectory_id, step)
            t3 = clock()
            sqlite.add_step(traj.unique_trajectory_id, step)
            t4 = clock()
            out["memory"].append(t3 - t2)
            out["sqlite"].append(t4 - t3)

    anyio.run(main)
    sqlite.close()
    tmp.cleanup()
    return {k: median_us(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--steps", type=int, default=8, help="tool-calling steps per run")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    db_count = iter(range(10**6))

    def sqlite_store() -> SQLiteStore:
        return SQLiteStore(Path(tmp.name) / f"runs{next(db_count)}.db")

    rows: list[tuple[str, float]] = []
    async_tools, sync_tools = make_tools(True), make_tools(False)
    render, parse, gen = bench_render_parse(async_tools, args.steps, args.runs)
    baseline = render + parse
    rows += [
        ("bare render (20 tools)", render),
        ("bare stream parse", parse),
        ("baseline: render + parse", baseline),
        ("scripted backend generation", gen),
    ]
    parts = bench_parts(async_tools, args.runs)
    rows += [
        ("  part: verify one call", parts["verify"]),
        ("  part: execute one async call", parts["execute"]),
        ("  part: anyio.to_thread.run_sync round trip (reference)", parts["hop"]),
        ("  part: execute one async call, isolation=loop", parts["execute_loop"]),
        ("  part: record step, MemoryStore", parts["memory"]),
        ("  part: record step, SQLiteStore", parts["sqlite"]),
    ]
    on_loop = ExecutionPolicy(isolation="loop")
    cases: list[tuple[str, list[Tool], Callable[[], Any], ExecutionPolicy | None]] = [
        ("agent step, async tool, no store", async_tools, lambda: None, None),
        ("agent step, async tool on the run's loop, no store", async_tools, lambda: None, on_loop),
        ("agent step, async tool, MemoryStore", async_tools, MemoryStore, None),
        ("agent step, async tool, SQLiteStore", async_tools, sqlite_store, None),
        ("agent step, sync tool (thread), SQLiteStore", sync_tools, sqlite_store, None),
    ]
    overheads: list[tuple[str, float]] = []
    for name, tools, factory, execution in cases:
        step = bench_agent(tools, args.steps, args.runs, factory, execution)
        rows.append((name, step))
        overheads.append((name.replace("agent step", "loop overhead"), step - baseline - gen))
    rows += overheads
    tmp.cleanup()

    print(
        f"median CPU us per step, {args.steps} tool steps + 1 answer, {args.runs} runs, 20 tools\n"
    )
    width = max(len(n) for n, _ in rows)
    print(f"{'measure':<{width}}  {'us/step':>9}")
    print(f"{'-' * width}  {'-' * 9}")
    for name, value in rows:
        print(f"{name:<{width}}  {value:9.1f}")
    worst = max(v for _, v in overheads)
    verdict = "meets" if worst < 1000 else "MISSES"
    print(f"\nworst loop overhead {worst:.0f} us/step: {verdict} the < 1000 us target")


if __name__ == "__main__":
    main()
