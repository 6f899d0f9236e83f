"""`agent.as_tool(...)`: one agent calls another; the inner run is linked, bounded and counted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.context import RunContext
from lamagent.trajectory import open_store, write_jsonl


@dataclass
class Deps:
    unit: str


@tool
def convert(celsius: float, ctx: RunContext[Deps]) -> str:
    """Convert a temperature to the user's unit."""
    if ctx.deps.unit == "F":
        return f"{celsius * 9 / 5 + 32:g} F"
    return f"{celsius:g} C"


def ask(tool_name: str, query: str) -> ToolCall:
    return ToolCall(name=tool_name, arguments={"query": query})


def inner_agent(**kwargs: object) -> Agent:
    backend = ScriptedBackend.calls(
        [[ToolCall(name="convert", arguments={"celsius": 20})], "It is 68 F."]
    )
    return Agent(backend, tools=[convert], **kwargs)  # type: ignore[arg-type]


def test_the_inner_run_is_its_own_trajectory_linked_to_the_outer_call(tmp_path: Path) -> None:
    store = open_store(tmp_path / "runs.db")
    weather = inner_agent()
    outer_backend = ScriptedBackend.calls(
        [[ask("weather_expert", "How warm is 20 C for me?")], "About 68 F."]
    )
    outer = Agent(
        outer_backend,
        tools=[weather.as_tool("weather_expert", "Answers temperature questions.")],
        store=store,
    )
    result = outer.run("Is 20 C warm?", deps=Deps(unit="F"))
    assert result.outcome == "answer"
    record = result.trajectory.steps[0].calls[0]
    assert record.result == "It is 68 F."  # the inner answer is the observation
    assert record.error is None

    # the inner trajectory went to the outer store (the inner agent has none), with its link
    inner = [t for t in store if t.unique_trajectory_id != result.trajectory.unique_trajectory_id]
    assert len(inner) == 1
    child = inner[0]
    assert child.query == "How warm is 20 C for me?"
    assert child.outcome == "answer"
    assert child.steps[0].calls[0].result == "68 F"  # the outer deps reached the inner tool
    assert child.metadata["parent"] == {
        "trajectory_id": result.trajectory.unique_trajectory_id,
        "step_id": 1,
        "call_id": record.call_id,
        "tool": "weather_expert",
    }
    # and the link survives the unified JSONL export
    write_jsonl(list(store), tmp_path / "runs.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    linked = [r for r in lines if r.get("metadata", {}).get("parent")]
    assert linked and linked[0]["metadata"]["parent"]["call_id"] == record.call_id
    store.close()


def test_usage_rolls_up_into_the_outer_result() -> None:
    weather = inner_agent()
    outer_backend = ScriptedBackend.calls([[ask("weather_expert", "20 C?")], "68 F."])
    outer = Agent(outer_backend, tools=[weather.as_tool("weather_expert", "Temperatures.")])
    result = outer.run("Is 20 C warm?", deps=Deps(unit="F"))
    own = result.trajectory.step_usage
    assert own.requests == 2  # the outer model's two turns
    assert result.usage.requests == 4  # ...plus the inner model's two
    assert result.usage.prompt_tokens > own.prompt_tokens
    assert result.trajectory.usage == own  # each trajectory counts its own turns


def test_the_inner_run_ends_within_the_outer_tool_timeout() -> None:
    # the inner model is slow: its run must stop by itself before the call's 1 s timeout
    slow = ScriptedBackend(["thinking " * 200], delay=0.02)
    inner = Agent(slow)
    outer_backend = ScriptedBackend.calls([[ask("slow_expert", "think")], "gave up"])
    outer = Agent(outer_backend, tools=[inner.as_tool("slow_expert", "Slow.", timeout=1.0)])
    result = outer.run("go")
    record = result.trajectory.steps[0].calls[0]
    assert record.error is not None and record.error.kind == "exception"
    assert "timeout" in record.result["error"]  # the inner outcome, not a cut-off call
    assert record.seconds is not None and record.seconds < 1.0


def test_inner_typed_output_is_the_observation() -> None:
    class Temperature(BaseModel):
        celsius: float

    inner = Agent(
        ScriptedBackend(['{"celsius": 21.5}'], supports_constraint=True), output_type=Temperature
    )
    outer_backend = ScriptedBackend.calls([[ask("thermo", "now?")], "21.5 C"])
    outer = Agent(outer_backend, tools=[inner.as_tool("thermo", "Reads the thermometer.")])
    result = outer.run("temperature?")
    assert result.trajectory.steps[0].calls[0].result == {"celsius": 21.5}


def test_the_tool_schema_asks_only_for_a_query() -> None:
    t = inner_agent().as_tool("expert", "Knows things.")
    assert t.name == "expert" and t.description == "Knows things."
    assert list(t.parameters["properties"]) == ["query"]
    assert t.parameters["required"] == ["query"]
