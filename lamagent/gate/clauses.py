"""Clauses written alike, and one call per clause where the draft took the values of one.

Asked for "the sales tax on $30.45 in Chicago, Illinois, $52.33 in Sacramento, California and
$11.23 in Portland, Oregon", a small model under a call grammar writes the first call,
`{"purchase_amount": 30.45, "city": "Chicago", "state": "Illinois"}`, and closes the list. No
list of like items says that three are asked (`lamagent.gate.items` reads those): the query
says it by writing the same clause three times with other values.

`clause_calls(calls, text)` reads that. For a call that took two or more of its values from
one stretch of the text (each written there once, as a number, a name, a quoted string or a
lower-case word: the call's *clause*, 16 words and values at most, its marks aside), the
clause's shape is its words and marks with each value replaced by its kind ("NUMBER in NAME,
NAME"; a plural as its word: "1 bathroom", "2 bathrooms"). Every other stretch of the text
written in that shape (one word of the clause may be left out or added: "3000 sq ft. in
location New York and 4000 sq ft. in Los Angeles"; or, where the shape has three words or
more besides "and" and "or", written otherwise: "located in New York, has 3 bedrooms" and
"in Los Angeles, with 4 bedrooms") gives a call of its own: the same call, with each value
taken from the clause set to the value in the same place of the other. Its other arguments
stay as drafted.

- A lower-case word the call took whole (not a stop word) is a value too, where it lies
  within a clause's length of the others: "stage 7 in easy mode and stage 3 in hard mode"
  has the clause "7 in easy" ("NUMBER in WORD"). A shape with such a word is met word for
  word (no word left out or added: the words are all that tells the clause).
- A value written more than once is read at the one place nearest the value written once,
  when only one is: "raise the number 3 to the power of 5, then ... 2 to the power of 3";
  at the one place between those written once, when two or more are ("New York, has 3
  bedrooms, 2 bathrooms, and an area of 1500", where other houses have 3 bedrooms too).
- A shape must hold a word or mark other than "and", "or" and commas, or the stretches must
  share the word or mark just before or just after them ("between New York and Washington
  DC, and between Los Angeles and San Francisco", "(45, 60) and (81, 27)"), or stand side
  by side with only a comma or a semicolon between ("3 and 4, 5 and 12"): "Barcelona and
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
165}`); one that wrote a value of neither is left as drafted. Which call took from a clause
is told by the clause's own values, those it writes where the first writes another, each in
its argument's place: a fourth house with the first's 3 bedrooms and 2 bathrooms is held by
the call with its area, not by every call that copied the first's.

Nothing is generated: the model chose the call and which of the user's values go where; the
text says how many times and with which other values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from lamagent.gate.items import (
    GLUED_UNIT,
    NAME,
    NUMBER,
    QUOTED,
    as_drafted,
    item_matches,
    item_text,
)
from lamagent.gate.listed import MAX_CALLS, call_key
from lamagent.gate.signals import STOPWORDS, leaf_values
from lamagent.messages import ToolCall

__all__ = ["clause_calls", "mended_calls"]

TokenKind = Literal["number", "name", "quoted", "word", "mark"]

_TOKEN = re.compile(
    rf"(?P<number>(?<![\w.$]){NUMBER}(?:{GLUED_UNIT})?(?!\w|\.\d))"
    rf"|(?P<quoted>{QUOTED})"
    rf"|(?P<name>{NAME})"
    r"|(?P<word>[a-z]+)"
    r"|(?P<mark>\S)"
)
#: The kinds of token a call's value is read from.
_VALUE_KINDS: frozenset[str] = frozenset({"number", "name", "quoted"})
#: A clause's shape where a call took a lower-case word whole ("easy" of "in easy mode"):
#: any word but a stop word fills it in another stretch.
_WORD_VALUE = "<word>"
_VALUE_SHAPES = _VALUE_KINDS | {_WORD_VALUE}
#: The most tokens a value spans ("Chicago, Illinois" is three), and a clause.
_VALUE_TOKENS = 5
_CLAUSE_TOKENS = 16
#: Words and marks that only join values: a shape of values and these says nothing.
_JOINS = frozenset({"and", "or", "&", ",", ";"})
#: A plural's "s": "bathroom" and "bathrooms" are one word of a clause's shape.
_PLURAL = re.compile(r"(?<=[a-z]{3})s$")
#: Fewest words of a clause's shape for another stretch to write one of them otherwise.
_SWAP_WORDS = 3
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
        if self.kind in _VALUE_KINDS:
            return self.kind
        return _PLURAL.sub("", self.value.lower())  # "1 bathroom", "2 bathrooms"


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
        if _word_value(value, token):
            found.append((i, i))
            continue
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


def _word_value(value: Any, token: _Token) -> bool:
    """Whether a string value is the lower-case word `token` as a whole ("easy" of "in easy
    mode"), a word other than a stop word."""
    return (
        token.kind == "word"
        and isinstance(value, str)
        and value.strip().casefold() == token.value
        and token.value not in STOPWORDS
    )


def _slots(call: ToolCall, tokens: Sequence[_Token], text: str) -> list[_Slot]:
    """The arguments of `call` whose values are written in the text, where: once, or, when
    fewer than two are, a value written more than once at the one place nearest those
    written once ("the number 3 to the power of 5, then ... 2 to the power of 3": the 3
    beside the 5)."""
    slots: list[_Slot] = []
    repeated: list[tuple[str, list[tuple[int, int]]]] = []
    for name, value in call.arguments.items():
        if isinstance(value, (bool, list, dict)) or value is None:
            continue
        spans = _spans(value, tokens, text)
        if len(spans) == 1:
            slots.append(_Slot(name, *spans[0]))
        elif spans:
            repeated.append((name, spans))
    anchors = list(slots)
    if not anchors:  # nothing to be near
        return slots
    if len(anchors) > 1:
        lo, hi = min(s.first for s in anchors), max(s.last for s in anchors)
        for name, spans in repeated:
            inside = [span for span in spans if lo < span[0] and span[1] < hi]
            if len(inside) == 1:
                slots.append(_Slot(name, *inside[0]))
        return slots
    for name, spans in repeated:
        reach = sorted((_window([*anchors, _Slot(name, *span)]), span) for span in spans)
        if reach[0][0] < reach[1][0]:  # one place is nearest
            slots.append(_Slot(name, *reach[0][1]))
    return slots


def _same(shape: str, token: _Token) -> bool:
    if shape == _WORD_VALUE:
        return token.kind == "word" and token.value not in STOPWORDS
    return token.shape == shape


def _align(shape: Sequence[str], tokens: Sequence[_Token], start: int) -> list[int] | None:
    """The token each element of `shape` meets from `start` on (-1 for a word the stretch
    leaves out or writes otherwise), with at most `_EDITS` words left out, added or, where
    the shape has `_SWAP_WORDS` words or more besides the joins, written otherwise (none
    where a lower-case word is a value: its words are all that tells the clause); None when
    it does not fit."""

    def go(p: int, t: int, left: int) -> list[int] | None:
        if p == len(shape):
            return []
        if t < len(tokens) and _same(shape[p], tokens[t]):
            rest = go(p + 1, t + 1, left)
            if rest is not None:
                return [t, *rest]
        if left and shape[p] not in _VALUE_SHAPES and 0 < p < len(shape) - 1:
            rest = go(p + 1, t, left - 1)  # a word this stretch leaves out
            if rest is not None:
                return [-1, *rest]
        if left and p > 0 and t < len(tokens) and tokens[t].kind in ("word", "mark"):
            rest = go(p, t + 1, left - 1)  # a word this stretch adds
            if rest is not None:
                return rest
        word = shape[p] not in _VALUE_SHAPES and shape[p].isalpha()
        if (
            left
            and swaps
            and word
            and 0 < p < len(shape) - 1
            and t < len(tokens)
            and tokens[t].kind == "word"
        ):
            rest = go(p + 1, t + 1, left - 1)  # a word this stretch writes for another
            if rest is not None:
                return [-1, *rest]
        return None

    # a word written for another only where others of the shape's words still tell it
    said = [w for w in shape if w not in _VALUE_SHAPES and w.isalpha() and w not in _JOINS]
    swaps = len(said) >= _SWAP_WORDS
    return go(0, start, 0 if _WORD_VALUE in shape else _EDITS)


@dataclass(frozen=True)
class _Clause:
    """The stretch of text a call took its values from."""

    first: int
    last: int
    slots: tuple[_Slot, ...]
    #: The lower-case words the call took whole, as indices of the text's tokens.
    words: frozenset[int] = frozenset()

    def shape(self, tokens: Sequence[_Token]) -> list[str]:
        return [
            _WORD_VALUE if i in self.words else tokens[i].shape
            for i in range(self.first, self.last + 1)
        ]

    def values_of(self, met: Sequence[int]) -> list[int]:
        """The tokens of a stretch in this clause's shape (`met`, as `_others` gives it) that
        stand where the clause writes a lower-case word value."""
        return [met[i - self.first] for i in self.words if met[i - self.first] >= 0]


def _clause(call: ToolCall, tokens: Sequence[_Token], text: str) -> _Clause | None:
    """The stretch the call took its values from: its numbers, names and quoted strings, and
    the lower-case words it took whole that lie near enough for the clause's length."""
    slots = _slots(call, tokens, text)
    core = [s for s in slots if tokens[s.first].kind != "word"]
    words = sorted(
        (s for s in slots if tokens[s.first].kind == "word"),
        key=lambda w: min((abs(w.first - c.first) for c in core), default=0),
    )
    for word in words:
        if _reach([*core, word], tokens) <= _CLAUSE_TOKENS:
            core.append(word)
    if len({(s.first, s.last) for s in core}) < 2 or _reach(core, tokens) > _CLAUSE_TOKENS:
        return None
    first, last = min(s.first for s in core), max(s.last for s in core)
    kept = frozenset(s.first for s in core if tokens[s.first].kind == "word")
    return _Clause(first, last, tuple(core), kept)


def _window(slots: Sequence[_Slot]) -> int:
    """How many tokens the stretch from the first slot to the last spans."""
    return max(s.last for s in slots) - min(s.first for s in slots) + 1


def _reach(slots: Sequence[_Slot], tokens: Sequence[_Token]) -> int:
    """How many words and values the stretch from the first slot to the last spans (its
    marks aside: "New York, has 3 bedrooms, 2 bathrooms, and an area of 1500" is 11)."""
    first, last = min(s.first for s in slots), max(s.last for s in slots)
    return sum(t.kind != "mark" for t in tokens[first : last + 1])


def _supported(
    clause: _Clause,
    tokens: Sequence[_Token],
    found: Sequence[int],
    taken: Sequence[tuple[int, int]],
) -> bool:
    """Whether the shape holds a word or mark that does not only join values ("in", "sq ft"),
    or the two stretches share the token before or after ("between ... and ..."), or the
    stretch is listed beside the clause or a stretch already found (`taken`), with only a
    comma or a semicolon between ("3 and 4, 5 and 12")."""
    inner = [
        t
        for i, t in enumerate(tokens[clause.first : clause.last + 1], clause.first)
        if i not in clause.words
    ]
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
    beside = any(
        _listed_between(tokens, b, start) or _listed_between(tokens, end, a) for a, b in taken
    )
    return before or after or beside


def _listed_between(tokens: Sequence[_Token], end: int, start: int) -> bool:
    """Whether only a list's separator stands between the token `end` and the token `start`
    (a comma or a semicolon, and a conjunction after it or not)."""
    between = [t.value.lower() for t in tokens[end + 1 : start]]
    return between in ([","], [";"], [",", "and"], [",", "or"], [";", "and"])


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
        if not _supported(clause, tokens, met, taken):
            continue
        taken.append((start, end))
        found.append(met)
    return found


def _value(draft: Any, tokens: Sequence[_Token], text: str, first: int, last: int) -> Any:
    if first == last:
        return as_drafted(draft, tokens[first].value)
    return text[tokens[first].start : tokens[last].end].rstrip(".")


def _holds(
    values: Any, tokens: Sequence[_Token], indices: Sequence[int], words: Sequence[int] = ()
) -> bool:
    """Whether `values` (an argument value, or several) hold a value of the tokens at
    `indices` (or a lower-case word value at `words`): a number equal to it, or a string with
    it among its words ("Los Angeles, CA" holds "Los Angeles")."""
    written = [tokens[t] for t in indices if t >= 0 and tokens[t].kind in _VALUE_KINDS]
    written += [tokens[t] for t in words]
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
            words = clause.values_of(met)
            if any(_holds(o.arguments, tokens, met, words) for o in others) or not room:
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
            values = _written(call, clause, met, tokens, text)
            if values is None:
                continue
            # the stretch's own values: where it writes another than the clause
            own = {n: v for n, v in values.items() if not _equal(v, call.arguments[n])}
            holders = [i for i, other in enumerate(out) if i != index and _holds_own(other, own)]
            held_before = any(_holds_own(c, own) for c in made)
            if len(holders) != 1 or held_before:
                continue
            later = holders[0]
            other = out[later]
            if later < index or other.name != call.name:
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


def _holds_own(call: ToolCall, own: dict[str, Any]) -> bool:
    """Whether `call` holds one of a stretch's own values in its argument's place."""
    return any(_equal(call.arguments.get(name), value) for name, value in own.items())


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
