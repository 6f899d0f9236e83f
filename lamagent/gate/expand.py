"""More calls where the query asks for several: draft again with a floor on the count.

A small model under the calls-only grammar stops after one call where the user asked for two
to four ("the factorial of 5, 10 and 15"). When the query still holds data words that the
draft did not use (words that are neither stop words, nor the tool's own vocabulary, nor in
the drafted values), the turn is drafted again under the same grammar with at least two calls
(`minItems`), and the extra calls are pruned: a later call is kept only when every value it
has is grounded in the conversation and it brings a value no earlier call had. What is left
is the turn (never fewer calls than the first draft).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lamagent.formats.grammar import constraint_key
from lamagent.gate.signals import content_words, leaf_values, measure, words
from lamagent.generation import Constraint
from lamagent.messages import MessageLike, ToolCall, to_messages
from lamagent.turns import ModelTurn, PromptTurns, TurnRequest

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["leftover_words", "more_calls", "prune_calls"]


class _AtLeastTwo(PromptTurns):
    """The same model and Format, its calls-only grammar asking for two calls or more."""

    def constraint(
        self, tools: Sequence[Tool], tool_choice: str, max_calls: int | None
    ) -> Constraint | None:
        base = super().constraint(tools, tool_choice, max_calls)
        if base is None or base.json_schema is None:
            return base
        schema = _with_min_items(base.json_schema, 2)
        if schema is None:
            return base
        return base.model_copy(
            update={
                "json_schema": schema,
                "key": constraint_key(schema, base.allow_text, base.call_prefixes),
            }
        )


def _with_min_items(schema: dict[str, Any], floor: int) -> dict[str, Any] | None:
    """A copy of a call-list schema (or of an object holding `tool_calls`) with `minItems`."""
    if schema.get("type") == "array":
        if schema.get("maxItems", floor) < floor:
            return None
        return {**schema, "minItems": floor}
    props = schema.get("properties") or {}
    calls = props.get("tool_calls")
    if isinstance(calls, dict) and calls.get("type") == "array":
        if calls.get("maxItems", floor) < floor:
            return None
        return {**schema, "properties": {**props, "tool_calls": {**calls, "minItems": floor}}}
    return None


def leftover_words(
    calls: Sequence[ToolCall], messages: Sequence[MessageLike], tools: Sequence[Tool]
) -> set[str]:
    """Data words of the last user message that the calls did not use."""
    users = [m for m in to_messages(messages) if m.role == "user"]
    if not users or not isinstance(users[-1].content, str):
        return set()
    query = content_words(users[-1].content)
    vocabulary: set[str] = set()
    for tool in tools:
        vocabulary |= content_words(_tool_text(tool))
    used = {w for call in calls for v in leaf_values(call.arguments) for w in words(v)}
    used_stems = content_words(" ".join(used)) | used
    return {w for w in query if w not in vocabulary and w not in used_stems}


def _tool_text(tool: Tool) -> str:
    props = tool.parameters.get("properties") or {}
    parts = [tool.name, tool.description]
    for name, schema in props.items() if isinstance(props, dict) else ():
        parts.append(str(name))
        if isinstance(schema, dict):
            parts.append(str(schema.get("description", "")))
    return " ".join(parts)


def prune_calls(
    calls: Sequence[ToolCall], messages: Sequence[MessageLike], tools: Sequence[Tool]
) -> list[ToolCall]:
    """The first call, then each later one that is fully grounded and brings a new value."""
    kept: list[ToolCall] = []
    seen: set[str] = set()
    for call in calls:
        values = {"".join(words(v)) for v in leaf_values(call.arguments)}
        if kept:
            grounding = measure([call], messages, tools).grounding
            if grounding is None or grounding < 1.0 or values <= seen:
                continue
        kept.append(call)
        seen |= values
    return kept


def _without_values(text: str, calls: Sequence[ToolCall]) -> str:
    """`text` with the first occurrence of each value the calls used taken out."""
    import re

    for call in calls:
        for value in leaf_values(call.arguments):
            if value.strip():
                text = re.sub(re.escape(value), "", text, count=1, flags=re.IGNORECASE)
    return text


async def more_calls(
    inner: PromptTurns, request: TurnRequest, draft: ModelTurn, *, most: int = 4
) -> ModelTurn | None:
    """A turn with more calls than `draft` when the query asks for them, else None.

    Each further call is drafted on the user's message with the values of the calls so far
    taken out, so the model reaches for the next item instead of repeating the first call.
    """
    calls = list(draft.turn.calls)
    if len(calls) != 1 or draft.turn.error is not None:
        return None
    history = to_messages(request.messages)
    last_user = max((i for i, m in enumerate(history) if m.role == "user"), default=None)
    if last_user is None or not isinstance(history[last_user].content, str):
        return None
    usage = draft.generation.usage
    while len(calls) < most and leftover_words(calls, request.messages, request.tools):
        reduced = list(history)
        reduced[last_user] = history[last_user].model_copy(
            update={"content": _without_values(history[last_user].content, calls)}
        )
        again = await inner.next_turn(
            dataclasses.replace(
                request, messages=reduced, tool_choice="required", constrained=True, max_calls=1
            )
        )
        usage = usage + again.generation.usage
        if again.turn.error is not None or not again.turn.calls:
            break
        pruned = prune_calls([*calls, *again.turn.calls], request.messages, request.tools)
        if len(pruned) <= len(calls):
            break
        calls = pruned
    if len(calls) < 2:
        return None
    turn = draft.turn.model_copy(update={"calls": calls})
    generation = draft.generation.model_copy(update={"usage": usage})
    return ModelTurn(turn, generation, draft.prompt, draft.render_seconds)
