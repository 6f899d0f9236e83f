"""Quickstart: tools, an agent, a run, its trajectory.

    python examples/quickstart.py             # scripted model: deterministic, instant, offline
    python examples/quickstart.py --model     # the embedded SmolLM2-135M GGUF (llama.cpp)
    python examples/quickstart.py --model path/to/xLAM-2-1b-fc-r.Q4_K_M.gguf

The scripted backend replays the replies an xLAM model would write, so the whole loop (verify,
execute in parallel, observe, answer, record) runs without a model. With a real model, the
answer depends on the model: the 135M default is a small chat model, not an xLAM fine-tune,
and often answers without calling a tool.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from lamagent import Agent, ScriptedBackend, SQLiteStore, ToolCall, tool
from lamagent.events import TextDelta, ToolCallEvent, ToolResultEvent


@tool
def get_weather(city: str, unit: str = "celsius") -> dict:
    """Current weather for a city.

    Args:
        city: the city name, e.g. "Paris"
        unit: "celsius" or "fahrenheit"
    """
    return {"city": city, "temperature": 21 if unit == "celsius" else 70, "sky": "sunny"}


@tool
async def get_time(city: str) -> str:
    """Local time in a city."""
    return {"Paris": "14:05", "Tokyo": "21:05"}.get(city, "unknown")


def scripted_model() -> ScriptedBackend:
    """What an xLAM model would reply: two calls in one turn, then the answer."""
    return ScriptedBackend.calls(
        [
            [
                ToolCall(name="get_weather", arguments={"city": "Paris"}),
                ToolCall(name="get_time", arguments={"city": "Paris"}),
            ],
            "In Paris it is 14:05, sunny and 21 °C.",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", nargs="?", const="default", help="run a real model (GGUF path)")
    args = ap.parse_args()
    model: ScriptedBackend | str | None = scripted_model()
    if args.model is not None:
        model = None if args.model == "default" else args.model

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        # A real small model is asked to call a tool first (then it may answer freely).
        choice = "auto" if isinstance(model, ScriptedBackend) else "required"
        agent = Agent(
            model, tools=[get_weather, get_time], store=db, max_steps=4, max_tokens=128,
            tool_choice=choice,
        )  # fmt: skip

        # Stream the run: calls, results and the answer's text as they happen.
        for event in agent.stream("What's the weather and the time in Paris?"):
            if isinstance(event, ToolCallEvent):
                print(f"-> {event.call.name}({event.call.arguments})")
            elif isinstance(event, ToolResultEvent):
                print(f"<- {event.result}")
            elif isinstance(event, TextDelta):
                print(event.text, end="", flush=True)
        print()

        # Or run it whole: the result carries the answer, the outcome and the trajectory.
        if args.model is None:
            agent = Agent(scripted_model(), tools=[get_weather, get_time], store=db)
        result = agent.run("What's the weather and the time in Paris?")
        print("outcome:", result.outcome, "| steps:", result.steps, "| answer:", result.answer)
        agent.close()

        with SQLiteStore(db) as store:
            for traj in store:
                print(
                    f"stored {traj.id[:8]}: {traj.outcome}, {len(traj.steps)} steps,"
                    f" tools called: {traj.tools_called}"
                )


if __name__ == "__main__":
    main()
