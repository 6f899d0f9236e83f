"""Streaming: typed events in the order things happen, sync and async; stopping early."""

from __future__ import annotations

import time

import anyio

from lamagent import Agent, MemoryStore, ScriptedBackend, ToolCall, tool
from lamagent.events import (
    Event,
    RunFinished,
    StepFinished,
    TextDelta,
    ToolCallEvent,
    ToolResultEvent,
)


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def script() -> ScriptedBackend:
    calls = [ToolCall(name="add", arguments={"a": 1, "b": 2}), ToolCall(name="nope")]
    return ScriptedBackend.calls([calls, "The sum is 3."])


def check_events(events: list[Event]) -> None:
    kinds = [type(e).__name__ for e in events]
    first_text = kinds.index("TextDelta")
    assert kinds[:first_text] == [
        "ToolCallEvent",
        "ToolCallEvent",
        "ToolResultEvent",
        "ToolResultEvent",
        "StepFinished",
    ]
    assert kinds[-2:] == ["StepFinished", "RunFinished"]
    assert set(kinds[first_text:-2]) == {"TextDelta"}

    call_events = [e for e in events if isinstance(e, ToolCallEvent)]
    assert call_events[0].error is None and call_events[0].call.name == "add"
    assert call_events[1].error is not None and call_events[1].error.kind == "unknown_tool"
    results = [e for e in events if isinstance(e, ToolResultEvent)]
    assert [r.index for r in results] == [0, 1]
    assert results[0].result == 3 and results[0].error_kind is None
    assert results[1].error_kind == "invalid"
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "The sum is 3."
    steps = [e.step.step_id for e in events if isinstance(e, StepFinished)]
    assert steps == [1, 2]
    final = events[-1]
    assert isinstance(final, RunFinished)
    assert final.result.answer == "The sum is 3." and final.result.outcome == "answer"


def test_sync_stream_yields_events_in_order() -> None:
    check_events(list(Agent(script(), tools=[add]).stream("1+2")))


def test_async_stream_yields_events_in_order() -> None:
    async def collect() -> list[Event]:
        return [e async for e in Agent(script(), tools=[add]).astream("1+2")]

    check_events(anyio.run(collect))


def test_text_deltas_arrive_while_the_model_generates() -> None:
    backend = ScriptedBackend.calls(["one two three four"], delay=0.05)
    stamps: list[float] = []
    for event in Agent(backend).stream("count"):
        if isinstance(event, TextDelta):
            stamps.append(time.perf_counter())
    assert len(stamps) >= 3
    assert stamps[-1] - stamps[0] >= 0.08  # spread over the generation, not all at the end


def test_stopping_a_stream_early_cancels_the_run_and_records_it() -> None:
    store = MemoryStore()
    backend = ScriptedBackend.calls(
        [[ToolCall(name="add", arguments={"a": i, "b": 0})] for i in range(20)], delay=0.01
    )
    agent = Agent(backend, tools=[add], store=store, max_steps=20)
    seen = 0
    stream = agent.stream("go")
    for event in stream:
        if isinstance(event, StepFinished):
            seen += 1
            if seen == 2:
                break
    stream.close()  # type: ignore[attr-defined]
    (traj,) = list(store)
    assert traj.outcome == "incomplete"
    assert len(traj.steps) >= 2
    assert len(backend.requests) < 20


def test_async_stream_stopped_early_records_the_outcome() -> None:
    store = MemoryStore()
    backend = ScriptedBackend.calls(
        [[ToolCall(name="add", arguments={"a": i, "b": 0})] for i in range(20)], delay=0.01
    )
    agent = Agent(backend, tools=[add], store=store, max_steps=20)

    async def main() -> None:
        events = agent.astream("go")
        async for event in events:
            if isinstance(event, StepFinished):
                break
        await events.aclose()  # type: ignore[attr-defined]

    anyio.run(main)
    (traj,) = list(store)
    assert traj.outcome == "incomplete"
    assert len(traj.steps) >= 1
