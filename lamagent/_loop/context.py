"""What a run needs that is fixed for an agent: the turn source, the tools, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lamagent._loop.repeats import RepeatPolicy
from lamagent._loop.window import ContextPolicy
from lamagent.backends.base import ModelBackend
from lamagent.formats.base import Format
from lamagent.generation import GenerationParams
from lamagent.output import OutputType
from lamagent.settings import Limits
from lamagent.tools import Tool, Toolbox
from lamagent.tools.execute import ExecutionPolicy
from lamagent.trajectory import TrajectoryStore
from lamagent.turns import TurnRequest, TurnSource

__all__ = ["Limits", "LoopContext"]


@dataclass
class LoopContext:
    """Everything resolved once per agent (after the model is loaded)."""

    turns: TurnSource
    toolbox: Toolbox
    tools: list[Tool]
    tool_specs: list[dict[str, Any]]
    generation: GenerationParams
    policy: ExecutionPolicy
    limits: Limits
    system_prompt: str | None
    store: TrajectoryStore | None
    #: Text the model reads after output it could not parse (explains the expected format).
    parse_feedback: Callable[[str], str]
    #: Whether turns are decoded under the Format's call grammar.
    constrained: bool = False
    #: "auto", "required", "none" or a tool name.
    tool_choice: str = "auto"
    #: After the first call of a run, a forced `tool_choice` falls back to "auto".
    reset_tool_choice: bool = True
    #: What to do when the next prompt would not fit the model's context window.
    context: ContextPolicy = field(default_factory=ContextPolicy)
    #: When repeated calls across turns get a nudge, and when they end the run ("loop").
    repeats: RepeatPolicy = field(default_factory=RepeatPolicy)
    #: The type of the final answer (`Agent(output_type=...)`), or None for plain text.
    output: OutputType | None = None
    #: Whether the typed answer is decoded under its JSON Schema.
    output_constrained: bool = False

    @property
    def backend(self) -> ModelBackend:
        return self.turns.backend

    @property
    def format(self) -> Format:
        return self.turns.format

    @property
    def max_concurrency(self) -> int:
        return self.policy.max_concurrency

    def sync_tools(self) -> None:
        """Take the toolbox's current tools (its toolsets, e.g. MCP servers, list their own)."""
        self.tools = list(self.toolbox)
        self.tool_specs = self.toolbox.specs()

    def request(self, messages: list[Any], called_tool: bool) -> TurnRequest:
        """The next turn's request: a forced tool choice holds until the run's first call."""
        choice = self.tool_choice
        if called_tool and self.reset_tool_choice and choice not in ("auto", "none"):
            choice = "auto"
        return TurnRequest(
            messages=messages,
            tools=self.tools,
            params=self.generation,
            tool_choice=choice,
            constrained=self.constrained,
            max_calls=self.limits.max_calls_per_turn,
        )
