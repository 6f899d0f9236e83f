"""Typed events streamed by `Agent.stream` / `Agent.astream`, in the order things happen.

A run yields, per step: `TextDelta`s as the model writes text that is not a tool call, one
`ToolCallEvent` per call the model made (with its verification error, if any), one
`ToolResultEvent` per call in call order once the turn's tools have run, then `StepFinished`
with the recorded step. The last event is always `RunFinished` with the `RunResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.result import RunResult
    from lamagent.tools import CallError
    from lamagent.trajectory import Step


@dataclass(frozen=True)
class TextDelta:
    """Text the model is writing (answer or thought), as it streams."""

    text: str
    step: int


@dataclass(frozen=True)
class ToolCallEvent:
    """A call the model made; `error` is set when it failed verification and will not run."""

    call: ToolCall
    index: int
    step: int
    error: CallError | None = None


@dataclass(frozen=True)
class ToolResultEvent:
    """The observation for one call: the tool's result or an error the model will see.

    `error_kind` is None for a successful call, else "invalid", "exception", "timeout",
    "refused" or "duplicate" (a duplicate shares the first call's result).
    """

    call: ToolCall
    index: int
    step: int
    result: Any
    error_kind: str | None = None


@dataclass(frozen=True)
class StepFinished:
    """One model turn and its observations, as recorded in the trajectory."""

    step: Step


@dataclass(frozen=True)
class RunFinished:
    """The run is over; `result.outcome` says why."""

    result: RunResult


Event = TextDelta | ToolCallEvent | ToolResultEvent | StepFinished | RunFinished

__all__ = ["Event", "RunFinished", "StepFinished", "TextDelta", "ToolCallEvent", "ToolResultEvent"]
