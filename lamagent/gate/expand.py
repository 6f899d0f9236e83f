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


async def more_calls(
    inner: PromptTurns, request: TurnRequest, draft: ModelTurn
) -> ModelTurn | None:
    """A turn with more calls than `draft` when the query asks for them, else None."""
    calls = draft.turn.calls
    if len(calls) != 1 or draft.turn.error is not None:
        return None
    if not leftover_words(calls, request.messages, request.tools):
        return None
    wider = _AtLeastTwo(inner.backend, inner.format)
    again = await wider.next_turn(
        dataclasses.replace(request, tool_choice="required", constrained=True)
    )
    if again.turn.error is not None or not again.turn.calls:
        return None
    pruned = prune_calls(again.turn.calls, request.messages, request.tools)
    if len(pruned) < 2:
        return None
    turn = again.turn.model_copy(update={"calls": pruned})
    generation = again.generation.model_copy(
        update={"usage": draft.generation.usage + again.generation.usage}
    )
    return ModelTurn(turn, generation, again.prompt, draft.render_seconds + again.render_seconds)
