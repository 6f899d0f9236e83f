"""Conversation data: messages, tool calls, parsed assistant turns and token usage.

These pydantic models are the interchange between formats, backends, the agent loop and the
trajectory store. They round-trip to OpenAI-style dicts, the shape every other tool speaks.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]


def new_call_id() -> str:
    """A fresh, unique id for a tool call (OpenAI style)."""
    return "call_" + uuid.uuid4().hex[:16]


class ToolCall(BaseModel):
    """One call of a tool by the model: a name and a dict of arguments."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str = Field(default_factory=new_call_id)

    def to_xlam(self) -> dict[str, Any]:
        """The `{"name", "arguments"}` object xLAM models emit and are trained on."""
        return {"name": self.name, "arguments": self.arguments}

    def to_openai(self) -> dict[str, Any]:
        """OpenAI chat-completions form (`arguments` as a JSON string)."""
        return {
            "id": self.id,
            "type": "function",
            "function": {
                "name": self.name,
                "arguments": json.dumps(self.arguments, ensure_ascii=False),
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ToolCall:
        """Accept OpenAI (`{"function": {...}}`) or xLAM (`{"name", "arguments"}`) shapes.

        `arguments` may be a dict or a JSON string (as OpenAI sends it). Raises `ValueError`
        for anything else; callers that handle model output catch it and report a parse error.
        """
        fn = data.get("function", data)
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise ValueError(f"a tool call needs a string 'name': {dict(data)!r}")
        args: Any = fn.get("arguments", fn.get("parameters", {}))
        if isinstance(args, str):
            args = json.loads(args) if args.strip() else {}
        if args is None:
            args = {}
        if not isinstance(args, dict):
            raise ValueError(f"tool call arguments must be an object, got {type(args).__name__}")
        call_id = data.get("id")
        if isinstance(call_id, str) and call_id:
            return cls(name=fn["name"], arguments=args, id=call_id)
        return cls(name=fn["name"], arguments=args)


class Message(BaseModel):
    """A chat message in OpenAI's shape.

    `content` of a tool message may be any JSON-able value (formats dump dicts and lists as JSON
    and insert strings raw, as xLAM's templates do).
    """

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: Any = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None

    @classmethod
    def system(cls, content: str) -> Message:
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role="user", content=content)

    @classmethod
    def assistant(cls, content: str | None = None, tool_calls: Iterable[ToolCall] = ()) -> Message:
        return cls(role="assistant", content=content, tool_calls=list(tool_calls))

    @classmethod
    def tool(
        cls, content: Any, tool_call_id: str | None = None, name: str | None = None
    ) -> Message:
        return cls(role="tool", content=content, tool_call_id=tool_call_id, name=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Build from an OpenAI-style dict (tool-call arguments as dict or JSON string).

        The legacy role `ipython` (Llama) and `function` map to `tool`.
        """
        role = data.get("role")
        if role in ("ipython", "function", "observation"):
            role = "tool"
        calls = [ToolCall.from_dict(c) for c in data.get("tool_calls") or []]
        return cls(
            role=role,  # type: ignore[arg-type]
            content=data.get("content"),
            tool_calls=calls,
            tool_call_id=data.get("tool_call_id"),
            name=data.get("name"),
        )

    def to_dict(self) -> dict[str, Any]:
        """OpenAI chat-completions dict; empty fields are left out."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            out["tool_calls"] = [c.to_openai() for c in self.tool_calls]
        if self.tool_call_id is not None:
            out["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            out["name"] = self.name
        return out


MessageLike = Message | Mapping[str, Any]


def to_messages(messages: Iterable[MessageLike]) -> list[Message]:
    """Normalise a mix of Message objects and OpenAI-style dicts to Messages."""
    return [m if isinstance(m, Message) else Message.from_dict(m) for m in messages]


class ParseError(BaseModel):
    """Model output that could not be read as an answer or as tool calls.

    Never raised: it is a value the loop turns into an observation for the model.
    """

    message: str
    text: str = ""


class AssistantTurn(BaseModel):
    """What a Format made of one model output.

    Exactly one of these holds: `calls` is non-empty (the model called tools), `answer` is set
    (plain text for the user: an answer or a question), or `error` is set (malformed output).
    `thought` keeps any text the model wrote beside its calls.
    """

    thought: str = ""
    calls: list[ToolCall] = Field(default_factory=list)
    answer: str | None = None
    error: ParseError | None = None
    raw: str = ""

    @property
    def is_call(self) -> bool:
        return bool(self.calls)

    @property
    def is_answer(self) -> bool:
        return self.answer is not None and not self.calls and self.error is None

    def to_message(self) -> Message:
        """The assistant message to append to the conversation."""
        if self.calls:
            return Message.assistant(self.thought or None, self.calls)
        if self.answer is not None:
            return Message.assistant(self.answer)
        return Message.assistant(self.raw)


class Usage(BaseModel):
    """Token counts of one or more generations.

    `prompt_tokens` counts the whole prompt; `evaluated_tokens` counts the prompt tokens the
    engine actually had to process (the rest came from a reused KV cache).
    """

    prompt_tokens: int = 0
    evaluated_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            evaluated_tokens=self.evaluated_tokens + other.evaluated_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            requests=self.requests + other.requests,
        )
