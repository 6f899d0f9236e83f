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
from lamagent.records import CallError, CallRecord

if TYPE_CHECKING:
    from lamagent.result import RunResult
    from lamagent.trajectory import Step


@dataclass(frozen=True)
class TextDelta:
    """Text the model is writing (answer or thought), as it streams."""

    text: str
    step: int


@dataclass(frozen=True)
class ToolCallEvent:
    """A call the model made, once verified: `record` is its `CallRecord` at that moment.

    `record.error` is set when verification rejected the call (it will not run);
    `record.verified` is the call that will run, after repairs.
    """

    record: CallRecord
    step: int

    @property
    def call(self) -> ToolCall:
        """The call that will run (after repairs), or as written when it was rejected."""
        return self.record.tool_call()

    @property
    def index(self) -> int:
        """Position of the call in its turn."""
        return self.record.index

    @property
    def error(self) -> CallError | None:
        """The verification error, or None when the call will run."""
        return self.record.error if isinstance(self.record.error, CallError) else None


@dataclass(frozen=True)
class ToolResultEvent:
    """The observation for one call, with its whole `CallRecord` (result, error, seconds).

    `error_kind` is None for a call that gave a result (a duplicate shares the first call's
    result and is not an error), "invalid" when verification rejected it, else "exception",
    "timeout" or "refused".
    """

    record: CallRecord
    step: int

    @property
    def call(self) -> ToolCall:
        """The call as it ran (after repairs), or as written when it was rejected."""
        return self.record.tool_call()

    @property
    def index(self) -> int:
        """Position of the call in its turn."""
        return self.record.index

    @property
    def result(self) -> Any:
        """What the model reads for this call: the tool's result or an error observation."""
        return self.record.result

    @property
    def error_kind(self) -> str | None:
        error = self.record.error
        if error is None:
            return None
        return "invalid" if isinstance(error, CallError) else error.kind


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
