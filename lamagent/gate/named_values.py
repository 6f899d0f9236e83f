"""A value the user wrote right after naming its parameter.

Users often say which argument a value is for: "The title should be 'Breakthrough in Artificial
Intelligence'", "add todo with content go to sleep at 9 pm", "run this command: grep -rn 'TODO'
src". A small model under a call grammar still writes its own title, or copies part of the value
("sleep at 9 pm").

`named_values(calls, tools, query)`: a string argument whose parameter the user named (its name's
words in a row, each word as written or inflected: "titled" names `title`), followed by a linking
word or none ("is", "should be", "to", "called", ":", "=", "-") and then

- a quoted span ('...', "...", `...`): takes that span, whatever the model wrote;
- else the rest of the sentence, at most `MAX_WORDS` words, no list ("copper and aluminum") and no
  verb first ("the content must cover ..."): takes it when the model wrote its end but left off its
  first words (at most `MAX_DROPPED`, not only function words, none a word of the parameter's name
  or description: "decay factor of 0.5" for "The decay factor" leaves 0.5), so "sleep at 9 pm"
  becomes "go to sleep at 9 pm". A value the model wrote whole and then the sentence goes on
  ("Marble" of "material Marble in Rome") is left: where an unquoted value ends is the model's
  call.

Left alone: a value that is a span the user quoted (the model copied a whole value: "a target
variable 'Purchase_Amount'" gives no "variable 'Purchase_Amount'"), a name after a word that names
another parameter ("the restaurant named 'Nobu'" is no `name`), a parameter with an enum, a const
or a pattern (the grammar keeps those), a name the user wrote before two such values (which one is
meant?), a parameter the turn's calls give different values (the user asked for several and named
one: "the artwork named 'Starry Night' ... another artwork called 'The Scream'"), a name of fewer
than three letters, and a parameter whose name the user wrote after the value ("'X' as content").
Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import reshaped_calls
from lamagent.gate.signals import STOPWORDS, meets, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_WORDS", "named_values"]

#: Most words of an unquoted value (a sentence's rest beyond that is more than one value).
MAX_WORDS = 10
#: Most words the model may have left off an unquoted value's start.
MAX_DROPPED = 2
#: Words that say something of the parameter rather than start its value ("the content
#: must cover the recent advancements").
_VERBS = frozenset(
    (
        *("must", "should", "will", "would", "shall", "can", "could", "may", "might"),
        *("is", "are", "was", "were", "be", "has", "have", "had", "does", "do", "did"),
        *("needs", "need"),
    )
)
#: Words and marks that join items of a list.
_LIST = re.compile(r",|\b(?:and|or)\b", re.IGNORECASE)
#: Fewest letters of a parameter's name ("id", "to" are words of too many sentences).
MIN_NAME_LETTERS = 3
_TOKEN = re.compile(r"[^\W_]+")
#: What may stand between a parameter's name and its value.
_LINK = re.compile(
    r"\s*(?:(?:(?:should|must|will|would|shall|can|could)\s+be|is|are|be|to|as|called|named|"
    r"set\s+to|equal\s+to)\b)?\s*[:=-]?\s*",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"""'([^'\n]+)'(?![\w])|"([^"\n]+)"|`([^`\n]+)`|“([^”\n]+)”|‘([^’\n]+)’""")
#: Where an unquoted value ends: a sentence's end, a line break, or the end of the text.
_UNQUOTED = re.compile(r"([^\n]+?)(?=[.?!;](?:\s|$)|\n|$)")


def _name_ends(query: str, parameter: str, others: Sequence[str]) -> list[int]:
    """Where, in `query`, each place that writes the parameter's name ends; not where the
    word before it names another parameter (`others`): "the restaurant named 'Nobu'" names
    the restaurant, not a `name`."""
    name = [stem(w) for w in words(parameter)]
    if not name or sum(len(w) for w in name) < MIN_NAME_LETTERS:
        return []
    other_words = {stem(w) for other in others for w in words(other)}
    tokens = list(_TOKEN.finditer(query))
    ends: list[int] = []
    for i in range(len(tokens) - len(name) + 1):
        run = tokens[i : i + len(name)]
        if not all(meets(stem(t.group().lower()), {n}) for t, n in zip(run, name, strict=True)):
            continue
        if i > 0 and meets(stem(tokens[i - 1].group().lower()), other_words - set(name)):
            continue
        ends.append(run[-1].end())
    return ends


def _value_after(query: str, end: int) -> tuple[str, bool] | None:
    """The value written after a parameter's name that ends at `end`, and whether the user
    quoted it; None when none is."""
    start = _LINK.match(query, end)
    at = start.end() if start else end
    quoted = _QUOTED.match(query, at)
    if quoted:
        return next(g for g in quoted.groups() if g is not None), True
    rest = _UNQUOTED.match(query, at)
    if rest is None:
        return None
    text = rest.group(1).strip()
    if not text or len(text.split()) > MAX_WORDS or text.split()[0].lower() in _VERBS:
        return None
    return text, False


def _words_of(name: str, spec: Any) -> set[str]:
    """The stems of a parameter's name and description."""
    return {stem(w) for w in words(f"{name} {spec.get('description') or ''}")}


def _began_at_its_end(named: str, value: str, parameter: set[str]) -> bool:
    """Whether `value` is the end of the unquoted `named` without its first words, at most
    `MAX_DROPPED` of them: the model copied the value but not its start ("sleep at 9 pm" of
    "go to sleep at 9 pm"; "rn 'TODO' src" of "grep -rn 'TODO' src"), not only function
    words ("the neutron") and none of the parameter's own words (`parameter`: the stems of
    its name and description). A value that holds a list ("copper and aluminum") is no one
    value."""
    if _LIST.search(named):
        return False
    whole = named.rstrip("'\"`")
    if not value.strip() or not whole.endswith(value) or whole == value:
        return False
    dropped = whole[: len(whole) - len(value)]
    if dropped[-1:].isalnum() or not 0 < len(dropped.split()) <= MAX_DROPPED:
        return False
    left_off = [w for w in words(dropped) if w not in STOPWORDS]
    # "the neutron" for "neutron": an article is no part of the value; "decay factor of
    # 0.5" for `decay` ("The decay factor"): the words left off are the parameter's
    return bool(left_off) and not any(meets(stem(w), parameter) for w in left_off)


def _free_string(spec: Any) -> bool:
    return (
        isinstance(spec, Mapping)
        and spec.get("type") == "string"
        and not any(k in spec for k in ("enum", "const", "pattern"))
    )


def named_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value the user wrote after naming its parameter (see the module's
    docstring), and a note per value changed ("todo.content: 'sleep at 9 pm' as 'go to
    sleep at 9 pm', named")."""
    schemas = {tool.name: tool.parameters.get("properties") or {} for tool in tools}
    spans = {next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(query)}
    # a parameter the calls give different values: the user asked for several, and named
    # one of them ("the artwork named 'Starry Night' ... another artwork called ...")
    drafted: dict[tuple[str, str], set[str]] = {}
    for call in calls:
        for name, value in call.arguments.items():
            drafted.setdefault((call.name, str(name)), set()).add(repr(value))

    def as_named(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not _free_string(spec):
            return None
        if len(drafted[(call.name, name)]) > 1:
            return None
        others = [str(o) for o in schemas.get(call.name, {}) if o != name]
        found = {
            after
            for end in _name_ends(query, name, others)
            if (after := _value_after(query, end)) is not None
        }
        if len(found) != 1:
            return None
        [(named, quoted)] = found
        if named == value or value in spans:  # a span the user quoted is a value whole
            return None
        if not quoted and not _began_at_its_end(named, value, _words_of(name, spec)):
            return None
        return named, f"{value!r} as {named!r}, named"

    return reshaped_calls(calls, as_named)
