"""Reading a conversation the way every Format does: messages, their text, tool results."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from lamagent.errors import FormatError
from lamagent.messages import Message, MessageLike, to_messages


def read_messages(messages: Iterable[MessageLike]) -> list[Message]:
    """Messages from OpenAI-style dicts or Messages; a bad one is a `FormatError`."""
    try:
        return to_messages(messages)
    except (ValueError, TypeError) as exc:
        raise FormatError(f"cannot read the messages: {exc}") from exc


def message_text(content: Any) -> str:
    """Message content as text (None is empty; non-strings as JSON)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return json.dumps(content, ensure_ascii=False)


def result_content(content: Any) -> Any:
    """What a tool result shows: the `content` of a `{"content": ..., ...}` record, else itself.

    The official xLAM-2 template renders a result given as such a record by its `content` only
    (the rest, e.g. a status or an id, is metadata for the caller, not for the model).
    """
    if isinstance(content, dict) and "content" in content:
        return content["content"]
    return content


def dump_result(content: Any, *, ensure_ascii: bool = False) -> str:
    """A tool result as the templates insert it: strings raw, anything else as JSON."""
    content = result_content(content)
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    return json.dumps(content, ensure_ascii=ensure_ascii)


def dump_calls(calls: Iterable[Any], *, ensure_ascii: bool = False) -> str:
    """The JSON list of `{"name", "arguments"}` objects an xLAM-2 model writes for its calls."""
    return json.dumps([c.to_xlam() for c in calls], ensure_ascii=ensure_ascii)
