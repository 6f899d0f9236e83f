"""The names and quoted strings a user's text writes: the values a piece of a request gives.

`written_names(text)`: each name (capitalised words: "Tech Innovators", "New York City") and
each quoted string ('minor', "FIFA 21") of `text`, once, in order, not

- the word that opens a sentence ("Finally", "Can"): capitalised as every sentence is;
- the user's "I" ("I'd", "I'm");
- a date ("January 18", "Friday") or a number ("'180'");
- of stop words and asking verbs only, or shorter than three characters.

`asked_values` reads which ask a name belongs to with it, `named_asks` whether a piece of a
request gives a value of its own.
"""

from __future__ import annotations

import re

from lamagent.gate.dates import DAY_NAMES, MONTH_NAMES
from lamagent.gate.items import NAME, QUOTED, ItemKind, item_text, number_value
from lamagent.gate.joined import ASK_VERBS
from lamagent.gate.signals import STOPWORDS, words

__all__ = ["written_names"]

#: A name the user wrote, or a quoted string.
_NAMED = re.compile(rf"(?P<quoted>{QUOTED})|(?P<name>{NAME})")
#: The shortest name that counts (as `sentences.string_values` reads string values).
_MIN_CHARS = 3
#: A sentence's (or the text's) opening word: capitalised as every sentence is, not a name.
_OPENING = re.compile(r"(?:^|[.!?]\s+)[\"'(]?$")
#: How far before a name its sentence's end is looked for (". ", with spaces to spare): a
#: bounded look, not the whole text before each name.
_REACH = 64
#: "I", "I'd", "I'm": the user, capitalised as always, not a name.
_I = re.compile(r"I(?:'[a-z]+)?(?:\s|$)")


def written_names(text: str) -> list[str]:
    """The names and quoted strings `text` writes (see the module's docstring)."""
    found: list[str] = []
    for match in _NAMED.finditer(text):
        kind: ItemKind = "quoted" if match.lastgroup == "quoted" else "name"
        written = match.group()
        at = match.start()
        opening = _OPENING.search(text, max(0, at - _REACH), at) is not None
        if kind == "name" and (opening or _I.match(written)):
            written = written.partition(" ")[2]
        name = item_text(kind, written) if written else ""
        said = [w for w in words(name) if w not in STOPWORDS and w not in ASK_VERBS]
        dated = bool(said) and (said[0] in MONTH_NAMES or said[0] in DAY_NAMES)  # "Friday"
        number = number_value(name) is not None  # "'180'": a number, quoted
        if len(name) >= _MIN_CHARS and said and not (dated or number) and name not in found:
            found.append(name)
    return found
