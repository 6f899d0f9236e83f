"""A value that opens with the separator written before it in the user's list, or closes
with the one after it.

Asked for "case law details of Case No 28473 and 64725", "docket number 123456", a small model
under a call grammar sometimes opens a string value with the separator of a list it is reading
(", 64725", ",123456", `[", "]`): it skipped the list's first item, or began to write the
separator between two values from inside one. It also closes a value with the comma that
follows it in the user's words ("km, " for "Convert 10 miles to km, please"). The separator
is nobody's value; what it opens or closes is what the model meant to copy.

`trimmed_separators(calls, sources)`: a string argument (or a string element of a list
argument) that opens with a comma or a semicolon, or closes with a comma, and holds a letter or
a digit besides becomes what stands between, trimmed of spaces (", 64725" becomes "64725",
which the user's list then gives a call of its own: `lamagent.gate.listed`; "km, " becomes
"km"). A separator on its own (a `delimiter` of ", ") stays, and so does a value the sources
quote with its separator (the user asked for ",a,b" or "a,"). A closing semicolon stays: code
ends its statements with one ("x = 5;"). Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from lamagent.gate.reshape import reshaped_calls
from lamagent.messages import ToolCall

__all__ = ["trimmed_separators"]

#: A comma or a semicolon first, or a comma last, and the value between (a letter or a digit
#: in it).
_OPENED = re.compile(
    r"\s*(?P<open>[,;]\s*)?(?=\S)(?P<value>.*?\w.*?)\s*(?P<close>,\s*)?", re.DOTALL
)
_QUOTES = "'\"`“‘"
_CLOSING = "'\"`”’"


def _quoted(value: str, opened: bool, closed: bool, sources: Sequence[str]) -> bool:
    """Whether a source quotes `value` as written, with the separator it opens or closes
    with."""
    text = value.strip()
    return any(
        (opened and quote + text in source) or (closed and text + end in source)
        for source in sources
        for quote, end in zip(_QUOTES, _CLOSING, strict=True)
    )


def _trimmed(value: Any, sources: Sequence[str]) -> str | None:
    if not isinstance(value, str):
        return None
    found = _OPENED.fullmatch(value)
    if found is None:
        return None
    opened, closed = found.group("open") is not None, found.group("close") is not None
    if not (opened or closed) or _quoted(value, opened, closed, sources):
        return None
    return found.group("value")


def trimmed_separators(
    calls: Sequence[ToolCall], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value that opens or closes with a separator as what stands between,
    and a note per value changed ("law_case.get_details.case_number: ', 64725' as
    '64725'")."""

    def trim(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        del call, name
        if isinstance(value, list):
            elements = [_trimmed(element, sources) for element in value]
            if not any(e is not None for e in elements):
                return None
            kept = [v if e is None else e for v, e in zip(value, elements, strict=True)]
            return kept, f"{value!r} as {kept!r}"
        rest = _trimmed(value, sources)
        return None if rest is None else (rest, f"{value!r} as {rest!r}")

    return reshaped_calls(calls, trim)
