"""A placeholder written where a value goes: the parameter's name, its type, a template.

With nothing of the user's to put in an optional argument, a small model under a call grammar
still writes one, and what it writes names the slot instead of filling it:
`"method_used": "method_used"`, `"slope_type": "slope_type_1"`, `"type": "string"`,
`"building_id": "{{building_id}}"`. A tool would run with those as if the user had said them;
left out, the argument takes the tool's default.

`placeholder_values(calls, tools, sources)` leaves out every optional argument (not in the
tool's `required`) whose value is a string that

- spells the parameter's name, digits aside ("slope_type_1"), or is a word-joined identifier
  whose words include the name's in a row ("diet_type" for `diet`); or
- is a JSON Schema type name ("string", "array", "object", ...) for a parameter without an
  enum; or
- is a template: "{{name}}", "{name}", "<name>", "${name}";

and that neither the user's messages nor the tools' results (`sources`) write as it is (case
aside): a value the conversation wrote is data, whatever it looks like ("the method used"
does not write "method_used"). So does an optional argument whose value is, or whose list's
items all are, words joined by "_" none of which the conversation writes: a slot's name the
model made up rather than a value ("dairy_protein" for `ingredients`, asked for "gluten-free
recipes for dinner"), and one whose value is a name nobody wrote: every word capitalised
(function words aside) and none of them the conversation's, "July" for the `month` of "the
upcoming month", "London" for the venue of a team's games nobody placed. A code in capitals
stays ("CA" for "California" is the user's place in another form), and so does a name with a
word of the conversation's ("Paris, France"). Required arguments stay (there is no other value
to put there). Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, without_optional
from lamagent.gate.signals import STOPWORDS, holds_in_a_row, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["is_placeholder", "placeholder_values"]

#: The type names of JSON Schema (and BFCL's Python ones) that a value may echo.
_TYPE_NAMES = frozenset(
    [
        "string",
        "str",
        "array",
        "list",
        "object",
        "dict",
        "integer",
        "int",
        "number",
        "float",
        "boolean",
        "bool",
        "tuple",
    ]
)
_TEMPLATE = re.compile(r"\{+\s*[\w.-]*\s*\}+|<\s*[\w.-]+\s*>|\$\{?[\w.-]+\}?")
#: A word-joined identifier: words and digits joined by "_" or "-", or camelCase.
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")


def is_placeholder(value: str, parameter: str, spec: Mapping[str, Any]) -> bool:
    """Whether the string `value` of `parameter` names its slot rather than filling it (see
    the module's docstring; the sources are not read here)."""
    text = value.strip()
    if not text:
        return False
    if _TEMPLATE.fullmatch(text):
        return True
    if "enum" not in spec and text.lower() in _TYPE_NAMES:
        return True
    name = [w for w in words(parameter) if not w.isdigit()]
    if not name or not _IDENTIFIER.fullmatch(text):
        return False
    written = [w for w in words(text) if not w.isdigit()]
    return written == name or holds_in_a_row(written, name)


def _made_up_identifier(value: Any, said: set[str]) -> bool:
    """Whether `value` is words joined by "_", none of which is in `said` (the conversation's
    words)."""
    if not isinstance(value, str) or "_" not in value or not _IDENTIFIER.fullmatch(value):
        return False
    parts = [w for w in words(value) if not w.isdigit()]
    return len(parts) >= 2 and not any(w in said for w in parts)


def _unwritten_name(value: Any, said: set[str]) -> bool:
    """Whether `value` is a name (each word capitalised, function words aside; no code in
    capitals) none of whose words is in `said` (the conversation's words)."""
    if not isinstance(value, str):
        return False
    # in lower case, as the conversation's words are read: "PlayStation" is one word
    own = [w for w in words(value.lower()) if w not in STOPWORDS]
    named = [t for t in value.split() if t.lower() not in STOPWORDS]
    capitalised = all(t[:1].isupper() and not t.isupper() for t in named)
    return bool(own) and capitalised and not any(w in said for w in own)


def placeholder_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` without their optional arguments whose values are placeholders, and a note per
    argument left out ("tool.argument: 'argument' names the parameter, left out")."""
    context = " ".join(sources).lower()
    said = set(words(context))

    def placeholder(call: ToolCall, name: str, value: Any, spec: Mapping[str, Any]) -> str | None:
        items = value if isinstance(value, list) and value else [value]
        if all(_made_up_identifier(item, said) for item in items):
            return f"{value!r} is a name nobody wrote"
        if open_string(spec) and _unwritten_name(value, said):
            return f"{value!r} is a name nobody wrote"
        if not isinstance(value, str) or value.strip().lower() in context:
            return None  # the conversation wrote it: data
        return f"{value!r} names the parameter" if is_placeholder(value, name, spec) else None

    return without_optional(calls, tools, placeholder)
