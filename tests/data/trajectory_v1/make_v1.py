"""Record one real run with lamagent's version-1 code (HEAD) into JSONL and SQLite."""

import json

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.trajectory import SQLiteStore, write_jsonl


@tool
def get_weather(city: str, days: int = 1) -> dict:
    """Weather for a city.

    Args:
        city: the city
        days: how many days
    """
    return {"city": city, "temp_c": 18, "days": days}


@tool
def fail(reason: str) -> str:
    """Always fails.

    Args:
        reason: why
    """
    raise RuntimeError(reason)


backend = ScriptedBackend.calls(
    [
        [
            ToolCall(name="get_weather", arguments={"city": "Paris", "days": "2"}, id="call_a"),
            ToolCall(name="get_forecast", arguments={"city": "Paris"}, id="call_b"),
            ToolCall(name="get_weather", arguments={"city": "Paris", "days": 2}, id="call_c"),
            ToolCall(name="fail", arguments={"reason": "boom"}, id="call_d"),
        ],
        '[{"name": "get_weather", "arguments": {"city": "Par',
        "It is 18 C in Paris.",
        "Still 18 C.",
    ]
)
store = SQLiteStore("/tmp/v1fix/v1_store.sqlite")
agent = Agent(backend, tools=[get_weather, fail], store=store, max_retries=5)
session = agent.session()
r1 = session.send("Weather in Paris for two days?")
r2 = session.send("And tomorrow?")
print(r1.outcome, r2.outcome)
traj = store.get(r2.trajectory.unique_trajectory_id)
write_jsonl([traj], "/tmp/v1fix/v1_trajectory.jsonl")
print(json.dumps(traj.to_record(), indent=1)[:3000])
store.close()
