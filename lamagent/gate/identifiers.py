"""A value the model began copying late, from inside one of the user's words or names, as the
user wrote it.

Paths, addresses and identifiers are written as one word whose parts are joined by a mark:
"~/data/myfMRI.nii", "http://plga.ca", "/user/home/datasets/finance.csv", "your_dataset_name".
A small model under a call grammar copying such a word often skips its opening and starts at a
later part: "data/myfMRI.nii", "plga.ca", "user/home/datasets/finance.csv", "dataset_name". What
it wrote is the end of the user's word; the word is the value.

`whole_identifiers(calls, sources)`: a string argument (or a string element of a list argument)
that holds a letter and at least three characters, and that the sources (the user's messages,
the tools' results) write only as the end of a longer word, right after one of the marks that
join a word's parts (`/ \\ _ ~ : . -`), becomes that word (the word runs back to a space, a quote
or an opening bracket), when every such place gives the same word. Left alone: a value the
sources also write standing alone (the user wrote both), a value that ends inside the word
(its end was cut too: which end?), a value a word holds after a letter ("chimpa" of
"chimpanzee") or a sign ("15.99" of "$15.99"), and a call that already holds the whole word
in another argument (a `url` and its `domain`).

Names are written as capitalised words in a row, and the model starts them late too: "Liga" of
"La Liga", "P125" of "Yamaha P125", "Le Bristol Paris" of "Hotel Le Bristol Paris". A string
value that opens with a capital letter, holds three characters or more, and that the sources
write only right after one to three capitalised words (each after a space) becomes the name
those words open, when every place gives the same name; a capitalised word that opens a
sentence is no part of a name ("Check Lakers" is no team), and neither is a stop word
("Hi, Find Theater events", "The Martin Garrix Experience" holds no artist "The Martin
Garrix"). Left alone: a name opened by an identifier's word ("the component UUID
AB1010CD"), a name whose opening another argument of the call holds ("Fender" of "Fender
Stratocaster" beside `"brand": "Fender"`), and, with the tools given, a value of a parameter
with an enum. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.given_ids import ID_WORDS
from lamagent.gate.reshape import enum_values, reshaped_calls, tool_schemas
from lamagent.gate.signals import STOPWORDS
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["whole_identifiers"]

#: The marks that join the parts of one word: a path's, an address's, an identifier's.
_JOINERS = frozenset("/\\_~:.-")
#: What a word opens after: a space, a quote or an opening bracket.
_WORD_START = re.compile(r"[^\s\"'`“‘(\[{<]+$")
_MIN_LENGTH = 3
#: One to three capitalised words, each followed by one space, right before a value (after a
#: space, a quote or a bracket).
_NAME_OPENING = re.compile(r"(?:^|(?<=[\s\"'“‘(]))((?:[A-Z][\w.'&-]*[ ]){1,3})$")
#: How far back a name's opening is read.
_LONGEST_NAME = 64
#: Marks after which a capitalised word opens a sentence (a quote's opens a name).
_SENTENCE_ENDS = frozenset(".!?:;")
#: The longest opening read back from a value (a path's head, a URL's scheme and host).
_LONGEST_WORD = 512


def _whole_word(value: str, sources: Sequence[str]) -> str | None:
    """The one word of `sources` that writes `value` at its end, after a joining mark, where
    the sources write `value` nowhere else."""
    if len(value) < _MIN_LENGTH or not any(ch.isalpha() for ch in value):
        return None
    words: set[str] = set()
    for source in sources:
        at = source.find(value)
        while at >= 0:
            after = source[at + len(value) : at + len(value) + 1]
            if at == 0 or source[at - 1] not in _JOINERS or (after and after.isalnum()):
                return None  # written alone, after a letter or a sign, or cut at its end
            opening = _WORD_START.search(source[max(0, at - _LONGEST_WORD) : at])
            if opening is None:
                return None
            words.add(opening.group(0) + value)
            at = source.find(value, at + 1)
    if len(words) != 1:
        return None
    (word,) = words
    return word


def _whole_name(value: str, sources: Sequence[str], held: set[str]) -> str | None:
    """The one name of `sources` whose opening words `value` leaves out, where the sources
    write `value` nowhere else. `held`: the call's other values (folded); an opening one of
    them holds is theirs ("Fender" of "Fender Stratocaster" beside `"brand": "Fender"`)."""
    if len(value) < _MIN_LENGTH or not value[:1].isupper():
        return None
    names: set[str] = set()
    pattern = re.compile(r"(?<![\w-])" + re.escape(value) + r"(?![\w-])")
    for source in sources:
        for found in pattern.finditer(source):
            before = source[max(0, found.start() - _LONGEST_NAME) : found.start()]
            opening = _NAME_OPENING.search(before)
            if opening is None:
                return None
            words = opening.group(1).split()
            ahead = before[: opening.start(1)].rstrip()
            if not ahead or ahead[-1] in _SENTENCE_ENDS:
                words = words[1:]  # a sentence's first word is capitalised anyway
            # a stop word opens no name ("Hi, Find Theater events", "The Martin Garrix
            # Experience" holds no artist "The Martin Garrix")
            while words and words[0].casefold() in STOPWORDS:
                words = words[1:]
            folded = [w.casefold() for w in words]
            # an identifier's word labels the value ("the component UUID AB1010CD")
            if not words or any(w.rstrip(".") in ID_WORDS for w in folded):
                return None
            if " ".join(folded) in held or any(w in held for w in folded):
                return None
            names.add(" ".join([*words, value]))
    return next(iter(names)) if len(names) == 1 else None


def whole_identifiers(
    calls: Sequence[ToolCall], sources: Sequence[str], tools: Sequence[Tool] = ()
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value that is the end of one of the user's words as that word, and a
    note per value changed ("fMRI.analyze.data_source: 'data/myfMRI.nii' as
    '~/data/myfMRI.nii', as the user wrote it"). `tools`: with them, a value of a parameter
    with an enum is left alone (the grammar chose an option: "Indian" of "a Spicy Indian
    restaurant")."""
    schemas = tool_schemas(tools)

    def whole(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if isinstance(spec, Mapping) and enum_values(spec):
            return None
        held = {v for n, v in call.arguments.items() if n != name and isinstance(v, str)}
        folded = {v.strip().casefold() for v in held}

        def word_of(element: Any) -> str | None:
            if not isinstance(element, str):
                return None
            word = _whole_word(element, sources) or _whole_name(element, sources, folded)
            return None if word is None or word in held else word

        if isinstance(value, list):
            words = [word_of(element) for element in value]
            if all(w is None for w in words):
                return None
            kept = [v if w is None else w for v, w in zip(value, words, strict=True)]
            return kept, f"{value!r} as {kept!r}, as the user wrote them"
        word = word_of(value)
        return None if word is None else (word, f"{value!r} as {word!r}, as the user wrote it")

    return reshaped_calls(calls, whole)
