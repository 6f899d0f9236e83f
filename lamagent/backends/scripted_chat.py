"""A chat backend that replays scripted assistant messages: the test double for chat APIs.

`ScriptedChatBackend` stands in for a server's chat API (its own template and tool parser) so
that code driving a `ChatBackend` can be tested offline. Each reply is a list of calls (the
server parsed them), a text (no calls), an assistant `Message`, or an exception to raise. A
reply may also be a function of the request (`ChatRequest`: messages, tools, tool_choice), for
a double that answers what it is asked (a named tool_choice gets a call of that tool).

    backend = ScriptedChatBackend([[ToolCall(name="get_weather", arguments={"city": "Paris"})],
                                   "It is sunny in Paris."])
    Agent(backend, tools=[get_weather]).run("Weather in Paris?").answer
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lamagent.backends.base import ChatBackend
from lamagent.errors import BackendError
from lamagent.generation import Generation, GenerationParams, ModelInfo
from lamagent.messages import Message, MessageLike, ToolCall, Usage, to_messages

#: One scripted reply: calls, a text, a whole assistant message, or an exception to raise.
ChatReply = Sequence[ToolCall | Mapping[str, Any]] | str | Message | BaseException


@dataclass(frozen=True)
class ChatRequest:
    """What one `achat` was asked: the messages, the tool specs and the tool choice."""

    messages: list[Message]
    tools: list[dict[str, Any]]
    tool_choice: str


#: A scripted reply, or a function that makes the reply from the request.
ScriptStep = ChatReply | Callable[[ChatRequest], ChatReply]


class ScriptedChatBackend(ChatBackend):
    """Replays `replies` in order, one per `achat`; every request is kept in `requests`.

    `requests` holds `(messages, tools, tool_choice)` per turn, for assertions.
    """

    def __init__(
        self, replies: Sequence[ScriptStep], *, model_info: ModelInfo | None = None
    ) -> None:
        self._replies = list(replies)
        self._next = 0
        self._info = model_info or ModelInfo(model_id="scripted-chat")
        self.requests: list[tuple[list[Message], list[dict[str, Any]], str]] = []

    @property
    def info(self) -> ModelInfo:
        return self._info

    async def achat(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[Mapping[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str = "auto",
    ) -> tuple[Message, Generation]:
        request = ChatRequest(to_messages(messages), [dict(t) for t in tools], tool_choice)
        self.requests.append((request.messages, request.tools, request.tool_choice))
        if self._next >= len(self._replies):
            raise BackendError(f"the script has only {len(self._replies)} replies")
        step = self._replies[self._next]
        self._next += 1
        reply = step(request) if callable(step) else step
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, Message):
            message = reply
        elif isinstance(reply, str):
            message = Message.assistant(reply)
        else:
            calls = [c if isinstance(c, ToolCall) else ToolCall.from_dict(c) for c in reply]
            message = Message.assistant(None, calls)
        content = message.content if isinstance(message.content, str) else ""
        text = content or json.dumps([c.to_xlam() for c in message.tool_calls or []])
        words = len(text.split())
        generation = Generation(
            text=text, usage=Usage(completion_tokens=words, requests=1), timings={"total": 0.0}
        )
        return message, generation


__all__ = ["ChatReply", "ChatRequest", "ScriptStep", "ScriptedChatBackend"]
