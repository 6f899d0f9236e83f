"""Clauses written alike, and one call per clause where the draft took the values of one.

Asked for "the sales tax on $30.45 in Chicago, Illinois, $52.33 in Sacramento, California and
$11.23 in Portland, Oregon", a small model under a call grammar writes the first call,
`{"purchase_amount": 30.45, "city": "Chicago", "state": "Illinois"}`, and closes the list. No
list of like items says that three are asked (`lamagent.gate.items` reads those): the query
says it by writing the same clause three times with other values.

`clause_calls(calls, text)` reads that. For a call that took two or more of its values from
one stretch of the text (each written there once, as a number, a name or a quoted string: the
call's *clause*), the clause's shape is its words and marks with each value replaced by its
kind ("NUMBER in NAME, NAME"). Every other stretch of the text written in that shape (one
word of the clause may be left out or added: "3000 sq ft. in location New York and 4000 sq
ft. in Los Angeles") gives a call of its own: the same call, with each value taken from the
clause set to the value in the same place of the other. Its other arguments stay as drafted.

- A shape must hold a word or mark other than "and", "or" and commas, or the stretches must
  share the word or mark just before or just after them ("between New York and Washington
  DC, and between Los Angeles and San Francisco", "(45, 60) and (81, 27)"): "Barcelona and
  Manchester United in the UEFA Champions League and La Liga" is no pair of clauses.
- A stretch some other call (in the turn, or made earlier for the same request) already
  holds a value of is left to that call.
- Calls are added up to `listed.MAX_CALLS` in all and never past the turn's limit; the
  draft's calls are never cut.

`mended_calls(calls, text)` reads the same clauses for a draft that wrote one call per clause
but copied values of the first into the next: "the first person weighs 75 kilograms and is
180 centimeters tall, the second weighs 60 kilograms and is 165 centimeters tall", drafted as
`{"weight": 75, "height": 180}`, `{"weight": 60, "height": 180}`. A later call of the same tool
that took a value of another clause in its argument's place, and the first call's own value
in every other place of the clause, takes that clause's values (`{"weight": 60, "height":
165}`); one that wrote a value of neither is left as drafted.

Nothing is generated: the model chose the call and which of the user's values go where; the
text says how many times and with which other values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from lamagent.gate.items import GLUED_UNIT, NAME, NUMBER, as_drafted, item_matches, item_text
from lamagent.gate.listed import MAX_CALLS, call_key
from lamagent.gate.signals import leaf_values
from lamagent.messages import ToolCall

__all__ = ["clause_calls", "mended_calls"]

TokenKind = Literal["number", "name", "quoted", "word", "mark"]

_TOKEN = re.compile(
    rf"(?P<number>(?<![\w.$]){NUMBER}(?:{GLUED_UNIT})?(?!\w|\.\d))"
    r"|(?P<quoted>'[^'\n]{1,80}'|\"[^\"\n]{1,80}\")"
    rf"|(?P<name>{NAME})"
    r"|(?P<word>[a-z]+)"
    r"|(?P<mark>\S)"
)
#: The kinds of token a call's value is read from.
_VALUE_KINDS: frozenset[str] = frozenset({"number", "name", "quoted"})
#: The most tokens a value spans ("Chicago, Illinois" is three), and a clause.
_VALUE_TOKENS = 5
_CLAUSE_TOKENS = 12
#: Words and marks that only join values: a shape of values and these says nothing.
_JOINS = frozenset({"and", "or", "&", ",", ";"})
#: Words of one clause the other may leave out or add.
_EDITS = 1


@dataclass(frozen=True)
class _Token:
    kind: TokenKind
    start: int
    end: int
    value: str  # a number, name or quoted string as an item (no unit, no quotes)

    @property
    def shape(self) -> str:
        return self.kind if self.kind in _VALUE_KINDS else self.value.lower()


@lru_cache(maxsize=16)
def _tokens(text: str) -> tuple[_Token, ...]:
    """The text's tokens, read once per text (a turn's clauses are read twice: its own
    values, then the calls they add)."""
    out: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind: TokenKind = match.lastgroup  # type: ignore[assignment]
        written = match.group()
        value = item_text(kind, written) if kind in _VALUE_KINDS else written  # type: ignore[arg-type]
        out.append(_Token(kind, match.start(), match.end(), value))
    return tuple(out)


@dataclass(frozen=True)
class _Slot:
    """An argument whose value the clause's tokens `first`..`last` write."""

    argument: str
    first: int
    last: int


def _spans(value: Any, tokens: Sequence[_Token], text: str) -> list[tuple[int, int]]:
    """Where `value` is written: single tokens it is as an item, or (a string) runs of tokens
    from a value on whose text it is ("Chicago, Illinois", "7 pm")."""
    found: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if token.kind not in _VALUE_KINDS:
            continue
        if item_matches(value, token.value, token.kind):  # type: ignore[arg-type]
            found.append((i, i))
            continue
        if not isinstance(value, str):
            continue
        wanted = value.strip().rstrip(".").casefold()
        for j in range(i + 1, min(len(tokens), i + _VALUE_TOKENS)):
            written = text[token.start : tokens[j].end].rstrip(".").casefold()
            if written == wanted:
                found.append((i, j))
    return found


def _slots(call: ToolCall, tokens: Sequence[_Token], text: str) -> list[_Slot]:
    """The arguments of `call` whose values are written once in the text, where."""
    slots: list[_Slot] = []
    for name, value in call.arguments.items():
        if isinstance(value, (bool, list, dict)) or value is None:
            continue
        spans = _spans(value, tokens, text)
        if len(spans) == 1:
            slots.append(_Slot(name, *spans[0]))
    return slots


def _same(shape: str, token: _Token) -> bool:
    return token.shape == shape


def _align(shape: Sequence[str], tokens: Sequence[_Token], start: int) -> list[int] | None:
    """The token each element of `shape` meets from `start` on (-1 for a word the stretch
    leaves out), with at most `_EDITS` words left out or added; None when it does not fit."""

    def go(p: int, t: int, left: int) -> list[int] | None:
        if p == len(shape):
            return []
        if t < len(tokens) and _same(shape[p], tokens[t]):
            rest = go(p + 1, t + 1, left)
            if rest is not None:
                return [t, *rest]
        if left and shape[p] not in _VALUE_KINDS and 0 < p < len(shape) - 1:
            rest = go(p + 1, t, left - 1)  # a word this stretch leaves out
            if rest is not None:
                return [-1, *rest]
        if left and p > 0 and t < len(tokens) and tokens[t].kind in ("word", "mark"):
            return go(p, t + 1, left - 1)  # a word this stretch adds
        return None

    return go(0, start, _EDITS)


@dataclass(frozen=True)
class _Clause:
    """The stretch of text a call took its values from."""

    first: int
    last: int
    slots: tuple[_Slot, ...]

    def shape(self, tokens: Sequence[_Token]) -> list[str]:
        return [token.shape for token in tokens[self.first : self.last + 1]]


def _clause(call: ToolCall, tokens: Sequence[_Token], text: str) -> _Clause | None:
    slots = _slots(call, tokens, text)
    if len({(s.first, s.last) for s in slots}) < 2:
        return None
    first, last = min(s.first for s in slots), max(s.last for s in slots)
    if last - first + 1 > _CLAUSE_TOKENS:
        return None
    return _Clause(first, last, tuple(slots))


def _supported(clause: _Clause, tokens: Sequence[_Token], found: Sequence[int]) -> bool:
    """Whether the shape holds a word or mark that does not only join values ("in", "sq ft"),
    or the two stretches share the token before or after ("between ... and ...")."""
    inner = tokens[clause.first : clause.last + 1]
    if any(t.kind not in _VALUE_KINDS and t.value.lower() not in _JOINS for t in inner):
        return True
    start, end = found[0], found[-1]
    before = (
        clause.first > 0 and start > 0 and tokens[clause.first - 1].shape == tokens[start - 1].shape
    )
    after = (
        clause.last + 1 < len(tokens)
        and end + 1 < len(tokens)
        and tokens[clause.last + 1].shape == tokens[end + 1].shape
    )
    return before or after


def _others(clause: _Clause, tokens: Sequence[_Token]) -> list[list[int]]:
    """The other stretches of the text in the clause's shape, each as the tokens it meets."""
    shape = clause.shape(tokens)
    taken = [(clause.first, clause.last)]
    found: list[list[int]] = []
    for start in range(len(tokens)):
        if any(a <= start <= b for a, b in taken) or not _same(shape[0], tokens[start]):
            continue
        met = _align(shape, tokens, start)
        if met is None:
            continue
        end = met[-1]
        if any(not (end < a or start > b) for a, b in taken):
            continue
        if not _supported(clause, tokens, met):
            continue
        taken.append((start, end))
        found.append(met)
    return found


def _value(draft: Any, tokens: Sequence[_Token], text: str, first: int, last: int) -> Any:
    if first == last:
        return as_drafted(draft, tokens[first].value)
    return text[tokens[first].start : tokens[last].end].rstrip(".")


def _holds(values: Any, tokens: Sequence[_Token], indices: Sequence[int]) -> bool:
    """Whether `values` (an argument value, or several) hold a value of the tokens at
    `indices`: a number equal to it, or a string with it among its words ("Los Angeles,
    CA" holds "Los Angeles")."""
    written = [tokens[t] for t in indices if t >= 0 and tokens[t].kind in _VALUE_KINDS]
    for leaf in leaf_values(values):
        for token in written:
            if item_matches(leaf, token.value, token.kind):  # type: ignore[arg-type]
                return True
            pattern = rf"(?<!\w){re.escape(token.value.casefold())}(?!\w)"
            if re.search(pattern, leaf.casefold()):
                return True
    return False


def _stale(call: ToolCall, clause: _Clause, tokens: Sequence[_Token]) -> bool:
    """Whether an argument the clause does not set holds a value written in the clause
    ("at 7 pm" read as a part of some other value): its siblings would keep the first
    clause's value."""
    slotted = {t for s in clause.slots for t in range(s.first, s.last + 1)}
    loose = [t for t in range(clause.first, clause.last + 1) if t not in slotted]
    arguments = {s.argument for s in clause.slots}
    rest = [v for name, v in call.arguments.items() if name not in arguments]
    return _holds(rest, tokens, loose)


def clause_calls(
    calls: Sequence[ToolCall],
    text: str,
    made: Sequence[ToolCall] = (),
    limit: int = MAX_CALLS,
) -> list[ToolCall]:
    """`calls`, each followed by one call per other clause written like the one it took its
    values from (see the module's docstring). `made`: calls already made for this request;
    `limit`: the most calls the turn may hold."""
    if not calls:
        return []
    tokens = _tokens(text)
    every = [*made, *calls]
    seen = {call_key(call) for call in every}
    room = max(0, min(limit, MAX_CALLS) - len(calls))
    out: list[ToolCall] = []
    done: set[str] = set()  # a tool's first call with a clause speaks for the tool
    for call in calls:
        out.append(call)
        if call.name in done or not room:
            continue
        clause = _clause(call, tokens, text)
        if clause is None or _stale(call, clause, tokens):
            continue
        done.add(call.name)
        others = [c for c in every if c is not call]
        for met in _others(clause, tokens):
            if any(_holds(other.arguments, tokens, met) for other in others) or not room:
                continue
            values = _written(call, clause, met, tokens, text)
            if values is None:
                continue
            new = ToolCall(name=call.name, arguments={**call.arguments, **values})
            if call_key(new) in seen:
                continue
            seen.add(call_key(new))
            out.append(new)
            room -= 1
    return out


def _written(
    call: ToolCall, clause: _Clause, met: Sequence[int], tokens: Sequence[_Token], text: str
) -> dict[str, Any] | None:
    """The values the stretch `met` writes in the places of the clause's arguments, typed as
    `call` drafted them; None when the stretch leaves out a word of a value."""
    values: dict[str, Any] = {}
    for slot in clause.slots:
        first = met[slot.first - clause.first]
        last = met[slot.last - clause.first]
        if first < 0 or last < 0:
            return None
        values[slot.argument] = _value(call.arguments[slot.argument], tokens, text, first, last)
    return values


def mended_calls(
    calls: Sequence[ToolCall], text: str, made: Sequence[ToolCall] = ()
) -> tuple[list[ToolCall], list[str]]:
    """`calls`, a later call that copied values of an earlier call's clause into another
    clause's places set to that clause's values (see the module's docstring), and a note per
    value changed ("calculate_bmi.height: 180 as 165, as its clause writes")."""
    if len(calls) < 2:
        return list(calls), []
    tokens = _tokens(text)
    out = list(calls)
    notes: list[str] = []
    done: set[str] = set()
    for index, call in enumerate(calls):
        if call.name in done:
            continue
        clause = _clause(call, tokens, text)
        if clause is None or _stale(call, clause, tokens):
            continue
        done.add(call.name)
        for met in _others(clause, tokens):
            holders = [
                i
                for i, other in enumerate(out)
                if i != index and _holds(other.arguments, tokens, met)
            ]
            held_before = any(_holds(c.arguments, tokens, met) for c in made)
            if len(holders) != 1 or held_before:
                continue
            later = holders[0]
            other = out[later]
            values = _written(call, clause, met, tokens, text)
            if later < index or other.name != call.name or values is None:
                continue
            copied = _copied(other, call, values)
            if copied is None:
                continue
            for name in copied:
                notes.append(
                    f"{other.name}.{name}: {other.arguments[name]!r} as {values[name]!r}, "
                    "as its clause writes"
                )
            out[later] = other.model_copy(
                update={"arguments": {**other.arguments, **{n: values[n] for n in copied}}}
            )
    return out, notes


def _copied(other: ToolCall, source: ToolCall, values: dict[str, Any]) -> list[str] | None:
    """The clause's arguments in which `other` holds `source`'s value where the stretch
    writes `values`, when it holds the stretch's own value in every other one (and one at
    least); else None."""
    copied: list[str] = []
    own = 0
    for name, value in values.items():
        drafted = other.arguments.get(name)
        if _equal(drafted, value):
            own += 1
        elif _equal(drafted, source.arguments[name]):
            copied.append(name)
        else:
            return None
    return copied if own and copied else None


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    return type(a) is not bool and type(b) is not bool and a == b
