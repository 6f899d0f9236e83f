"""`GatedTurns`: auto mode that drafts a call list first, then keeps it or answers in text.

A small model given "text or calls" almost never calls; given "calls only" it always does. The
gate takes the second, then judges the draft (`CallGate.decide`): a kept draft is the turn; a
rejected one is replaced by a text answer generated under a text-only grammar (the same prompt,
so a prefix-caching engine re-reads nothing; after a tool's result it starts with the gate's
`answer_cue`, when it has one). The decision rides on the returned
`GatedModelTurn.gate`. Only auto turns of a prompt backend that honours constraints, with
tools, are gated; everything else goes straight to the wrapped source.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lamagent.errors import ConfigError
from lamagent.gate.policy import CallGate, GateDecision
from lamagent.gate.signals import measure
from lamagent.generation import Constraint
from lamagent.messages import AssistantTurn, MessageLike, to_messages
from lamagent.turns import (
    ModelTurn,
    OnRaw,
    OnText,
    PromptTurns,
    TurnRequest,
    TurnSource,
    combined_generation,
    with_invented_values,
    with_said_values,
)

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["GatedModelTurn", "GatedTurns", "gated"]


@dataclass(frozen=True)
class GatedModelTurn(ModelTurn):
    """A `ModelTurn` with the gate's decision (None when the turn was not gated)."""

    gate: GateDecision | None = None


class _TextTurns(PromptTurns):
    """The same model and Format, with the auto grammar's text alternative only."""

    def constraint(
        self,
        tools: Sequence[Tool],
        tool_choice: str,
        max_calls: int | None,
        *,
        shapes: bool = False,
    ) -> Constraint | None:
        auto = super().constraint(tools, "auto", max_calls, shapes=shapes)
        if auto is None or not auto.allow_text:
            return auto  # a format whose "no call" is JSON (xLAM-1) keeps its auto grammar
        return Constraint(allow_text=True, call_prefixes=auto.call_prefixes, key=f"text:{auto.key}")


class GatedTurns(TurnSource):
    """A prompt-backend turn source whose auto turns pass through a `CallGate`."""

    def __init__(self, inner: PromptTurns, gate: CallGate) -> None:
        cue = gate.answer_cue
        if cue is not None and inner.format.control_strings.found_in(cue):
            raise ConfigError(f"the gate's answer_cue {cue!r} holds the model's control tokens")
        self.inner = inner
        self.gate = gate
        self.backend = inner.backend
        self.format = inner.format
        self._text = _TextTurns(inner.backend, inner.format)

    def gates(self, request: TurnRequest) -> bool:
        """Whether this request is decided by the gate (auto, with tools, grammar supported,
        and no constraint of its own such as a typed answer's)."""
        return (
            request.tool_choice == "auto"
            and bool(request.tools)
            and request.constraint is None
            and self.inner.supports_constraint
        )

    async def next_turn(
        self,
        request: TurnRequest,
        *,
        on_text: OnText | None = None,
        on_raw: OnRaw | None = None,
    ) -> ModelTurn:
        if not self.gates(request):
            return await self.inner.next_turn(request, on_text=on_text, on_raw=on_raw)
        started = time.perf_counter()
        draft = await self.inner.next_turn(
            dataclasses.replace(request, tool_choice="required", constrained=True, gate_draft=True)
        )
        drafted = time.perf_counter() - started
        calls = draft.turn.calls if draft.turn.error is None else []
        signals = measure(calls, request.messages, request.tools) if calls else None
        decision = dataclasses.replace(
            self.gate.decide(signals),
            draft=[c.to_xlam() for c in calls],
            draft_seconds=drafted,
        )
        if decision.decision == "call":
            # what the model invented weighed in the decision; the call goes without it
            draft = with_invented_values(with_said_values(draft, request), request)
            # the sentences no call took anything from, each drafted on its own as a call
            draft = await self.inner.sentence_calls(
                draft, dataclasses.replace(request, tool_choice="required", constrained=True)
            )
            if on_raw is not None:
                on_raw(draft.generation.text)
            return GatedModelTurn(
                draft.turn,
                draft.generation,
                draft.prompt,
                draft.render_seconds,
                mentioned=draft.mentioned,
                renamed=draft.renamed,
                listed=draft.listed,
                unasked=draft.unasked,
                reshaped=draft.reshaped,
                gate=decision,
            )
        cue = self.gate.answer_cue if _after_a_result(request.messages) else None
        text = await self._text.next_turn(
            dataclasses.replace(request, constrained=True, prefill=cue or ""),
            on_text=on_text,
            on_raw=on_raw,
        )
        return GatedModelTurn(
            _as_answer(text.turn, text.generation.text),
            combined_generation(draft.generation, text.generation),
            text.prompt,
            draft.render_seconds + text.render_seconds,
            gate=dataclasses.replace(decision, answer_cue=cue),
        )


def _after_a_result(messages: Sequence[MessageLike]) -> bool:
    """Whether a tool's result came back since the user's last message (the answer at hand is
    about a result, not the user's first words)."""
    for message in reversed(to_messages(messages)):
        if message.role == "tool":
            return True
        if message.role == "user":
            return False
    return False


def _as_answer(turn: AssistantTurn, written: str) -> AssistantTurn:
    """The gate's text answer stays an answer: a call the format reads out of it (a snippet
    the small model wrote, `{"name": "get_weather", "arguments": {...}}` inside Python code) is
    text, not a call the gate turned down coming back in."""
    if not turn.calls:
        return turn
    return AssistantTurn(answer=written.strip(), raw=written)


def gated(source: TurnSource, gate: CallGate | None) -> TurnSource:
    """`source` behind `gate` when it is a prompt source and a gate is given, else `source`.

    Chat backends keep their server's own auto mode: the gate needs a grammar lamagent controls.
    """
    if gate is None or not isinstance(source, PromptTurns):
        return source
    return GatedTurns(source, gate)
