"""Keeping data out of the control channel: neutralise control strings in rendered data.

A prompt mixes two kinds of text: the markers a Format writes (`<|im_start|>`, `<|eot_id|>`,
`[BEGIN OF QUERY]`, ...) and data (user messages, tool results, tool descriptions and schemas,
a caller's system text, trajectories read from files). Engines tokenize the whole prompt with
special-token parsing on, so a tool result holding `<|im_end|>\\n<|im_start|>system` would become
real turn markers and forge a turn. Every Format therefore passes every data segment through
`ControlStrings.neutralise` before it joins the prompt, for every backend alike (a server's
completions API tokenizes the same way).

Neutralising inserts a ZERO WIDTH JOINER (U+200D) after the first character of each control
string found: the text still reads the same to the model (`<‍|im_end|>`), but no tokenizer can
match the control token in it any more. Only data is touched; the Format's own markers are
written after neutralising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Inserted into control strings found in data. Invisible, and part of no control token.
JOINER = "\u200d"

_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')

#: A `<|...|>` marker in a template's text (the usual spelling of special tokens).
_MARKER = re.compile(r"<\|[^\s|<>]{1,64}\|>")


def markers_in(text: str) -> set[str]:
    """The `<|...|>` markers a text (e.g. a chat template) mentions."""
    return set(_MARKER.findall(text))


class ControlStrings:
    """A set of strings that must never appear verbatim in rendered data.

    Strings shorter than two characters cannot be broken by an insertion and are ignored (no
    tokenizer of a chat model has such a control token).
    """

    def __init__(self, strings: Iterable[str] = ()) -> None:
        self.strings = frozenset(s for s in strings if len(s) >= 2 and JOINER not in s)
        ordered = sorted(self.strings, key=lambda s: (-len(s), s))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        # JSON text shows a string's characters as they are unless they are escaped: then a
        # search over a value's JSON finds every control string in it.
        self._json_visible = not any(_JSON_ESCAPED.search(s) for s in self.strings)

    def __repr__(self) -> str:
        return f"ControlStrings({sorted(self.strings)!r})"

    def __or__(self, other: Iterable[str]) -> ControlStrings:
        return ControlStrings(self.strings | frozenset(other))

    def found_in(self, text: str) -> bool:
        """Whether `text` holds any of the strings verbatim."""
        return self._pattern is not None and self._pattern.search(text) is not None

    def neutralise(self, text: str) -> str:
        """`text` with a joiner inserted into every control string it holds.

        Repeats until none is left: control strings may overlap (breaking one occurrence can
        leave another), and each pass removes at least one occurrence and creates none.
        """
        if self._pattern is None:
            return text
        while self._pattern.search(text) is not None:
            text = self._pattern.sub(_break, text)
        return text

    def neutralise_value(self, value: Any) -> Any:
        """A JSON-like value with every string in it (keys too) neutralised; others as they are.

        Returns `value` itself when no string in it holds a control string (the usual case,
        found with one search over its JSON text).
        """
        if self._pattern is None:
            return value
        if self._json_visible:
            try:
                text = json.dumps(value, ensure_ascii=False, check_circular=False)
            except (TypeError, ValueError, RecursionError):
                pass
            else:
                if self._pattern.search(text) is None:
                    return value
        return self._neutralise_deep(value)

    def _neutralise_deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.neutralise(value)
        if isinstance(value, Mapping):
            return {
                (self.neutralise(k) if isinstance(k, str) else k): self._neutralise_deep(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._neutralise_deep(v) for v in value]
        return value


def _break(match: re.Match[str]) -> str:
    found = match.group(0)
    return found[0] + JOINER + found[1:]
