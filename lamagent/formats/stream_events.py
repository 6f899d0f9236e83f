"""What a streaming reader of model output yields, and the contract of such a reader."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from lamagent.messages import AssistantTurn, ToolCall


@dataclass(frozen=True)
class TextPiece:
    """Streamed text that is certainly not part of a tool call."""

    text: str


@dataclass(frozen=True)
class CallDelta:
    """A complete tool call, emitted once its JSON has closed."""

    call: ToolCall
    index: int


StreamEvent = TextPiece | CallDelta


class StreamParser(ABC):
    """Incremental parser for streamed model output.

    `feed` takes the next piece of text and returns the events it makes certain; `finish`
    returns the whole `AssistantTurn`, equal to `Format.parse` of the concatenated text.
    """

    @abstractmethod
    def feed(self, delta: str) -> list[StreamEvent]: ...

    @abstractmethod
    def finish(self) -> AssistantTurn: ...
