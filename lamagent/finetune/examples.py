"""A small set of recorded-looking trajectories for trying the fine-tuning pipeline.

Each task is a query, its tools, and a scripted run: a good call, its result and a final answer.
Some runs carry the mistakes real runs make (an unknown tool, a wrong type, a failing tool, a
self-correction, a run that hit its step limit) so filters and DPO pair mining have something to
find. They are what the tests, the benchmark and the docs' walk-through train on.
"""

from __future__ import annotations

from typing import Any

from lamagent.records import CallError, CallRecord, ToolError
from lamagent.trajectory.models import Step, Trajectory

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}
CURRENCY = {
    "name": "convert_currency",
    "description": "Convert an amount of money from one currency to another.",
    "parameters": {
        "type": "object",
        "properties": {
            "amount": {"type": "number"},
            "from_currency": {"type": "string"},
            "to_currency": {"type": "string"},
        },
        "required": ["amount", "from_currency", "to_currency"],
    },
}
STOCK = {
    "name": "get_stock_price",
    "description": "Latest price of a stock by its ticker symbol.",
    "parameters": {
        "type": "object",
        "properties": {"ticker": {"type": "string"}},
        "required": ["ticker"],
    },
}
TOOLS = [WEATHER, CURRENCY, STOCK]

#: (query, call name, arguments, tool result, final answer)
TASKS: list[tuple[str, str, dict[str, Any], Any, str]] = [
    (
        "What's the weather like in London?",
        "get_weather",
        {"location": "London"},
        {"temperature": 14, "condition": "cloudy"},
        "It is 14 degrees and cloudy in London.",
    ),
    (
        "How warm is it in Paris right now, in fahrenheit?",
        "get_weather",
        {"location": "Paris", "unit": "fahrenheit"},
        {"temperature": 68, "condition": "sunny"},
        "It is 68°F and sunny in Paris.",
    ),
    (
        "Convert 100 US dollars to euros.",
        "convert_currency",
        {"amount": 100, "from_currency": "USD", "to_currency": "EUR"},
        {"result": 92.3},
        "100 USD is 92.30 EUR.",
    ),
    (
        "What is Apple's stock trading at?",
        "get_stock_price",
        {"ticker": "AAPL"},
        {"price": 231.5},
        "Apple (AAPL) trades at $231.50.",
    ),
    (
        "Tell me the weather in Tokyo.",
        "get_weather",
        {"location": "Tokyo"},
        {"temperature": 22, "condition": "rain"},
        "It is 22 degrees with rain in Tokyo.",
    ),
    (
        "How much is 50 GBP in Japanese yen?",
        "convert_currency",
        {"amount": 50, "from_currency": "GBP", "to_currency": "JPY"},
        {"result": 9540.0},
        "50 GBP is 9,540 JPY.",
    ),
]


def _record(
    step_id: int,
    name: str,
    args: dict[str, Any],
    result: Any,
    error: CallError | ToolError | None = None,
) -> CallRecord:
    """The record of a step's only call (verified unless verification rejected it)."""
    call = {"name": name, "arguments": dict(args)}
    return CallRecord(
        index=0,
        call_id=f"call_{step_id}_0",
        call=call,
        verified=None if isinstance(error, CallError) else call,
        error=error,
        result=result,
        seconds=None if isinstance(error, CallError) else 0.01,
    )


def good_run(i: int, *, tools: list[dict[str, Any]] | None = None) -> Trajectory:
    """Task `i` done right: one call, its result, then the answer."""
    query, name, args, result, answer = TASKS[i]
    return Trajectory(
        unique_trajectory_id=f"good-{i}",
        query=query,
        tools=list(tools or TOOLS),
        outcome="answer",
        answer=answer,
        format="xlam2-qwen",
        steps=[
            Step(step_id=1, calls=[_record(1, name, args, result)]),
            Step(step_id=2, answer=answer),
        ],
    )


def self_correcting_run(i: int) -> Trajectory:
    """Task `i` where the first call had a wrong type; the second call fixed it."""
    query, name, args, result, answer = TASKS[i]
    key = next(iter(args))
    broken = {**args, key: [args[key]]}
    return Trajectory(
        unique_trajectory_id=f"fix-{i}",
        query=query,
        tools=list(TOOLS),
        outcome="answer",
        answer=answer,
        steps=[
            Step(
                step_id=1,
                calls=[
                    _record(
                        1,
                        name,
                        broken,
                        f"Error: {key} must not be a list",
                        CallError(
                            kind="wrong_type",
                            tool=name,
                            argument=key,
                            message=f"{key} must not be a list",
                        ),
                    )
                ],
            ),
            Step(step_id=2, calls=[_record(2, name, args, result)]),
            Step(step_id=3, answer=answer),
        ],
    )


def hallucinating_run(i: int) -> Trajectory:
    """Task `i` where the model called a tool that does not exist and gave up."""
    query, name, args, _, _ = TASKS[i]
    return Trajectory(
        unique_trajectory_id=f"bad-{i}",
        query=query,
        tools=list(TOOLS),
        outcome="max_steps",
        steps=[
            Step(
                step_id=1,
                calls=[
                    _record(
                        1,
                        f"{name}_v2",
                        args,
                        "Error: no such tool",
                        CallError(kind="unknown_tool", tool=f"{name}_v2", message="no such tool"),
                    )
                ],
            ),
        ],
    )


def failing_tool_run(i: int) -> Trajectory:
    """Task `i` where the call was right but the tool raised."""
    query, name, args, _, _ = TASKS[i]
    return Trajectory(
        unique_trajectory_id=f"toolfail-{i}",
        query=query,
        tools=list(TOOLS),
        outcome="answer",
        answer="Sorry, the service is down.",
        steps=[
            Step(
                step_id=1,
                calls=[
                    _record(
                        1,
                        name,
                        args,
                        "Error: ConnectionError",
                        ToolError(kind="exception", tool=name, message="ConnectionError"),
                    )
                ],
            ),
            Step(step_id=2, answer="Sorry, the service is down."),
        ],
    )


def demo_trajectories() -> list[Trajectory]:
    """Every good run, plus self-corrections, hallucinations, a tool failure, an unfinished run."""
    runs = [good_run(i) for i in range(len(TASKS))]
    runs += [self_correcting_run(2), self_correcting_run(3)]
    runs += [hallucinating_run(0), hallucinating_run(4)]
    runs.append(failing_tool_run(1))
    unfinished = good_run(5).model_copy(
        update={
            "unique_trajectory_id": "running-5",
            "outcome": "running",
            "steps": good_run(5).steps[:1],
        }
    )
    runs.append(unfinished)
    return runs
