"""Values a call took from another tool's ask, given back for the one its own ask writes.

A request that asks several tools, each in a piece of its own, gets each tool's call from
the embedded model under the calls-only grammar, but a value of one piece often lands in the
call of another: "Invest $2000 in Google and withdraw $1000 from Apple." gives
`investment.invest(company="Google", amount=1000)` and
`investment.withdraw(company="Google", amount=1000)`; "the scores for the Manchester United
soccer team in the English Premier League for the last 5 rounds and also the scores for the
Los Angeles Lakers basketball team in the NBA for the last 7 rounds" gives the soccer call
the league "Los Angeles Lakers". The piece that asks for the call's tool still holds the
value the user meant, and no call used it.

`asked_values(calls, query, tools)` gives each call, where

- its ask is the piece of the request that names its tool (`named_asks.ToolNames`, the
  pieces `other_asks.ask_pieces` reads), with the pieces after it that name no tool (an ask
  written on: "Lastly, I am curious about the CAGR of an investment I made. The initial
  investment value was $5000, ..."); of several, the one that writes the most of its
  values (a call whose tool no piece names, or whose values two of them write alike, is
  left);
- an argument's value is not written in its ask but in the ask of another tool: a number,
  or a name (capitalised or quoted). What the request writes before its asks ("Analyze the
  company named 'Tech Innovators'.") may be any ask's, and a piece that names the same tool
  is mostly the same ask written on ("a 'minor' scale type for this progression");
- and its ask writes one value of that kind that no call holds (a number in digits; a name,
  capitalised or quoted, that is not the user's "I", a sentence's opening word, a date, a
  number or the words of a tool's name): the value the user gave this ask,

that argument set to the ask's value, in the type its parameter takes (an argument of
options, `enum`, keeps its option). One borrowed value of a kind and one unused value of it,
or nothing: two of either say nothing of which is which. Two calls that become one call are
one (the model wrote the same ask twice, each with another ask's value); the second is left
out as a repeat. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import number_argument
from lamagent.gate.listed import changed_repeats
from lamagent.gate.named_asks import ToolNames
from lamagent.gate.other_asks import Piece, ask_pieces
from lamagent.gate.reshape import tool_properties
from lamagent.gate.sentences import held, written_numbers
from lamagent.gate.shared_numbers import drafted_number
from lamagent.gate.written_names import written_names
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["AskedValues", "asked_values"]


@dataclass(frozen=True)
class AskedValues:
    """The calls with the values of their own asks; the notes (one per value given back,
    "tool.argument: 1000 as 2000, its ask's"); the calls left out as repeats."""

    calls: list[ToolCall]
    notes: list[str]
    repeats: list[ToolCall]


def asked_values(
    calls: Sequence[ToolCall],
    query: str,
    tools: Sequence[Tool],
    *,
    pieces: Sequence[Piece] | None = None,
) -> AskedValues:
    """`calls`, each with the values of its own ask (see the module's docstring); `pieces`:
    `ask_pieces(query, tools)`, where the caller has read them already."""
    if len(calls) < 2 or len(tools) < 2:  # no other ask's call: a fast path
        return AskedValues(list(calls), [], [])
    names = ToolNames(tools)
    pieces = ask_pieces(query, tools) if pieces is None else pieces
    if len(pieces) < 2:
        return AskedValues(list(calls), [], [])
    by_name = {tool.name: tool for tool in tools}
    # the values each piece writes that may be a call's (not a tool's name or own words)
    written = {
        id(piece): [n for n in written_names(piece.text) if n not in by_name and not names.named(n)]
        for piece in pieces
    }
    used = held(calls)  # the values the turn's calls hold: no ask's unused value
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        tool = by_name.get(call.name)
        ask = _ask(call, pieces)
        if tool is None or ask is None:
            out.append(call)
            continue
        # the asks of the other tools
        others = [p for p in pieces if p is not ask and p.named - {call.name}]
        given, said = _given_back(call, tool, ask, others, written, used)
        out.append(given)
        notes.extend(said)
    # a call given back the values of a call the turn makes already: a repeat
    kept, repeats = changed_repeats(out, calls)
    return AskedValues(kept, notes, repeats)


def _ask(call: ToolCall, pieces: Sequence[Piece]) -> Piece | None:
    """The piece that names the call's tool; of several, the one that writes the most of its
    values (one, writing one value at least); else None."""
    naming = [piece for piece in pieces if call.name in piece.named]
    if len(naming) == 1:
        return naming[0]
    numbers, strings = held([call])
    shares = [(len(n) + len(s), p) for p in naming for n, s in [p.writes(numbers, strings)]]
    most = max((share for share, _ in shares), default=0)
    best = [piece for share, piece in shares if share == most]
    return best[0] if most and len(best) == 1 else None


def _given_back(
    call: ToolCall,
    tool: Tool,
    ask: Piece,
    others: Sequence[Piece],
    written: Mapping[int, list[str]],
    used: tuple[set[Decimal], set[str]],
) -> tuple[ToolCall, list[str]]:
    """`call` with the values it took from `others` (the other tools' asks; one number, one
    name at most) set to its own ask's; `written`: the names each piece writes, by the
    piece's id; `used`: the numbers and strings the turn's calls hold."""
    properties = tool_properties(tool)
    names_elsewhere = {name.lower() for piece in others for name in written[id(piece)]}
    borrowed_numbers: list[str] = []
    borrowed_names: list[str] = []
    for name, value in call.arguments.items():
        spec = properties.get(name)
        if not isinstance(spec, Mapping) or "enum" in spec:
            continue
        number = number_argument(value)
        if number is not None and not isinstance(value, str):
            if number not in ask.numbers and any(number in p.numbers for p in others):
                borrowed_numbers.append(str(name))
        elif isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in ask.lowered and lowered in names_elsewhere:
                borrowed_names.append(str(name))
    arguments = dict(call.arguments)
    notes: list[str] = []
    if len(borrowed_numbers) == 1:
        unused = written_numbers(ask.text) - used[0]
        if len(unused) == 1:
            name = borrowed_numbers[0]
            arguments[name] = drafted_number(arguments[name], unused.pop(), properties[name])
            notes.append(_note(call, name, arguments[name]))
    if len(borrowed_names) == 1:
        unused_names = [n for n in written[id(ask)] if not _held(n, used[1])]
        if len(unused_names) == 1:
            name = borrowed_names[0]
            arguments[name] = unused_names[0]
            notes.append(_note(call, name, arguments[name]))
    if not notes:
        return call, []
    return ToolCall(id=call.id, name=call.name, arguments=arguments), notes


def _note(call: ToolCall, name: str, value: Any) -> str:
    return f"{call.name}.{name}: {call.arguments[name]!r} as {value!r}, its ask's"


def _held(name: str, held: set[str]) -> bool:
    """Whether a call holds the name, or part of it, or a value that holds it."""
    lowered = name.lower()
    return any(lowered in value or value in lowered for value in held)
