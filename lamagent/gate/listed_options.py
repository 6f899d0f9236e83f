"""Options of one parameter the user listed together, and one call per option where a call took
one.

Where a parameter takes one of a few options (an enum, or the options its description lists:
`lamagent.gate.options`), users ask for several of them in one breath: "any music concerts or
theater plays" (`event_type`: "Music", "Theater"), "for the last six months, the last year, and
the last five years" (`time_frame`: "six_months", "year", "five_years"), "considering both the
shortest and scenic route". A small model under a call grammar takes the first and closes the
list. The item lists of `lamagent.gate.items` read enumerations of single words, names and
numbers; these are the tool's own options, named by their words.

`option_calls(calls, text, tools, made, limit)`: for a call whose string argument is one of its
parameter's options, the other options the request names next to it are asked for too: each
option named by its words in a row (stems, and starts of four letters or more: "concerts" is no
option, "theater" names "Theater"), two names next to each other when only a conjunction ("and",
"or", "&", a comma) and at most `MAX_BETWEEN` other words stand between them, in one sentence
("the length and the width": one word, "the"), each next to one of the group. The names read
are those in the sentences that write the most of the call's other values ("all roots, real or
complex" is the first equation's, "only the real roots" the second's). Each other option of the
group gives a call of its own, the call with that argument set to it, right after it, in the
order the request names them.

Left alone: options of stop words only ("on", "all": too many sentences write them);
options offered as a choice ("whether it's a direct route or has one stop",
"either ... or"); an option named right after a "not" ("not hot or cold"); a name inside a
longer option's ("year" in "five years" names "five_years"); options the user pairs with
another list's items ("respectively": `lamagent.gate.listed` pairs them); a group of which calls
of the tool already took two options in that argument (the model enumerated them itself, in this
step or an earlier one of the request: `made`); a call the turn holds; numbers (items of
`lamagent.gate.listed`) and list parameters (the tool takes the options together). Never more
calls than `limit`; the draft's calls are never cut. Nothing is generated: the model chose the
call; the request says which options it asks for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lamagent.gate.listed import MAX_CALLS, run_key, says_respectively
from lamagent.gate.options import NEGATIONS, parameter_options
from lamagent.gate.reshape import enum_values, tool_schemas
from lamagent.gate.signals import (
    STOPWORDS,
    SaidWords,
    holds_in_a_row,
    leaves,
    named_at,
    stem,
    words,
)
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_BETWEEN", "option_calls"]

#: Most words besides the conjunction between two options named together ("the length and the
#: width", "six months, the last year"): more is a clause of its own.
MAX_BETWEEN = 2
_CONJUNCTIONS = frozenset({"and", "or", "&", ","})
#: What ends a sentence or a clause: options on both sides of one are not named together.
_BREAKS = frozenset({".", ";", ":", "!", "?"})
_PUNCTUATION = re.compile(r"([,;:.!?&])")
#: Words that offer the options after them as a choice, not a list.
_CHOOSING = frozenset({"whether", "either"})
#: Most words of any kind between two options named together (conjunctions too: ", and").
_MOST_BETWEEN = MAX_BETWEEN + 3


@dataclass(frozen=True)
class _Named:
    """Where the request names an option: words `start` to `end` (exclusive)."""

    option: str
    start: int
    end: int


class _Request:
    """The request's words with the punctuation between them (`tokens`; stemmed in `said`),
    and the sentence each is in (a colon or semicolon ends one too), read once per turn."""

    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        for part in _PUNCTUATION.split(text):
            self.tokens.extend([part] if _PUNCTUATION.fullmatch(part) else words(part))
        self.said = SaidWords([stem(t) for t in self.tokens])
        self.sentences: list[tuple[int, int]] = []
        self.sentence_of: list[int] = []
        start = 0
        for i, token in enumerate(self.tokens):
            self.sentence_of.append(len(self.sentences))
            if token in _BREAKS:
                self.sentences.append((start, i))
                start = i + 1
        self.sentences.append((start, len(self.tokens)))


def _options(spec: Any) -> list[str]:
    """The options a string parameter takes: its enum's strings, else those its description
    lists; not numbers ("3 bedrooms and 2 bathrooms" names no two options of one parameter:
    numbers the user lists are items, `lamagent.gate.listed`)."""
    if not isinstance(spec, Mapping) or spec.get("type") != "string":
        return []
    enum = [o for o in enum_values(spec) if isinstance(o, str)]
    return [o for o in enum or parameter_options(spec) if not all(w.isdigit() for w in words(o))]


def _named(options: Sequence[str], request: _Request) -> list[_Named]:
    """Where the request names each option, in the order it writes them, but inside a longer
    option's name and right after a negation; an option of stop words only ("on", "all") is
    named nowhere."""
    found: list[_Named] = []
    for option in options:
        spelled = words(option)
        if STOPWORDS.issuperset(spelled):  # "on", "all": written in too many sentences
            continue
        stems = [stem(w) for w in spelled]
        for at in named_at(stems, request.said):
            if at == 0 or request.tokens[at - 1] not in NEGATIONS:
                found.append(_Named(option, at, at + len(stems)))
    by_start: dict[int, list[_Named]] = {}
    for n in found:
        by_start.setdefault(n.start, []).append(n)
    longest = max((n.end - n.start for n in found), default=0)

    def inside(n: _Named) -> bool:
        return any(
            o.option != n.option and o.end >= n.end and o.end - o.start > n.end - n.start
            for at in range(max(0, n.start - longest), n.start + 1)
            for o in by_start.get(at, ())
        )

    return sorted((n for n in found if not inside(n)), key=lambda n: (n.start, n.end))


def _next_to(first: _Named, second: _Named, tokens: Sequence[str]) -> bool:
    """Whether `first` and then `second` are named together: a conjunction and at most
    `MAX_BETWEEN` other words between them, no sentence's or clause's end."""
    between = tokens[first.end : second.start]
    if first.end > second.start or not _CONJUNCTIONS.intersection(between):
        return False
    if _BREAKS.intersection(between):
        return False
    return sum(t not in _CONJUNCTIONS for t in between) <= MAX_BETWEEN


def _groups(named: Sequence[_Named], tokens: Sequence[str]) -> dict[_Named, list[_Named]]:
    """For each name (`named` in the request's order), the names named together with it,
    directly or through one another (itself among them), in the request's order."""
    parent = list(range(len(named)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, first in enumerate(named):
        for j in range(i + 1, len(named)):
            second = named[j]
            if second.start > first.end + _MOST_BETWEEN:  # too far, and so are the rest
                break
            if _next_to(first, second, tokens):
                parent[root(j)] = root(i)
    members: dict[int, list[_Named]] = {}
    for i, n in enumerate(named):
        members.setdefault(root(i), []).append(n)
    return {n: members[root(i)] for i, n in enumerate(named)}


def _choice(group: Sequence[_Named], tokens: Sequence[str]) -> bool:
    """Whether the user offers the options as a choice: "whether" or "either" before the
    first, in its clause (no conjunction, comma or sentence's end between): "flexible about
    whether it's a direct route or has one stop"."""
    for i in range(group[0].start - 1, -1, -1):
        if tokens[i] in _CHOOSING:
            return True
        if tokens[i] in _CONJUNCTIONS or tokens[i] in _BREAKS:
            return False
    return False


def _written(sentence: Sequence[str], call: ToolCall, argument: str) -> int:
    """How many values of `call`'s other arguments `sentence` writes (their words in a row)."""
    count = 0
    for name, value in call.arguments.items():
        for leaf in leaves(value) if name != argument else ():
            spelled = words(str(leaf)) if not isinstance(leaf, bool) else []
            count += bool(spelled) and holds_in_a_row(sentence, spelled)
    return count


def _asked(
    call: ToolCall,
    argument: str,
    own: str,
    groups: dict[_Named, list[_Named]],
    request: _Request,
) -> list[str]:
    """The options the request asks for together with `own`, the option `call` took in
    `argument`, in the order it names them: read where it names `own` in the sentences that
    write the most of the call's other values (anywhere, where none writes one); none where
    two such names are named with different options (the call's own sentence is not told), and
    none where the user offers them as a choice (`_choice`)."""
    names = [n for n in groups if n.option == own]
    counts: dict[int, int] = {}
    for n in names:
        k = request.sentence_of[n.start]
        if k not in counts:
            first, last = request.sentences[k]
            counts[k] = _written(request.tokens[first:last], call, argument)
    most = max(counts.values(), default=0)
    theirs = [groups[n] for n in names if counts[request.sentence_of[n.start]] == most]
    if len({frozenset(n.option for n in group) for group in theirs}) != 1:
        return []
    if any(_choice(group, request.tokens) for group in theirs):
        return []
    return list(dict.fromkeys(n.option for n in theirs[0] if n.option != own))


def _as_option(value: Any, options: Sequence[str]) -> str | None:
    """The option `value` is (its words, case aside), if any."""
    if not isinstance(value, str):
        return None
    spelled = words(value)
    return next((o for o in options if spelled and words(o) == spelled), None)


def option_calls(
    calls: Sequence[ToolCall],
    text: str,
    tools: Sequence[Tool],
    made: Sequence[ToolCall] = (),
    limit: int = MAX_CALLS,
) -> list[ToolCall]:
    """`calls`, each followed by a call per other option the request names together with an
    option it took (see the module's docstring). `made`: the calls already made for this
    request; `limit`: the most calls the turn may hold (at most `MAX_CALLS`)."""
    room = min(limit, MAX_CALLS) - len(calls)
    if room <= 0 or not calls or says_respectively(text):
        return list(calls)
    schemas = tool_schemas(tools)
    request = _Request(text)
    read: dict[tuple[str, ...], dict[_Named, list[_Named]]] = {}  # per option list
    every = [*made, *calls]
    seen = {run_key(call, schemas) for call in every}
    out: list[ToolCall] = []
    for call in calls:
        out.append(call)
        for name, value in call.arguments.items():
            options = _options(schemas.get(call.name, {}).get(name))
            own = _as_option(value, options)
            if own is None:
                continue
            listed = tuple(options)
            if listed not in read:
                read[listed] = _groups(_named(options, request), request.tokens)
            group = _asked(call, name, own, read[listed], request)
            taken = {
                _as_option(c.arguments.get(name), [own, *group])
                for c in every
                if c.name == call.name
            }
            if len(taken - {None}) >= 2:  # the model enumerated them itself
                continue
            for option in group:
                sibling = ToolCall(name=call.name, arguments={**call.arguments, name: option})
                key = run_key(sibling, schemas)
                if key in seen or room <= 0:
                    continue
                seen.add(key)
                out.append(sibling)
                room -= 1
    return out
