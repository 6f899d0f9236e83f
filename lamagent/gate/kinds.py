"""A value that ends with the word of its kind: "Sierra Nevada brewery" for a brewery.

Copying a name from the user's words, a small model often copies the noun after it too, the
one that says what kind of thing the name names: "from Sierra Nevada brewery" gives
`"brewery": "Sierra Nevada brewery"`, "in Santa Clara county" `"county": "Santa Clara
county"`, "from New York time zone" `"from_timezone": "New York time zone"`, "an acoustic
instrument" `find_instrument`'s `"type": "acoustic instrument"`. The parameter already says
the kind; a brewery looked up by the name "Sierra Nevada brewery" is none.

`kindless_values(calls, tools, query)`: a string argument whose value the user wrote (whole
words, case aside) and which ends, as the user wrote it, with a lower-case word (or two the
kind writes as one: "time zone") that is the parameter's kind becomes what comes before it.
The kind is the last word of the parameter's name that is not generic ("brewery", "county",
"cell" of `cell_type`, "timezone" of `from_timezone`, "hotel" of `hotel_name`), or, for a
name of generic words only (`type`), the last word of the tool's name ("instrument" of
`find_instrument`). Left alone:

- a kind the user capitalised ("Plaza Hotel", "Louvre Museum": the kind is part of the name);
- what is left without a word of its own: only function words or words of the parameter's
  name ("all platforms", "New alarm" of `new_alarm_name`);
- a parameter whose description, default, examples or enum write a value with the kind after
  a word of its own ("Type of the room e.g. Living room": a living room is no "living", and
  an enum's "living room" stays).

A value that is the kind and nothing else ("restaurant" for `find_restaurant`'s `type`, a
name of generic words only: "feeling" of `thinking_vs_feeling` may be its own value) says
nothing the parameter does not; where the user wrote the kind in lower case right after words
of their own ("an Italian restaurant"), those words are the value ("Italian"), when the
request so writes one (up to `MAX_MODIFIER_WORDS` words of letters, no function word,
within a clause).
The parameter's text is not asked here: a value that is the kind alone is no example's. So
does a value of one word that names another parameter of the call ("smoothed", of `smooth`,
for the `sequence_type` of "a multi-band sequence, that is smoothed at 6mm"): it is that
parameter's, and the user said of this one's kind.

Nothing else changes; nothing is generated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import enum_values, open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import GENERIC_NAME_WORDS, STOPWORDS, leaf_values, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["kindless_values", "parameter_kind"]

#: The fewest characters of what is left ("La" is no name of its own).
MIN_HEAD_CHARS = 2
#: The words of a kind written apart that the kind writes as one ("time zone": "timezone").
_MAX_KIND_WORDS = 2
#: The most words before a kind read as what the user said of it ("modern Italian").
MAX_MODIFIER_WORDS = 3
_TOKEN = re.compile(r"\S+")
_EDGE = "\"'()[]{}<>“”‘’"


def parameter_kind(parameter: str, tool: str) -> str | None:
    """The stem of the word that says what kind of thing `parameter`'s value is: the last
    word of its name that is not generic, else the last word of the tool's name (the part
    after its last dot)."""
    own = [w for w in words(parameter) if stem(w) not in GENERIC_NAME_WORDS and not w.isdigit()]
    if own:
        return stem(own[-1])
    tool_words = [w for w in words(tool.rsplit(".", 1)[-1]) if not w.isdigit()]
    return stem(tool_words[-1]) if tool_words else None


def _kind_words(written: list[str], kind: str) -> int:
    """How many of the last words of `written` (as the user wrote them) name `kind` in lower
    case: one ("county"), two written as one ("time zone"), or none."""
    for count in range(1, _MAX_KIND_WORDS + 1):
        tail = written[-count:]
        if len(tail) < count or not all(w.islower() for w in tail):
            break
        if stem("".join(tail)) == kind:
            return count
    return 0


def _written_with_kind(spec: Mapping[str, Any], kind: str) -> bool:
    """Whether the parameter's own text (description, default, examples, enum) writes a
    value ending with the kind after a word of its own ("e.g. Living room")."""
    texts = [spec.get("description"), spec.get("default"), spec.get("examples")]
    texts.extend(enum_values(spec))
    for text in texts:
        for leaf in leaf_values(text):
            said = words(leaf)
            for i in range(1, len(said)):
                for count in range(1, _MAX_KIND_WORDS + 1):
                    if i + count > len(said) or stem("".join(said[i : i + count])) != kind:
                        continue
                    before = said[i - 1]
                    if before not in STOPWORDS and stem(before) != kind:
                        return True
    return False


def _the_kind_alone(value: str, parameter: str, kind: str) -> bool:
    """Whether `value` is the kind and nothing else, for a parameter of generic words only
    (`type`), whose kind the tool's name says: the parameter's own word may be its value
    ("feeling" of `thinking_vs_feeling`)."""
    if any(stem(w) not in GENERIC_NAME_WORDS for w in words(parameter)):
        return False
    return value.replace(" ", "").isalpha() and stem(value.replace(" ", "").lower()) == kind


def _name_words(arguments: Iterable[str]) -> dict[str, set[str]]:
    """The parameters of a call by each word of their names that is not generic (stems)."""
    named: dict[str, set[str]] = {}
    for name in arguments:
        for word in {stem(w) for w in words(name)} - GENERIC_NAME_WORDS:
            named.setdefault(word, set()).add(name)
    return named


def _another_parameters(value: str, parameter: str, named: Mapping[str, set[str]]) -> bool:
    """Whether `value` is one word that names another parameter of the call ("smoothed" of
    `smooth`), a word of its name that is not generic (`named`: `_name_words`)."""
    said = words(value)
    if len(said) != 1 or not said[0].isalpha():
        return False
    return bool(named.get(stem(said[0]), set()) - {parameter})


@functools.lru_cache(maxsize=64)
def _said_of_kind(query: str, kind: str) -> str | None:
    """The words the user wrote right before the kind, written in lower case ("Italian" of
    "an Italian restaurant"), when the request writes one such reading; else None."""
    tokens = [t.strip(_EDGE) for t in _TOKEN.findall(query)]
    readings: dict[str, str] = {}
    for at, token in enumerate(tokens):
        if not token.islower() or stem(token.lower().rstrip(",.;:!?")) != kind:
            continue
        before: list[str] = []
        for word in reversed(tokens[max(0, at - MAX_MODIFIER_WORDS) : at]):
            if not word.replace("-", "").isalpha() or word.lower() in STOPWORDS:
                break  # a number, a mark that ends a clause, a function word
            before.insert(0, word)
        if before:
            reading = " ".join(before)
            readings[reading.casefold()] = reading
    return next(iter(readings.values())) if len(readings) == 1 else None


def kindless_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each string value that ends with its parameter's kind cut where the kind
    begins (see the module's docstring), and a note per value changed ("find_beer.brewery:
    'Sierra Nevada brewery' as 'Sierra Nevada', the parameter names the kind")."""
    schemas = tool_schemas(tools)
    named_by: dict[str, dict[str, set[str]]] = {}  # each call's parameters by their words

    def cut(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(spec, Mapping):
            return None
        kind = parameter_kind(name, call.name)
        if kind is None:
            return None
        text = value.strip()
        alone = _the_kind_alone(text, name, kind)
        if call.id not in named_by:
            named_by[call.id] = _name_words(call.arguments)
        others = _another_parameters(text, name, named_by[call.id])
        if (alone or others) and open_string(spec):
            said = _said_of_kind(query, kind)
            if said is None or said.casefold() == text.casefold():
                return None
            why = "the kind" if alone else "another parameter's"
            return said, f"{value!r} as {said!r}, what the user said of the kind ({why})"
        if not _kind_words(text.lower().split(), kind):
            return None  # no kind at its end, in any case: the request is not searched
        found = re.search(rf"(?<!\w){re.escape(text)}(?!\w)", query, re.IGNORECASE)
        if found is None:
            return None
        written = found.group().split()
        count = _kind_words(written, kind)
        if not count or _written_with_kind(spec, kind):
            return None
        head = " ".join(text.split()[:-count]).rstrip(" ,;:-")
        own = {stem(w) for w in words(name)}
        if len(head) < MIN_HEAD_CHARS or not any(
            w not in STOPWORDS and stem(w) not in own for w in words(head)
        ):
            return None
        return head, f"{value!r} as {head!r}, the parameter names the kind"

    return reshaped_calls(calls, cut)
