"""`RunResult`: what a run produced and why it stopped (a leaf module: the loop, events and
the eval all return or carry it without importing the Agent)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lamagent.messages import Message, Usage
from lamagent.trajectory import Outcome, Trajectory


class RunResult(BaseModel):
    """What a run produced and why it stopped.

    `outcome` is "answer" when the model answered (or asked the user something), else the limit
    or failure that stopped it ("max_steps", "max_tokens", "timeout", "max_retries", "error"),
    with `error` saying more. `messages` is the whole conversation; `trajectory` the record.
    `usage` counts this run's model turns and those of agents it called as tools (each of
    those has its own trajectory, whose usage counts only its own turns).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: str | None
    outcome: Outcome
    error: str | None = None
    messages: list[Message]
    trajectory: Trajectory
    usage: Usage = Field(default_factory=Usage)
    #: Seconds: "generate" and "execute" summed over steps, "total" for the run.
    timings: dict[str, float] = Field(default_factory=dict)
    #: Steps taken by this run.
    steps: int = 0
    #: The validated final answer when the agent has an `output_type` (else None); `answer`
    #: is the text it was read from.
    output: Any = None

    @property
    def ok(self) -> bool:
        """True when the run ended with an answer."""
        return self.outcome == "answer"


__all__ = ["RunResult"]
