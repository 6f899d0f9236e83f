"""Fitting a conversation into the model's context window.

When the next prompt would not fit (`ModelInfo.context_length`, less room for the reply), the
prompt of that turn leaves out what matters least, in this order: it shortens the oldest tool
results, then drops the oldest turns. The system prompt, the tools, the message that started
the current run (the query or the user's follow-up) and the latest turns are kept. The
trajectory keeps everything; the step records what its prompt left out (`Step.context`).

Tokens are counted with the backend's tokenizer when it has one (`tokenize`), else estimated
from the text's length. A cut prompt is not an extension of the previous one: backends reuse
only the common prefix of their KV cache, so the reuse stays correct (and since the cuts only
grow oldest-first, consecutive prompts still share most of their prefix).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lamagent.errors import ContextOverflowError
from lamagent.formats.specs import tool_specs
from lamagent.messages import Message
from lamagent.trajectory.models import ContextCut
from lamagent.turns import PromptTurns, TurnRequest, TurnSource

#: Counts the tokens of a prompt built from these messages.
Counter = Callable[[Sequence[Message]], int]


class ContextPolicy(BaseModel):
    """What to do when the next prompt would not fit the model's context window.

    `strategy="trim"` shortens the oldest tool results to `shorten_to` characters, then drops
    the oldest turns, keeping the last `keep_last_turns` model turns; `"error"` lets the backend
    raise `ContextOverflowError` (outcome "error"). `reserve_tokens` is the room kept for the
    reply (None: the turn's `max_tokens`, at most a quarter of the window).
    `chars_per_token` estimates tokens for a backend without a tokenizer.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["trim", "error"] = "trim"
    keep_last_turns: int = Field(default=2, ge=0)
    shorten_to: int = Field(default=200, ge=0)
    reserve_tokens: int | None = Field(default=None, ge=0)
    chars_per_token: float = Field(default=3.0, gt=0)

    def limit(self, context_length: int, max_tokens: int) -> int:
        """Tokens the prompt may have in a window of `context_length`."""
        reserve = self.reserve_tokens
        if reserve is None:
            reserve = min(max_tokens, context_length // 4)
        return max(1, context_length - reserve)


def token_counter(turns: TurnSource, request: TurnRequest, policy: ContextPolicy) -> Counter:
    """Counts a prompt's tokens the way this turn source will send it."""
    if isinstance(turns, PromptTurns):
        fmt, tools = turns.format, list(request.tools)
        tokenize = getattr(turns.backend, "tokenize", None)

        def count_rendered(messages: Sequence[Message]) -> int:
            prompt = fmt.render(messages, tools)
            if callable(tokenize):
                return len(tokenize(prompt))
            return _estimate(len(prompt), policy)

        return count_rendered
    tools = list(request.tools)

    def count_chat(messages: Sequence[Message]) -> int:
        specs = json.dumps(tool_specs(tools), ensure_ascii=False, default=str)
        text = json.dumps([m.to_dict() for m in messages], ensure_ascii=False, default=str)
        return _estimate(len(text) + len(specs), policy)

    return count_chat


def _estimate(chars: int, policy: ContextPolicy) -> int:
    return int(chars / policy.chars_per_token) + 1


@dataclass
class Fitted:
    """The messages of a prompt that fits, and what was cut (None when nothing was)."""

    messages: list[Message]
    cut: ContextCut | None


def fit_messages(
    messages: Sequence[Message],
    count: Counter,
    limit: int,
    policy: ContextPolicy,
    pinned: int | None = None,
) -> Fitted:
    """`messages` cut until `count` says they fit in `limit` tokens.

    `pinned` is the index of a message never dropped (the one that started the current run).
    Raises `ContextOverflowError` when even the kept messages do not fit.
    """
    before = count(messages)
    if before <= limit:
        return Fitted(list(messages), None)
    work: list[Message | None] = list(messages)
    keep = _protected(messages, policy.keep_last_turns, pinned)
    cut = ContextCut(limit=limit, tokens_before=before, tokens_after=before)
    chars = sum(len(_text(m.content)) for m in messages) or 1
    per_char = before / chars  # tokens per character of content, for estimates between counts
    estimate = before

    def measured() -> bool:
        nonlocal estimate
        if estimate > limit:
            return False
        estimate = count([m for m in work if m is not None])
        return estimate <= limit

    for i, message in enumerate(messages):  # 1. shorten the oldest tool results
        if i in keep or message.role != "tool":
            continue
        text = _text(message.content)
        if len(text) <= policy.shorten_to + 80:
            continue
        removed = len(text) - policy.shorten_to
        note = f" [... {removed} characters cut to fit the context window]"
        work[i] = message.model_copy(update={"content": text[: policy.shorten_to] + note})
        cut.shortened.append(message.tool_call_id or f"tool message {i}")
        estimate -= int((removed - len(note)) * per_char)
        if measured():
            return _done(work, cut, estimate)
    for unit in _units(messages):  # 2. drop the oldest turns
        if any(i in keep for i in unit if i != pinned) or all(i == pinned for i in unit):
            continue
        for i in unit:
            if i == pinned or work[i] is None:
                continue
            estimate -= int(len(_text(work[i].content)) * per_char) + 4  # type: ignore[union-attr]
            work[i] = None
            cut.dropped.append(_label(messages[i], i))
        if measured():
            return _done(work, cut, estimate)
    estimate = count([m for m in work if m is not None])
    if estimate <= limit:
        return _done(work, cut, estimate)
    raise ContextOverflowError(
        f"the prompt has {estimate} tokens after cutting old tool results and turns, but only "
        f"{limit} fit (the context window less the room for the reply): shorten the system "
        "prompt or the tools, keep fewer turns (ContextPolicy.keep_last_turns), or load the "
        "model with a larger context"
    )


def _done(work: list[Message | None], cut: ContextCut, tokens: int) -> Fitted:
    cut.tokens_after = tokens
    return Fitted([m for m in work if m is not None], cut)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    return json.dumps(content, ensure_ascii=False, default=str)


def _units(messages: Sequence[Message]) -> list[list[int]]:
    """Droppable units, oldest first: a model turn with what came back after it (its tool
    results, feedback, the user's reply), or a message before the first model turn."""
    units: list[list[int]] = []
    current: list[int] | None = None
    for i, message in enumerate(messages):
        if message.role == "system":
            continue
        if message.role == "assistant":
            current = [i]
            units.append(current)
        elif current is None:
            units.append([i])
        else:
            current.append(i)
    return units


def _protected(messages: Sequence[Message], keep_last: int, pinned: int | None) -> set[int]:
    """Indexes never cut: system messages, the pinned message, the last `keep_last` turns."""
    keep = {i for i, m in enumerate(messages) if m.role == "system"}
    if pinned is not None:
        keep.add(pinned)
    turns = [i for i, m in enumerate(messages) if m.role == "assistant"]
    if keep_last and turns:
        keep.update(
            range(turns[-keep_last] if len(turns) >= keep_last else turns[0], len(messages))
        )
    return keep


def _label(message: Message, index: int) -> str:
    if message.role == "tool" and message.tool_call_id:
        return message.tool_call_id
    return f"{message.role} message {index}"


__all__ = ["ContextPolicy", "Fitted", "fit_messages", "token_counter"]
