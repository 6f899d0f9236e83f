"""What a run needs that is fixed for an agent: the model, its format, the tools, the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lamagent.backends.base import Backend, GenerationParams
from lamagent.formats.base import Format
from lamagent.tools import Tool, Toolbox
from lamagent.tools.execute import ExecutionPolicy
from lamagent.trajectory import TrajectoryStore


@dataclass(frozen=True)
class Limits:
    """When a run stops without an answer."""

    max_steps: int = 10
    max_retries: int = 3
    max_total_tokens: int | None = None
    max_wall_time: float | None = None


@dataclass
class LoopContext:
    """Everything resolved once per agent (after the model is loaded)."""

    backend: Backend
    format: Format
    toolbox: Toolbox
    tools: list[Tool]
    tool_specs: list[dict[str, Any]]
    params: GenerationParams
    policy: ExecutionPolicy
    limits: Limits
    max_concurrency: int
    system_prompt: str | None
    store: TrajectoryStore | None
    #: Text the model reads after output it could not parse (explains the expected format).
    parse_feedback: Callable[[str], str]
    #: "auto", "required", "none" or a tool name (sent to backends that take messages).
    tool_choice: str = "auto"
    #: Settings once a tool was called in the run (`tool_choice` reset to "auto"), or None to
    #: keep `params` and `tool_choice` throughout.
    params_after_call: GenerationParams | None = None

    def settings(self, called_tool: bool) -> tuple[GenerationParams, str]:
        """The generation settings and tool choice for the next step of a run."""
        if called_tool and self.params_after_call is not None:
            return self.params_after_call, "auto"
        return self.params, self.tool_choice
