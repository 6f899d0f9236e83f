"""lamagent: an agent runtime for xLAM function-calling models.

    from lamagent import Agent, tool

    @tool
    def get_weather(city: str) -> dict:
        '''Current weather for a city.'''
        return {"city": city, "temperature_c": 21}

    agent = Agent(tools=[get_weather])          # the embedded default model
    result = agent.run("What's the weather in Paris?")
    print(result.answer, result.trajectory.steps)

Names are imported on first use, so `import lamagent` stays light (no engine, no torch).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # tools
    "tool": "lamagent.tools",
    "Tool": "lamagent.tools",
    "Toolbox": "lamagent.tools",
    "CallError": "lamagent.tools",
    # the loop
    "Agent": "lamagent.agent",
    "RunResult": "lamagent.agent",
    "Session": "lamagent.agent",
    # messages
    "Message": "lamagent.messages",
    "ToolCall": "lamagent.messages",
    "AssistantTurn": "lamagent.messages",
    "Usage": "lamagent.messages",
    # models and formats
    "Backend": "lamagent.backends",
    "GenerationParams": "lamagent.backends",
    "ModelInfo": "lamagent.backends",
    "ScriptedBackend": "lamagent.backends",
    "load_model": "lamagent.backends",
    "register_backend": "lamagent.backends",
    "Format": "lamagent.formats.base",
    # trajectories
    "Trajectory": "lamagent.trajectory",
    "Step": "lamagent.trajectory",
    "TrajectoryStore": "lamagent.trajectory",
    "SQLiteStore": "lamagent.trajectory",
    "MemoryStore": "lamagent.trajectory",
    "open_store": "lamagent.trajectory",
    # errors
    "LamagentError": "lamagent.errors",
    "ToolDefinitionError": "lamagent.errors",
    "FormatError": "lamagent.errors",
    "BackendError": "lamagent.errors",
    "ModelLoadError": "lamagent.errors",
    "ContextOverflowError": "lamagent.errors",
    "ConstraintError": "lamagent.errors",
    "TrajectoryError": "lamagent.errors",
}

__all__ = [
    "Agent",
    "AssistantTurn",
    "Backend",
    "BackendError",
    "CallError",
    "ConstraintError",
    "ContextOverflowError",
    "Format",
    "FormatError",
    "GenerationParams",
    "LamagentError",
    "MemoryStore",
    "Message",
    "ModelInfo",
    "ModelLoadError",
    "RunResult",
    "SQLiteStore",
    "ScriptedBackend",
    "Session",
    "Step",
    "Tool",
    "ToolCall",
    "ToolDefinitionError",
    "Toolbox",
    "Trajectory",
    "TrajectoryError",
    "TrajectoryStore",
    "Usage",
    "__version__",
    "load_model",
    "open_store",
    "register_backend",
    "tool",
]

if TYPE_CHECKING:
    from lamagent.agent import Agent, Session
    from lamagent.result import RunResult
    from lamagent.backends import (
        Backend,
        GenerationParams,
        ModelInfo,
        ScriptedBackend,
        load_model,
        register_backend,
    )
    from lamagent.errors import (
        BackendError,
        ConstraintError,
        ContextOverflowError,
        FormatError,
        LamagentError,
        ModelLoadError,
        ToolDefinitionError,
        TrajectoryError,
    )
    from lamagent.formats.base import Format
    from lamagent.messages import AssistantTurn, Message, ToolCall, Usage
    from lamagent.tools import CallError, Tool, Toolbox, tool
    from lamagent.trajectory import (
        MemoryStore,
        SQLiteStore,
        Step,
        Trajectory,
        TrajectoryStore,
        open_store,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lamagent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
