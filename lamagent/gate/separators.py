"""A value that opens with the separator written before it in the user's list.

Asked for "case law details of Case No 28473 and 64725", "docket number 123456", a small model
under a call grammar sometimes opens a string value with the separator of a list it is reading
(", 64725", ",123456", `[", "]`): it skipped the list's first item, or began to write the
separator between two values from inside one. The separator is nobody's value; what follows it
is what the model meant to copy.

`separator_starts(calls, sources)`: a string argument (or a string element of a list argument)
that opens with a comma or a semicolon and holds a letter or a digit after it becomes what
follows it, trimmed of spaces (", 64725" becomes "64725", which the user's list then gives a
call of its own: `lamagent.gate.listed`). A separator on its own (a `delimiter` of ", ") stays,
and so does a value the sources quote with its separator (the user asked for ",a,b"). Nothing
is generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lamagent.gate.reshape import reshaped_calls
from lamagent.messages import ToolCall

__all__ = ["separator_starts"]

#: A comma or a semicolon first, then the value (a letter or a digit in it).
_OPENED = re.compile(r"\s*[,;]\s*(?=\S)(.*?\w.*?)\s*", re.DOTALL)
_QUOTES = "'\"`“‘"


def _quoted(value: str, sources: Sequence[str]) -> bool:
    """Whether a source quotes `value` as written, from its opening separator on."""
    text = value.strip()
    return any(quote + text in source for source in sources for quote in _QUOTES)


def _unopened(value: Any, sources: Sequence[str]) -> str | None:
    if not isinstance(value, str):
        return None
    opened = _OPENED.fullmatch(value)
    if opened is None or _quoted(value, sources):
        return None
    return opened.group(1)


def separator_starts(
    calls: Sequence[ToolCall], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value that opens with a separator as what follows it, and a note
    per value changed ("law_case.get_details.case_number: ', 64725' as '64725'")."""

    def unopen(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        del call, name
        if isinstance(value, list):
            elements = [_unopened(element, sources) for element in value]
            if not any(e is not None for e in elements):
                return None
            kept = [v if e is None else e for v, e in zip(value, elements, strict=True)]
            return kept, f"{value!r} as {kept!r}"
        rest = _unopened(value, sources)
        return None if rest is None else (rest, f"{value!r} as {rest!r}")

    return reshaped_calls(calls, unopen)
