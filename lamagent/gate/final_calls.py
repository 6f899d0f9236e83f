"""The rules that read a turn's final call list, after every draft that added calls.

`final_calls(calls, query, tools)`: a call of a tool on the values of a piece that asks for
another tool is left out (`lamagent.gate.other_asks`), then each call left takes back the
values of its own ask that another ask's value stands in for (`lamagent.gate.asked_values`),
and a value that ran on into a number nobody wrote, or from a number into words nobody wrote,
is cut before it, and so is one that ran on past a closing brace or bracket nobody wrote
(`lamagent.gate.overruns.unwritten_tails`: read once the drafts are done, as a mangled value
tells the rules that ask a clause again that no call took it); a call
that became one the turn makes already is left out too, and, with `example_shapes`, the ints
of parameters that take floats, a value given back among them, are floats
(`lamagent.gate.number_types`). `PromptTurns.sentence_calls`
applies them as the last step of a turn that must call; `bench/replay_rules.py
--recorded-calls` applies them to recorded calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lamagent.gate.asked_values import asked_values
from lamagent.gate.listed import changed_repeats
from lamagent.gate.number_types import typed_numbers
from lamagent.gate.other_asks import Piece, ask_pieces, other_asks
from lamagent.gate.overruns import unwritten_tails
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["FinalCalls", "final_calls"]


@dataclass(frozen=True)
class FinalCalls:
    """The calls kept; those left out (another tool's ask, or a repeat); the notes of the
    values given back."""

    calls: list[ToolCall]
    unasked: list[ToolCall]
    reshaped: list[str]


def final_calls(
    calls: Sequence[ToolCall], query: str, tools: Sequence[Tool], *, floats: bool = False
) -> FinalCalls:
    """`calls` through the rules that read the final list (see the module's docstring); the
    ints of parameters that take floats as floats where `floats` (`example_shapes`)."""
    if len(calls) < 2 or len(tools) < 2:  # no other ask's call: the number tails alone
        pieces: list[Piece] = []
    else:  # the request's asks, read once for both rules
        pieces = ask_pieces(query, tools)
    kept, others = other_asks(calls, query, tools, pieces=pieces)
    given = asked_values(kept, query, tools, pieces=pieces)
    cut, notes = unwritten_tails(given.calls, query)
    unique, repeats = changed_repeats(cut, given.calls)
    typed, retyped = typed_numbers(unique, tools) if floats else (unique, [])
    unasked = [*others, *given.repeats, *repeats]
    return FinalCalls(typed, unasked, [*given.notes, *notes, *retyped])
