"""Pieces of the "text that does not start like a call" rule, shared by GBNF and xgrammar.

Both grammar languages spell a character class the same way (`[^...]`), so the characters a
text answer may not begin with, and their escaping, are decided once here.
"""

from __future__ import annotations

from collections.abc import Sequence

_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape_class_char(ch: str) -> str:
    """One character as written inside a grammar character class."""
    if ch in "\\]^-[":
        return "\\" + ch
    return _ESCAPES.get(ch, ch)


def call_openers(call_prefixes: Sequence[str]) -> list[str]:
    """The first characters of the call prefixes: a text answer may begin with none of them.

    A character class can only exclude characters, so a multi-character prefix excludes its
    first character: conservative (text may not start with it at all), never letting a call
    slip through as text.
    """
    return sorted({p.lstrip()[0] for p in call_prefixes if p.strip()})
