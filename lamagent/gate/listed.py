"""Items the user listed, and one call per item where the draft took one of them.

Asked for "the factorial of 5, 10 and 15", a small model under a call grammar writes one call,
`{"number": 5}`, and closes the list: it knows the call and the first value, not that the list
asks for three. The query says so plainly: an enumeration of like items ("5, 10 and 15",
"Lakers and Bulls", "'Friends' and 'The Office'"), of which the draft's call took exactly one
as the whole value of one argument. The other items fill that argument in calls of their own,
with the draft's other arguments unchanged.

- `item_lists(text)`: the enumerations of a text: two or more numbers, ISO dates
  ("2022-01-01"), lists written in brackets ("[1, 2] and [3, 4]"), capitalised names, quoted
  strings or single lower-case words (not stop words: "navy, purple and maroon", "copper and
  aluminum"), one after another with only commas and a conjunction ("and", "or", "&")
  between them; all but quoted strings need the conjunction (dates like "March 10, 2022" are
  not lists), quoted strings do not. A number may carry a unit word ("20 minutes and 15
  minutes") or a short unit written onto it ("5cm", "10kg").
- `cue_lists(text)`: values the same words introduce in clauses of their own ("a change in
  time of 4 seconds, then repeat with a change in time of 10 seconds").
- `listed_calls(calls, text)`: the draft's calls, each followed by its siblings: for every list
  of which the call took one item (and no other) as an argument's whole value, the call with
  that argument set to each other item, unless calls of the tool took two items of the list
  in that argument already (the model enumerated it itself). Two such lists give every
  pairing, or the items pair in order when the user says "respectively" or every list is a
  cue list (one value per clause). The draft's calls stay as they were, but for one whose
  items the user paired otherwise, which gives way to the pairs; calls are added up to
  `MAX_CALLS` in all, never one the turn (or an earlier step of the same request) already
  holds. Where calls of a tool took the first items of a list in order, one each in the
  same argument, and stopped ("a height of 10 meters ... 20 meters", of four heights), the
  last of them is repeated with each further item.
- `paired_calls(calls, text)`: where the calls enumerated one of two lists the user paired
  (cue lists of one length, or "respectively") but wrote another item of the second beside
  an item of the first, the second's item in the same place.

Nothing is generated: the model chose the call and its arguments; the list only says how
many and with which values. A call that took two items of a list (`gcd(12, 18)`), or an item
inside a list argument, is left alone: the tool takes the items together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import product
from typing import Any, Literal

from lamagent.gate.signals import STOPWORDS, leaf_values
from lamagent.messages import ToolCall

__all__ = [
    "BRACKETED",
    "DATE",
    "GLUED_UNIT",
    "MAX_CALLS",
    "NAME",
    "NUMBER",
    "ItemKind",
    "ItemList",
    "as_drafted",
    "call_key",
    "cue_lists",
    "item_lists",
    "item_matches",
    "item_text",
    "list_elements",
    "listed_calls",
    "number_value",
    "paired_calls",
    "pairs_otherwise",
    "same_element",
    "taken_items",
    "value_lists",
]

#: The most calls a fanned-out turn holds.
MAX_CALLS = 8

ItemKind = Literal["number", "name", "quoted", "word", "date", "list"]

#: A number as people write it ("$400,000", "2.5%").
NUMBER = r"[-+]?\$?\d+(?:,\d{3})*(?:\.\d+)?%?"
_WRITTEN_NUMBER = re.compile(NUMBER)
#: A name: capitalised words, on past "Inc." or "D.C.", not past a sentence's end ("New York.
#: Also").
NAME = r"\b[A-Z][\w.&'-]*(?:(?<![a-z]{3}\.)[ ][A-Z0-9][\w.&'-]*)*"
_CONJUNCTION = r"(?:and|or|&)"
#: A lower-case unit word after a number ("20 minutes"), never a conjunction.
_UNIT = rf"(?:[ ](?!{_CONJUNCTION}\b)[a-z]+\b)?"
#: A unit written onto a number ("5cm", "10kg", "30s"): the usual short ones only, so that
#: "3x^2", "2nd" or "4y" stay what they are.
GLUED_UNIT = (
    r"(?:mm|cm|km|m|mi|ft|yd|mg|kg|g|lbs?|oz|ml|l|ms|s|min|h|hr|hrs|mph|kph|kmh|kw|kwh|hz|khz|"
    r"mhz|ghz|kb|mb|gb|tb)"
)
#: A date as ISO 8601 writes it ("2022-01-01"), one item rather than three numbers.
DATE = r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])"
#: A list written in brackets ("[23, 45, 67, 89]", "['red', 'blue']"), flat.
BRACKETED = r"\[[^\[\]\n]{1,2000}\]"
_ITEM = re.compile(
    rf"(?P<date>{DATE})"
    rf"|(?P<list>{BRACKETED})"
    rf"|(?P<number>(?<![\w.$]){NUMBER}(?:{GLUED_UNIT})?(?!\w|\.\d){_UNIT})"
    r"|(?P<quoted>'[^'\n]{1,80}'|\"[^\"\n]{1,80}\")"
    rf"|(?P<name>{NAME})"
    rf"|(?P<word>\b(?!{_CONJUNCTION}\b)[a-z][a-z-]*\b)"
)
#: What may stand between two items of a list.
_SEPARATOR = re.compile(rf"\s*(?:,\s*(?:{_CONJUNCTION}\s+)?|{_CONJUNCTION}\s+)", re.IGNORECASE)
_HAS_CONJUNCTION = re.compile(rf"\b{_CONJUNCTION}(?=\s)|&", re.IGNORECASE)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[a-z]{3}\.$")


@dataclass(frozen=True)
class ItemList:
    """Like items of a text, as written (a number without its unit word): an enumeration, or
    (`clauses`) the values the same words introduce in clauses of their own."""

    kind: ItemKind
    items: tuple[str, ...]
    clauses: bool = False


def item_text(kind: ItemKind, written: str) -> str:
    if kind == "quoted":
        return written[1:-1].strip()
    if kind == "number":  # without its unit, written apart or onto it
        found = _WRITTEN_NUMBER.match(written)
        return found.group() if found else written
    if kind in ("date", "list"):
        return written
    # a full stop after a word ends the sentence ("... and Bulls."), after an abbreviation
    # it is the name's own ("Apple Inc.", "Washington D.C.")
    name = written[:-1] if _SENTENCE_END.search(written) else written
    # a sentence's first word is capitalised too: a stop word there is not the name's ("Find
    # Taylor Swift"; a verb such as "Play" cannot be told apart and stays)
    first, _, rest = name.partition(" ")
    return rest if rest and first.lower() in STOPWORDS else name


def item_lists(text: str) -> list[ItemList]:
    """The enumerations of `text`, in order (see the module's docstring)."""
    found: list[ItemList] = []
    run: list[tuple[ItemKind, str]] = []
    separators: list[str] = []
    previous_end = -1

    def close() -> None:
        if len(run) >= 2:
            kind = run[0][0]
            joined = " ".join(separators)
            if kind == "quoted" or _HAS_CONJUNCTION.search(joined):
                found.append(ItemList(kind, tuple(item_text(kind, w) for _, w in run)))
        run.clear()
        separators.clear()

    for match in _ITEM.finditer(text):
        kind: ItemKind = match.lastgroup  # type: ignore[assignment]
        if kind == "word" and match.group() in STOPWORDS:  # "deer and their habitat"
            close()
            previous_end = -1
            continue
        between = text[previous_end : match.start()] if previous_end >= 0 else ""
        joined = bool(run) and run[0][0] == kind and _SEPARATOR.fullmatch(between) is not None
        if not joined:
            close()
        else:
            separators.append(between)
        run.append((kind, match.group()))
        previous_end = match.end()
    close()
    return found


#: Words a cue is read from: the two just before a value.
_CUE_WORD = re.compile(r"[A-Za-z]+")
_CUE_WORDS = 2
_CUE_REACH = 40  # characters before a value that hold its cue


def cue_lists(text: str) -> list[ItemList]:
    """The values (numbers, names, quoted strings) that the same two words introduce more than
    once, with different values: "a change in time of 4 seconds, then repeat with a change in
    time of 10 seconds" gives ("4", "10"), "base 10 and height 5, and base 8 and height 6"
    gives ("10", "8") and ("5", "6"). The cue must end where the value starts and hold a word
    that is not a stop word ("of 5" and "of 7" are no cue)."""
    found: dict[tuple[tuple[str, ...], ItemKind], list[str]] = {}
    for match in _ITEM.finditer(text):
        kind: ItemKind = match.lastgroup  # type: ignore[assignment]
        if kind == "word":
            continue
        before = text[max(0, match.start() - _CUE_REACH) : match.start()]
        cue = tuple(w.lower() for w in _CUE_WORD.findall(before)[-_CUE_WORDS:])
        ends_here = before.rstrip().lower().endswith(cue[-1]) if cue else False
        if len(cue) < _CUE_WORDS or not ends_here or all(w in STOPWORDS for w in cue):
            continue
        values = found.setdefault((cue, kind), [])
        value = item_text(kind, match.group())
        if value not in values:
            values.append(value)
    return [ItemList(kind, tuple(v), clauses=True) for (_, kind), v in found.items() if len(v) >= 2]


@lru_cache(maxsize=16)
def value_lists(text: str) -> tuple[ItemList, ...]:
    """The enumerations of `text`, then its cue lists that are not one of them. Read once
    per text: every rule of a turn (lists, pairs, calls nobody asked for) reads the same
    request."""
    lists = item_lists(text)
    seen = {found.items for found in lists}
    return (*lists, *(found for found in cue_lists(text) if found.items not in seen))


def number_value(text: str) -> Decimal | None:
    """The number `text` writes ("$400,000", "2.5%"), or None."""
    try:
        return Decimal(text.replace("$", "").replace(",", "").rstrip("%"))
    except InvalidOperation:
        return None


def list_elements(written: str) -> list[Decimal | str]:
    """The elements of a bracketed list as written: numbers, or strings without their
    quotes ("[3, 'red', \"blue\"]" gives 3, "red", "blue"). Read as text, never evaluated."""
    inner = written.strip()[1:-1]
    if not inner.strip():
        return []
    elements: list[Decimal | str] = []
    for part in inner.split(","):
        text = part.strip()
        number = number_value(text) if text else None
        elements.append(number if number is not None else text.strip("'\"").strip())
    return elements


def same_element(value: Any, element: Decimal | str) -> bool:
    """Whether a list's element is the element written (a number equal to it, a string equal
    to it without regard to case)."""
    if isinstance(element, Decimal):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and Decimal(str(value)) == element
        )
    return isinstance(value, str) and value.strip().casefold() == element.casefold()


def item_matches(value: Any, item: str, kind: ItemKind) -> bool:
    """Whether an argument's value is the item, as a whole."""
    if isinstance(value, bool):
        return False
    if kind == "list":
        elements = list_elements(item)
        return (
            isinstance(value, list)
            and len(value) == len(elements)
            and all(same_element(v, e) for v, e in zip(value, elements, strict=True))
        )
    if isinstance(value, (int, float)):
        number = number_value(item) if kind == "number" else None
        return number is not None and number == Decimal(str(value))
    if isinstance(value, str) and kind == "number":  # "400000" for "$400,000"
        number = number_value(value.strip())
        return number is not None and number == number_value(item)
    if isinstance(value, str):  # with or without a final full stop ("Washington D.C.")
        written, listed = value.strip().rstrip(".").casefold(), item.rstrip(".").casefold()
        # a name's last words: a sentence's first word joins the name after it ("Play Taylor
        # Swift and Maroon 5")
        return written == listed or (kind == "name" and listed.endswith(" " + written))
    return False


def as_drafted(draft: Any, item: str) -> Any:
    """The item in the type the draft's value has (a number for a number, a list of the
    draft's element type for a list, else the text)."""
    if isinstance(draft, list):
        like = draft[0] if draft else ""
        return [
            as_drafted(like, str(e)) if isinstance(e, Decimal) else e for e in list_elements(item)
        ]
    if isinstance(draft, (int, float)) and not isinstance(draft, bool):
        number = number_value(item)
        if number is None:
            return draft
        if isinstance(draft, int) and number == number.to_integral_value():
            return int(number)
        return float(number)
    return item


@dataclass(frozen=True)
class _Taken:
    """A list of which the call took one item, as the whole value of `argument`."""

    items: ItemList
    argument: str
    index: int


def _taken(call: ToolCall, lists: Sequence[ItemList]) -> list[_Taken]:
    taken: list[_Taken] = []
    # the values inside the call's list (and object) arguments
    nested = [
        leaf
        for value in call.arguments.values()
        if isinstance(value, (list, dict))
        for leaf in leaf_values(value)
    ]
    for items in lists:
        hits = [
            (name, i)
            for name, value in call.arguments.items()
            for i, item in enumerate(items.items)
            if item_matches(value, item, items.kind)
        ]
        in_lists = any(item_matches(v, item, items.kind) for v in nested for item in items.items)
        if len(hits) == 1 and not in_lists:
            taken.append(_Taken(items, hits[0][0], hits[0][1]))
    # an argument two lists both speak to is ambiguous: neither fans out
    names = [t.argument for t in taken]
    return [t for t in taken if names.count(t.argument) == 1]


def taken_items(call: ToolCall, lists: Sequence[ItemList]) -> set[tuple[ItemList, str, int]]:
    """The items of `lists` `call` took, each as (list, argument, index in the list)."""
    return {(t.items, t.argument, t.index) for t in _taken(call, lists)}


def _paired(taken: Sequence[_Taken], respectively: bool) -> bool:
    """Whether the lists' items pair in order (the first with the first, ...): when the user
    says "respectively", or when every list is a cue list (one value per clause)."""
    same_length = len({len(t.items.items) for t in taken}) == 1
    return same_length and (respectively or all(t.items.clauses for t in taken))


def _choices(taken: Sequence[_Taken], paired: bool) -> Iterator[tuple[int, ...]]:
    """The items each call takes, one index per list, in order (lazily: long lists must not
    be multiplied out)."""
    if paired:
        return ((i,) * len(taken) for i in range(len(taken[0].items.items)))
    return product(*(range(len(t.items.items)) for t in taken))


def _sibling(call: ToolCall, taken: Sequence[_Taken], choice: tuple[int, ...]) -> ToolCall:
    """The call with each taken argument set to the chosen item of its list."""
    arguments = dict(call.arguments)
    for t, i in zip(taken, choice, strict=True):
        arguments[t.argument] = as_drafted(call.arguments[t.argument], t.items.items[i])
    return ToolCall(name=call.name, arguments=arguments)


def _enumerated(calls: Sequence[ToolCall], taken: _Taken, tool: str) -> bool:
    """Whether calls of `tool` already took two or more items of the list in the argument:
    the model enumerated them itself ("New York City" and "Los Angeles" of "New York City,
    NY, and Los Angeles, CA"), so the list is not fanned out again."""
    used = {
        i
        for call in calls
        if call.name == tool and taken.argument in call.arguments
        for i, item in enumerate(taken.items.items)
        if item_matches(call.arguments[taken.argument], item, taken.items.kind)
    }
    return len(used) >= 2


def listed_calls(
    calls: Sequence[ToolCall],
    text: str,
    made: Sequence[ToolCall] = (),
    limit: int = MAX_CALLS,
) -> list[ToolCall]:
    """`calls`, each with one sibling per other item of the lists it took one item of.

    `made`: the calls already made for this request (earlier steps since the user's message);
    they count as taking their items, and a sibling equal to one of them is not added again.
    `limit`: the most calls the turn may hold (at most `MAX_CALLS`); the draft's own calls
    are never cut.
    """
    lists = value_lists(text)
    if not lists or not calls:
        return list(calls)
    seen = {call_key(call) for call in [*made, *calls]}
    calls = _completed(list(calls), lists, seen, min(limit, MAX_CALLS))
    every = [*made, *calls]
    respectively = _RESPECTIVELY.search(text) is not None
    room = max(0, min(limit, MAX_CALLS) - len(calls))  # calls that may be added, in all
    out: list[ToolCall] = []
    for call in calls:
        taken = [t for t in _taken(call, lists) if not _enumerated(every, t, call.name)]
        own = tuple(t.index for t in taken)
        paired = bool(taken) and _paired(taken, respectively)
        block: list[ToolCall] = []
        placed = False
        for choice in _choices(taken, paired) if taken else ():
            if choice == own:
                block.append(call)
                placed = True
            elif room:
                new = _sibling(call, taken, choice)
                key = call_key(new)
                if key not in seen:
                    seen.add(key)
                    block.append(new)
                    room -= 1
            else:  # no room left: the draft's own call goes first if not met yet
                break
        if placed or (paired and block):
            # a draft call that pairs items the user paired otherwise ("'rs123456' in
            # 'Homo sapiens' and 'rs7891011' in 'Canis'", drafted with rs123456 and Canis)
            # gives way to the pairs
            out.extend(block)
        else:  # the draft's own call first: the room ran out before its choice came
            out.extend([call, *block])
    return out


def _completed(
    calls: list[ToolCall], lists: Sequence[ItemList], seen: set[str], limit: int
) -> list[ToolCall]:
    """`calls`, where calls of one tool took the first items of a list in order, one each, in
    one argument ("a height of 10 meters", then "20 meters", of four heights), followed by
    the last of them with each further item in that argument."""
    for items in lists:
        for tool, argument in dict.fromkeys((c.name, a) for c in calls for a in c.arguments):
            taking = [
                (i, c)
                for i, c in enumerate(calls)
                if c.name == tool and _index(c.arguments.get(argument), items) is not None
            ]
            indices = [_index(c.arguments[argument], items) for _, c in taking]
            if len(indices) < 2 or indices != list(range(len(indices))):
                continue
            at, last = taking[-1]
            added: list[ToolCall] = []
            for item in items.items[len(indices) :]:
                if len(calls) + len(added) >= limit:
                    break
                new = ToolCall(
                    name=tool,
                    arguments={
                        **last.arguments,
                        argument: as_drafted(last.arguments[argument], item),
                    },
                )
                if call_key(new) not in seen:
                    seen.add(call_key(new))
                    added.append(new)
            calls = [*calls[: at + 1], *added, *calls[at + 1 :]]
    return calls


def _index(value: Any, items: ItemList) -> int | None:
    """The place in `items` of the item `value` is as a whole, or None."""
    return next(
        (i for i, item in enumerate(items.items) if item_matches(value, item, items.kind)), None
    )


def pairs_otherwise(call: ToolCall, text: str) -> bool:
    """Whether `call` took items of two or more lists the user paired (cue lists of one
    length, or "respectively") from different places: ("Facebook", "Santa Clara") of "the
    entity "Google" from the county of "Santa Clara" and ... the entity "Facebook" in the
    county of "San Mateo"."""
    taken = _taken(call, value_lists(text))
    respectively = _RESPECTIVELY.search(text) is not None
    return len(taken) >= 2 and _paired(taken, respectively) and len({t.index for t in taken}) > 1


def paired_calls(
    calls: Sequence[ToolCall], text: str, made: Sequence[ToolCall] = ()
) -> tuple[list[ToolCall], list[str]]:
    """`calls`, where the calls enumerated a list the user paired with another (cue lists of
    one length: one value of each per clause, or "respectively") but wrote some other item of
    the other list beside an item, with the other list's item in the same place ("with
    coefficients [3, -2, 1] within the interval [-1, 2], and ... with coefficients [1, 0, -1]
    within the interval [0, 3]", drafted with [0, 3] twice); a note per value changed."""
    lists = value_lists(text)
    if len(calls) < 2 or len(lists) < 2:
        return list(calls), []
    respectively = _RESPECTIVELY.search(text) is not None
    every = [*made, *calls]
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        taken = _taken(call, lists)
        own = {t.index for t in taken if _enumerated(every, t, call.name)}
        if len(own) != 1 or not _paired(taken, respectively):
            out.append(call)
            continue
        index = own.pop()
        changed = {
            t.argument: as_drafted(call.arguments[t.argument], t.items.items[index])
            for t in taken
            if t.index != index
        }
        notes.extend(
            f"{call.name}.{name}: {call.arguments[name]!r} as {value!r}, paired as written"
            for name, value in changed.items()
        )
        out.append(call.model_copy(update={"arguments": {**call.arguments, **changed}}))
    return out, notes


def call_key(call: ToolCall) -> str:
    return call.model_dump_json(include={"name", "arguments"})
