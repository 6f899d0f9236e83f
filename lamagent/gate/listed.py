"""Items the user listed, and one call per item where the draft took one of them.

Asked for "the factorial of 5, 10 and 15", a small model under a call grammar writes one call,
`{"number": 5}`, and closes the list: it knows the call and the first value, not that the list
asks for three. The query says so plainly: an enumeration of like items ("5, 10 and 15",
"Lakers and Bulls", "'Friends' and 'The Office'"), of which the draft's call took exactly one
as the whole value of one argument. The other items fill that argument in calls of their own,
with the draft's other arguments unchanged. The enumerations and cue lists are read by
`lamagent.gate.items`.

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
  last of them is repeated with each further item. With the tools given, a string argument
  an enum decides takes no item (`lamagent.gate.listed_options` reads the options named), a
  call at its parameter's default is the call that leaves it out (`run_key`), and an item
  of a cue list a call of another tool holds is that clause's ask, not a sibling's.
- `paired_calls(calls, text)`: where the calls enumerated one of two lists the user paired
  (cue lists of one length, or "respectively") but wrote another item of the second beside
  an item of the first, the second's item in the same place.

Nothing is generated: the model chose the call and its arguments; the list only says how
many and with which values. A call that took two items of a list (`gcd(12, 18)`), or an item
inside a list argument, is left alone: the tool takes the items together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import ItemList, as_drafted, item_matches, value_lists
from lamagent.gate.reshape import enum_values, schema_defaults, tool_schemas
from lamagent.gate.signals import leaf_values, leaves
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "MAX_CALLS",
    "call_key",
    "listed_calls",
    "paired_calls",
    "pairs_otherwise",
    "run_key",
    "says_respectively",
    "taken_items",
]

#: The most calls a fanned-out turn holds.
MAX_CALLS = 8

_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)


def says_respectively(text: str) -> bool:
    """Whether `text` pairs the items of its lists in order ("respectively")."""
    return _RESPECTIVELY.search(text) is not None


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
    tools: Sequence[Tool] = (),
) -> list[ToolCall]:
    """`calls`, each with one sibling per other item of the lists it took one item of.

    `made`: the calls already made for this request (earlier steps since the user's message);
    they count as taking their items, and a sibling equal to one of them is not added again.
    `limit`: the most calls the turn may hold (at most `MAX_CALLS`); the draft's own calls
    are never cut. `tools`: the tools called; with them, a string argument whose parameter
    has an enum takes no item (the options the user names are
    `lamagent.gate.listed_options`'; "concerts or theater plays" names no "concerts"), and a
    sibling that holds its parameter's default is the call that leaves it out ("pending and
    active mandates", with `status` "active" by default, drafted without it).
    """
    lists = value_lists(text)
    if not lists or not calls:
        return list(calls)
    schemas = tool_schemas(tools)
    seen = {run_key(call, schemas) for call in [*made, *calls]}
    calls = _completed(list(calls), lists, seen, min(limit, MAX_CALLS), schemas)
    every = [*made, *calls]
    respectively = says_respectively(text)
    room = max(0, min(limit, MAX_CALLS) - len(calls))  # calls that may be added, in all
    out: list[ToolCall] = []
    for call in calls:
        taken = [
            t
            for t in _taken(call, lists)
            if not _enumerated(every, t, call.name)
            and not _enumerated_string(schemas, call, t.argument)
        ]
        own = tuple(t.index for t in taken)
        paired = bool(taken) and _paired(taken, respectively)
        answered = [_answered(t, every, call.name) for t in taken]
        block: list[ToolCall] = []
        placed = False
        for choice in _choices(taken, paired) if taken else ():
            if choice == own:
                block.append(call)
                placed = True
            elif any(i in a for i, a in zip(choice, answered, strict=True)):
                continue  # that clause's ask is another tool's call
            elif room:
                new = _sibling(call, taken, choice)
                key = run_key(new, schemas)
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


def _answered(taken: _Taken, calls: Sequence[ToolCall], tool: str) -> set[int]:
    """The items of a cue list (one value per clause) that a call of another tool than `tool`
    holds: each clause's ask is answered by its own call ("a 5-day air quality forecast for
    New York, a 7-day weather forecast for Los Angeles": the weather is Los Angeles's)."""
    if not taken.items.clauses:
        return set()
    return {
        i
        for call in calls
        if call.name != tool
        for leaf in leaves(call.arguments)
        for i, item in enumerate(taken.items.items)
        if item_matches(leaf, item, taken.items.kind)
    }


def _enumerated_string(
    schemas: Mapping[str, Mapping[str, Any]], call: ToolCall, argument: str
) -> bool:
    """Whether the call's argument is a string its parameter's enum decides."""
    spec = schemas.get(call.name, {}).get(argument)
    return (
        isinstance(spec, Mapping)
        and isinstance(call.arguments.get(argument), str)
        and bool(enum_values(spec))
    )


def run_key(call: ToolCall, schemas: Mapping[str, Mapping[str, Any]]) -> str:
    """`call_key` of the call as its tool runs it: with the arguments it leaves out at their
    parameter's default (`schema_defaults`: a call that writes a default is the call that
    leaves it out). `schemas`: the tools' parameters by tool name (`tool_schemas`)."""
    defaults = schema_defaults(schemas.get(call.name, {}))
    if not defaults:
        return call_key(call)
    return call_key(ToolCall(name=call.name, arguments={**defaults, **call.arguments}))


def _completed(
    calls: list[ToolCall],
    lists: Sequence[ItemList],
    seen: set[str],
    limit: int,
    schemas: Mapping[str, Mapping[str, Any]],
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
                if run_key(new, schemas) not in seen:
                    seen.add(run_key(new, schemas))
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
    respectively = says_respectively(text)
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
    respectively = says_respectively(text)
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


def changed_repeats(
    changed: Sequence[ToolCall], before: Sequence[ToolCall]
) -> tuple[list[ToolCall], list[ToolCall]]:
    """`changed` (`before`, each call reshaped or itself) split into the calls kept and those
    a rule made into a call the list holds already (an unchanged one, or one kept before)."""
    unchanged = {call_key(c) for c, was in zip(changed, before, strict=True) if c is was}
    kept: list[ToolCall] = []
    repeats: list[ToolCall] = []
    seen: set[str] = set()
    for call, was in zip(changed, before, strict=True):
        key = call_key(call)
        if call is not was and (key in unchanged or key in seen):
            repeats.append(call)
            continue
        seen.add(key)
        kept.append(call)
    return kept, repeats
