"""lamagent: an agent runtime for xLAM function-calling models.

    from lamagent import Agent, tool

    @tool
    def get_weather(city: str) -> dict:
        '''Current weather for a city.'''
        return {"city": city, "temperature_c": 21}

    agent = Agent(tools=[get_weather])          # the embedded default model
    result = agent.run("What's the weather in Paris?")
    print(result.answer, result.trajectory.steps)

Names are imported on first use, so `import lamagent` stays light (no engine, no torch). The
public API is the import block below (what type checkers see); the lazy loader reads the same
block, so the names are listed once, plus `__all__`, which a test keeps equal to it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from lamagent.agent import Agent, ContextPolicy, Decision, RepeatPolicy, Session
    from lamagent.backends import (
        Backend,
        ChatBackend,
        ModelInfo,
        ScriptedBackend,
        load_model,
        register_backend,
    )
    from lamagent.context import RunContext
    from lamagent.errors import (
        BackendError,
        ConfigError,
        ConstraintError,
        ContextOverflowError,
        FormatError,
        LamagentError,
        ModelLoadError,
        SessionBusyError,
        ToolDefinitionError,
        TrajectoryError,
        UsageError,
    )
    from lamagent.formats.base import Format
    from lamagent.generation import GenerationParams
    from lamagent.messages import AssistantTurn, Message, ToolCall, Usage
    from lamagent.records import CallError, CallRecord
    from lamagent.result import RunResult
    from lamagent.settings import ExecutionPolicy, Limits
    from lamagent.tools import Tool, Toolbox, tool
    from lamagent.trajectory import (
        MemoryStore,
        Recorder,
        SQLiteStore,
        Step,
        Trajectory,
        TrajectoryStore,
        open_store,
    )
    from lamagent.turns import TurnSource, turn_source

__all__ = [
    "Agent",
    "AssistantTurn",
    "Backend",
    "BackendError",
    "CallError",
    "CallRecord",
    "ChatBackend",
    "ConfigError",
    "ConstraintError",
    "ContextOverflowError",
    "ContextPolicy",
    "Decision",
    "ExecutionPolicy",
    "Format",
    "FormatError",
    "GenerationParams",
    "LamagentError",
    "Limits",
    "MemoryStore",
    "Message",
    "ModelInfo",
    "ModelLoadError",
    "Recorder",
    "RepeatPolicy",
    "RunContext",
    "RunResult",
    "SQLiteStore",
    "ScriptedBackend",
    "Session",
    "SessionBusyError",
    "Step",
    "Tool",
    "ToolCall",
    "ToolDefinitionError",
    "Toolbox",
    "Trajectory",
    "TrajectoryError",
    "TrajectoryStore",
    "TurnSource",
    "Usage",
    "UsageError",
    "__version__",
    "load_model",
    "open_store",
    "register_backend",
    "tool",
    "turn_source",
]


def _exports() -> dict[str, str]:
    """Public name -> defining module, read from this file's `if TYPE_CHECKING:` block."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    found.update({alias.name: stmt.module for alias in stmt.names})
    return found


_EXPORTS: dict[str, str] = _exports()


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lamagent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
