"""Calls that took another tool's ask: a tool called again on the values of a clause that
names another tool.

A request that asks several tools, each in a clause of its own, gets the right calls from the
embedded model under the calls-only grammar, and then one more: a tool it already called,
called again with the values of the clause that asks for another tool. "Perform Gaussian
integral of the function exp(-x^2) from -2 to 2. Also calculate the definite integral from 0
to 3.1416 of sin(x)." gives `math.gaussian_integral("exp(-x^2)", -2, 2)`,
`math.definite_integral("sin(x)", 0, 3.1416)` and `math.definite_integral("exp(-x^2)", 2, 2)`;
"Find the sum of all the multiples of 3 and 5 ... Also find the product of the first five
prime numbers." gives `product_of_primes(count=5)` and `product_of_primes(count=3)`. A tool
with side effects would run the other ask's values.

`other_asks(calls, query, tools)` leaves out a call where

- the pieces of the request that write most of its values (its numbers, in digits or in
  words, and its strings of three characters or more; case aside) name none of its tool's
  own words (`lamagent.gate.named_asks`: the words of its name no other offered tool's name
  has), and each of them names another tool that a call of the turn used with every value
  of it the piece writes: the values went to their own tool (a value of the piece no such
  call holds, "a table at Zuma" beside "a flight to Denver", is an ask of its own, named by
  a word no tool's name has). The pieces are the clauses
  (`lamagent.gate.joined.request_clauses`), each divided between two tools it names
  (`named_asks.ToolNames.pieces`: "the GCD of 96 and 128, and the LCM of 15 and 25"), a
  piece that names a tool joined by those after it that name none (an ask written on over
  several sentences);
- and a call of its tool stays whose pieces are not another tool's: the tool keeps the
  call of its own ask (a call list whose every call of a tool reads another tool's pieces
  says nothing of which is the one the user asked for, and all stay).

A call that writes no value of the request, or whose pieces name no tool, stays; so does
every call of a request of one piece. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from lamagent.gate.joined import request_clauses
from lamagent.gate.mentions import NUMBER_WORDS
from lamagent.gate.named_asks import ToolNames
from lamagent.gate.sentences import string_values, written_numbers
from lamagent.gate.shared_numbers import held_numbers
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["Piece", "ask_pieces", "other_asks"]


class Piece:
    """A piece of the request, read once: its text, the numbers it writes (in digits or in
    words), its text in lower case, the tools it names."""

    def __init__(self, text: str, names: ToolNames) -> None:
        said = {Decimal(NUMBER_WORDS[w]) for w in words(text) if w in NUMBER_WORDS}
        self.text = text
        self.numbers = written_numbers(text) | said
        self.lowered = text.lower()
        self.named = names.named(text)

    def writes(self, numbers: set[Decimal], strings: set[str]) -> tuple[set[Decimal], set[str]]:
        """The values of a call (numbers, lower-case strings) this piece writes."""
        return numbers & self.numbers, {s for s in strings if s in self.lowered}


def ask_pieces(query: str, tools: Sequence[Tool]) -> list[Piece]:
    """The pieces of `query`: its clauses (`lamagent.gate.joined.request_clauses`), each
    divided between two tools it names (`named_asks.ToolNames.pieces`); a piece that names a
    tool with the pieces after it that name none, one ask written on ("Lastly, I am curious
    about the CAGR of an investment I made. The initial investment value was $5000, ...").
    The pieces before the first that names a tool are one piece of their own (what the request
    says before its asks is every ask's)."""
    names = ToolNames(tools)
    groups: list[list[str]] = []
    for clauses in request_clauses(query, tools):
        for clause in clauses:
            for piece in names.pieces(clause):
                if groups and not names.named(piece):
                    groups[-1].append(piece)
                else:
                    groups.append([piece])
    return [Piece(" ".join(group), names) for group in groups]


def other_asks(
    calls: Sequence[ToolCall],
    query: str,
    tools: Sequence[Tool],
    *,
    pieces: Sequence[Piece] | None = None,
) -> tuple[list[ToolCall], list[ToolCall]]:
    """`calls` split into those kept and those that took another tool's ask (see the
    module's docstring), each in order; `pieces`: `ask_pieces(query, tools)`, where the
    caller has read them already."""
    if len(calls) < 2 or len(tools) < 2:  # no other tool's call: a fast path
        return list(calls), []
    pieces = ask_pieces(query, tools) if pieces is None else pieces
    if len(pieces) < 2:
        return list(calls), []
    values = [(held_numbers(c.arguments), string_values(c)) for c in calls]
    others = [_others(i, calls, values, pieces) for i in range(len(calls))]
    # a tool keeps its calls where none of them is its own ask's
    own = {call.name for call, other in zip(calls, others, strict=True) if not other}
    kept = [c for c, other in zip(calls, others, strict=True) if not other or c.name not in own]
    dropped = [c for c, other in zip(calls, others, strict=True) if other and c.name in own]
    return kept, dropped


def _others(
    index: int,
    calls: Sequence[ToolCall],
    values: Sequence[tuple[set[Decimal], set[str]]],
    pieces: Sequence[Piece],
) -> bool:
    """Whether the pieces that write most of the values of `calls[index]` name none of its
    tool's own words and each names another tool, used by a call that holds every value of
    it the piece writes."""
    call = calls[index]
    numbers, strings = values[index]
    written = [piece.writes(numbers, strings) for piece in pieces]
    shares = [len(n) + len(s) for n, s in written]
    most = max(shares)
    for piece, (own_numbers, own_strings), share in zip(pieces, written, shares, strict=True):
        if share != most:
            continue
        if call.name in piece.named:
            return False
        # a call of a tool the piece names holds them all (none where the piece names no
        # tool, or the call holds no value of the request): the values went to their tool
        went = most > 0 and any(
            other.name in piece.named and own_numbers <= held[0] and own_strings <= held[1]
            for other, held in zip(calls, values, strict=True)
        )
        if not went:
            return False
    return True
