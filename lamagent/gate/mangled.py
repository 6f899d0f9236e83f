"""A name the model began copying and then wrote its own: the name the user wrote.

A small model under a call grammar starts a name where the user's starts and goes on with one
of its own: "Messi" becomes "Machete", "Rodin" "Rousseau", "Brooklyn" "Bronx", "Tel Aviv"
"Talibanistan". The copy bias favours the user's next letters, but where the model's own
word is far likelier, the first token is all it copies. What is left is a value that holds
none of the conversation's words and opens with the letter of a name the user wrote that no
call holds.

`mangled_names(calls, tools, sources, query)`: a string argument (no enum, const or pattern)
whose value opens with a capital, holds a lower-case letter (not a code: "USD", "AAPL") and
none of whose words the conversation (`sources`: the user's messages, the tools' results),
the tool's description or the parameter's writes, takes the name of the user's request
(`lamagent.gate.written_names`: no month or weekday, "Friday" is a date) that opens with the
same letter, when exactly one name that no value of the turn holds (nor holds a part of)
does, and no other such value of the turn opens as that name does. Left alone, as
the model's reading of the user's word rather than a copy gone wrong:

- a value that shares a word's first `READING_LETTERS` letters with the name ("Philadelphia"
  for "Philly"), or one of whose words opens the other's, `SHORT_WORD` letters or more
  ("Chicago, IL" for "Chi-town", "Persia" of "Persian Empire"; "Bronx" of "Brooklyn" shares
  three letters and is neither's opening);
- a value spelled like the name, a typo mended ("Chicago" for "Chcicago": `difflib`'s ratio
  at least `TYPO_RATIO`);
- a value whose words' initials are the name ("New York City" for "NYC").

A value that copies the user's words but one, made up where a name the user wrote belongs
("Talks of Lisbon" for "the Treaty of Lisbon"), takes that name in its place: a capitalised
word of the value that the conversation, the tool's description and the parameter's do not
write, that opens with the letter of exactly one unheld name, when the value with the name
in its place is words the user wrote in a row. A word added to what the user wrote ("Paris,
France" for "Paris") is no such copy and stays.

A value the model knew rather than copied that opens with an unheld name's letter ("Brussels"
for "the capital of Belgium") is taken for a copy gone wrong: measured on BFCL's answers, no
answer does that (`bench/answer_drafts.py`). Nothing is generated.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_properties
from lamagent.gate.signals import holds_in_a_row, leaf_values, singular, stem, words
from lamagent.gate.written_names import written_names
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["mangled_names"]

#: Opening letters a value's word shares with a word of the name that make it a reading of
#: that word ("Phil" of "Philly" and "Philadelphia"), not a copy gone wrong ("Bro" of
#: "Brooklyn" and "Bronx").
READING_LETTERS = 4
#: Letters from which one word that opens the other is its reading ("Chi" of "Chicago",
#: "Persia" of "Persian").
SHORT_WORD = 3
#: A capitalised word of a value ("Talks" of "Talks of Lisbon").
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
#: `difflib.SequenceMatcher` ratio (case aside) from which a value is the name spelled
#: another way, a typo mended ("Chicago" of "Chcicago": 0.93; "Machete" of "Messi": 0.33).
TYPO_RATIO = 0.8


def _name_like(value: str) -> bool:
    """Whether `value` reads as a name: a word, capitalised, not a code ("USD", "AAPL")."""
    return bool(words(value)) and value[:1].isupper() and any(c.islower() for c in value)


def _invented(value: str, written: Sequence[Set[str]]) -> bool:
    """Whether none of `value`'s words is in `written` (word forms: `_forms`), as it is, in
    the singular or as its stem ("Cardiology" of "cardiologist"): the model's own."""
    forms = {f for w in words(value) for f in (w, singular(w), stem(w))}
    return not any(forms & pool for pool in written)


def _opening_letters(first: str, second: str) -> int:
    """How many letters two words open with alike."""
    shared = 0
    while shared < min(len(first), len(second)) and first[shared] == second[shared]:
        shared += 1
    return shared


def _forms(text: str) -> set[str]:
    """The words of `text`, each also in the singular and as its stem."""
    said = words(text)
    return {*said, *(singular(w) for w in said), *(stem(w) for w in said)}


def _reading(value: str, name: str) -> bool:
    """Whether `value` reads the user's `name` (see the module's docstring)."""
    value_words, name_words = words(value), words(name)
    for v, n in itertools.product(value_words, name_words):
        shared = _opening_letters(v, n)
        if shared >= READING_LETTERS or shared == min(len(v), len(n)) >= SHORT_WORD:
            return True
    if difflib.SequenceMatcher(None, value.lower(), name.lower()).ratio() >= TYPO_RATIO:
        return True
    letters = "".join(c for c in name if c.isalnum())
    initials = "".join(w[0] for w in value_words)
    return letters.isupper() and letters.lower() == initials


def _made_up_words(
    value: str, names: Sequence[str], query_words: Sequence[str]
) -> Iterator[tuple[str, str, str]]:
    """Each capitalised word of `value` that opens as exactly one of the user's `names` (and
    is no reading of it), where the value with the name in that word's place is words the user
    wrote in a row: the word, the name and the value so mended (see the module's docstring)."""
    value_words = words(value)
    for match in _CAPITALISED.finditer(value):
        word = match.group()
        opening = [n for n in names if n[:1].lower() == word[:1].lower()]
        if len(opening) != 1 or _reading(word, opening[0]):
            continue
        at = len(words(value[: match.start()]))
        mended = [*value_words[:at], *words(opening[0]), *value_words[at + 1 :]]
        if holds_in_a_row(query_words, mended):
            yield word, opening[0], f"{value[: match.start()]}{opening[0]}{value[match.end() :]}"


def _held(name: str, leaves: Sequence[str]) -> bool:
    """Whether a value holds `name`, or a part of it ("La Liga" of "La Liga 2020-2021")."""
    lowered = f" {' '.join(words(name))} "
    for leaf in leaves:
        said = words(leaf)
        part = " ".join(said)
        if lowered.strip() in part:
            return True
        # a part that names something: a word of three letters or more, not a number
        if any(w.isalpha() and len(w) >= 3 for w in said) and f" {part} " in lowered:
            return True
    return False


def mangled_names(
    calls: Sequence[ToolCall], tools: Sequence[Tool], sources: Sequence[str], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each name the model began copying and wrote its own as the name the user
    wrote (see the module's docstring), and a note per value changed."""
    by_name = {tool.name: tool for tool in tools}
    leaves = [leaf for call in calls for leaf in leaf_values(call.arguments)]
    names = [n for n in written_names(query) if not _held(n, leaves)]
    if not names:
        return list(calls), []
    query_words = words(query)

    @functools.cache
    def conversation() -> frozenset[str]:
        """The conversation's word forms, read once, when a value needs them."""
        return frozenset(form for text in sources for form in _forms(text))

    found: dict[tuple[str, str], str] = {}  # the name each value takes
    mended: dict[tuple[str, str], str] = {}  # the value with it, where a word of it was made up
    for call in calls:
        tool = by_name.get(call.name)
        if tool is None:
            continue
        described = _forms(tool.description)
        properties = tool_properties(tool)
        for argument, value in call.arguments.items():
            spec = properties.get(argument)
            if not (isinstance(value, str) and isinstance(spec, Mapping) and open_string(spec)):
                continue
            if not _name_like(value):
                continue
            key = (call.id, argument)
            own = _forms(str(spec.get("description") or ""))
            opening = [n for n in names if n[:1].lower() == value[:1].lower()]
            whole = len(opening) == 1 and not _reading(value, opening[0])
            if whole and _invented(value, (conversation(), described, own)):
                found[key] = opening[0]
                continue
            for word, name, new in _made_up_words(value, names, query_words):
                if _invented(word, (conversation(), described, own)):
                    found[key], mended[key] = name, new
                    break
    taken = list(found.values())

    def as_written(call: ToolCall, argument: str, value: Any) -> tuple[Any, str] | None:
        key = (call.id, argument)
        name = found.get(key)
        if name is None or taken.count(name) != 1:
            return None  # two values open as one name: which one the user meant is open
        if key in mended:
            new = mended[key]
            return new, f"{value!r} as {new!r}, the name the user wrote in the word made up"
        return name, f"{value!r} as {name!r}, the name the user wrote that it opens as"

    return reshaped_calls(calls, as_written)
