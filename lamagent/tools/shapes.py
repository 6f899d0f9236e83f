"""The shape of a string value, as the parameter's description shows it by example.

Tool authors document a value's form in words: "The city and state, e.g. San Francisco, CA",
"in the format of 'City, State (abbr)'", "The U.S. state abbreviation, such as 'CA' for
California", "The name of the city, such as 'New York' or 'London'". A small model under a call
grammar copies the user's words instead: "Boston" where the tool wants "Boston, MA",
"California" for "CA", "Seattle, WA" where it wants "Seattle". With
`GenerationParams(example_shapes=True)` the call grammar gives such a parameter a `pattern`
built from its examples, so the model writes a value of that shape (what goes in each part is
still the model's choice, helped by the copy bias).

A shape is the example's comma-separated parts, each an abbreviation (two or three capitals:
"CA", "NY", "UK"; a placeholder that says "abbr" or "code"), a date or time ('YYYY-MM-DD',
'HH:MM', '2022-12-01': the digits of each field), or a name (anything without a comma).
Examples are read from:

- quoted strings ('San Francisco, CA', "CA"), each one value;
- a placeholder after "in the format (of)": capitalised words separated by commas
  ("City, State", "District, City");
- an unquoted example after "e.g.", "for example", "for instance", "such as": a name followed by
  an abbreviation ("e.g. Boston, MA"), or one short capitalised name that ends the sentence
  ("such as Boston.").

Only descriptions whose every example has such a shape get a pattern: a list of examples
("e.g. Hearts, Spades, Diamonds, Clubs"), a lowercase or formula example ('weather', 'x^3'),
or a description that speaks of lists or separators gives none; so does one whose only shapes
are abbreviations when it does not call the value an abbreviation or a code, or calls it a
name too ("The IATA code or name of the airport, such as 'LAX'"). A default ("Default is
'USA'") is not an example, and a parameter with an enum, a const or a pattern of its own
keeps it. The value must match one of the
shapes (their union), so a description with "'City, State'" and "'City, Country'" allows both.
The pattern is built from fixed pieces only (no text of the description enters it), and a
description that gives more than `MAX_SHAPES` shapes gives none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["example_shapes", "quoted_examples", "shape_pattern", "shaped_tools"]

#: Most shapes one description may give; a description with more (a third party's, built to
#: bloat the grammar) gives none.
MAX_SHAPES = 8
#: One part of a shape, as a regular expression: a name, an abbreviation, or digits.
Part = str
#: A shape: its parts, in order; the value writes them joined by ", ".
Shape = tuple[Part, ...]

_QUOTED = re.compile(r"""(?<![\w])'([^'\n]{1,60})'(?![\w])|"([^"\n]{1,60})\"""")
#: A quoted value that is a default, not an example of the value's shape ("Default is 'USA'").
_DEFAULT = re.compile(r"\bdefaults?\b[^.'\"]{0,12}$", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\bformat(?:ted)?(?: of| as)?:?\s+'?((?:[A-Z][a-z]+(?: \([a-z]+\))?)"
    r"(?:, (?:[A-Z][a-z]+(?: \([a-z]+\))?))+)"
)
_MARKER = r"(?:\be\.g\.|\bfor example|\bfor instance|\bsuch as)[,:]?\s+"
_NAME = r"[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}"
_UNQUOTED_PAIR = re.compile(_MARKER + rf"({_NAME}), ([A-Z]{{2,3}})\b(?!,? ?[A-Z][a-z])")
_UNQUOTED_NAME = re.compile(_MARKER + r"([A-Z][\w'-]*(?: [A-Z][\w'-]*){0,2})(?=\s*(?:[.;)]|$))")
#: Descriptions of values that hold several items, whose examples show one item.
_SEVERAL = re.compile(r"\b(?:list|separated|comma|multiple|several|array)\b", re.IGNORECASE)
_ABBREVIATION = re.compile(r"[A-Z]{2,3}")
_NAME_PART = re.compile(_NAME)
#: A placeholder part that stands for an abbreviation ("State (abbr)", "Country code").
_ABBR_WORDS = re.compile(r"\b(?:abbr|abbreviations?|abbreviated|codes?)\b", re.IGNORECASE)
_NAMED = re.compile(r"\bnames?\b", re.IGNORECASE)
#: A date or time written by its fields ('YYYY-MM-DD', 'HH:MM') or by example ('2022-12-01').
_FIELD = r"(?:Y{2,4}|y{2,4}|M{2}|D{2}|d{2}|H{2}|h{2}|m{2}|S{2}|s{2})"
_FIELDS = re.compile(rf"{_FIELD}(?:[-/:.]{_FIELD}){{1,2}}")
_DIGITS = re.compile(r"\d{1,4}(?:([-/:])\d{1,4})(?:\1\d{1,4})?")
_SEPARATORS = re.compile(r"([-/:.])")
#: A name part: something, without a comma or anything JSON must escape.
_NAME_REGEX = '[^ ,"\\\\\\n\\r\\t][^,"\\\\\\n\\r\\t]*'


def _digits(text: str) -> Part:
    """'YYYY-MM-DD' or '2022-12-01' as the digits each field holds."""
    pieces = [p for p in _SEPARATORS.split(text) if p]
    return "".join(
        (r"\." if p == "." else p) if _SEPARATORS.fullmatch(p) else f"[0-9]{{{len(p)}}}"
        for p in pieces
    )


def _part(text: str) -> Part | None:
    """One comma-separated part of an example as a regular expression, or None (it shows
    no shape lamagent knows)."""
    text = text.strip()
    if _ABBREVIATION.fullmatch(text):
        return f"[A-Z]{{{len(text)}}}"
    if _FIELDS.fullmatch(text) or _DIGITS.fullmatch(text):
        return _digits(text)
    if _NAME_PART.fullmatch(text):
        return _NAME_REGEX
    return None


def _example(text: str) -> Shape | None:
    parts = [_part(p) for p in text.split(", ")]
    if any(p is None for p in parts):
        return None
    return tuple(p for p in parts if p is not None)


def _placeholder(text: str) -> Shape:
    """'City, State (abbr)' as the parts it names."""
    return tuple(
        "[A-Z]{2,3}" if _ABBR_WORDS.search(p) else _part(p) or _NAME_REGEX for p in text.split(", ")
    )


def quoted_examples(description: str) -> list[str]:
    """The quoted strings of `description` that are no default ("Default is 'USA'"), in
    order."""
    return [
        match.group(1) or match.group(2)
        for match in _QUOTED.finditer(description)
        if not _DEFAULT.search(description[: match.start()])
    ]


def example_shapes(description: str) -> list[Shape]:
    """The shapes the examples of `description` give a string value (see the module's
    docstring), in the order they appear; empty when it documents none (or one of its
    examples has no shape: then no shape can be trusted)."""
    if not description or _SEVERAL.search(description):
        return []
    shapes: list[Shape] = []
    placeholders = set()
    for match in _PLACEHOLDER.finditer(description):
        shapes.append(_placeholder(match.group(1)))
        placeholders.add(match.group(1))
    for text in quoted_examples(description):
        if text in placeholders:
            continue
        if _ABBR_WORDS.search(text):  # a placeholder: 'City, State (abbr)', 'Airport Code'
            shapes.append(_placeholder(text))
            continue
        shape = _example(text)
        if shape is None:
            return []
        shapes.append(shape)
    for match in _UNQUOTED_PAIR.finditer(description):
        shapes.append((_NAME_REGEX, f"[A-Z]{{{len(match.group(2))}}}"))
    if not shapes:
        shapes.extend((_NAME_REGEX,) for _ in _UNQUOTED_NAME.finditer(description))
    only_abbreviations = all(len(s) == 1 and s[0].startswith("[A-Z]") for s in shapes)
    # only abbreviations: kept when the description calls the value one, not a name
    if only_abbreviations and (not _ABBR_WORDS.search(description) or _NAMED.search(description)):
        return []
    distinct = list(dict.fromkeys(shapes))
    return distinct if len(distinct) <= MAX_SHAPES else []


def shape_pattern(shapes: Sequence[Shape]) -> str | None:
    """The JSON Schema `pattern` that a value of one of `shapes` matches (None: no shapes)."""
    if not shapes:
        return None
    branches = [", ".join(shape) for shape in shapes]
    return "^(" + "|".join(branches) + ")$" if len(branches) > 1 else f"^{branches[0]}$"


def _shaped_spec(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    if spec.get("type") != "string" or "enum" in spec or "pattern" in spec or "const" in spec:
        return None
    pattern = shape_pattern(example_shapes(str(spec.get("description") or "")))
    if pattern is None:
        return None
    return {**spec, "pattern": pattern}


def shaped_tools(tools: Sequence[Tool]) -> list[Tool]:
    """`tools`, each string parameter whose description shows its shape by example given the
    `pattern` of that shape (top-level parameters; a tool with none is returned as it is)."""
    from lamagent.tools import Tool as ToolClass

    shaped: list[Tool] = []
    for tool in tools:
        properties = tool.parameters.get("properties")
        if not isinstance(properties, Mapping):
            shaped.append(tool)
            continue
        changed = {
            name: new
            for name, spec in properties.items()
            if isinstance(spec, Mapping) and (new := _shaped_spec(spec)) is not None
        }
        if not changed:
            shaped.append(tool)
            continue
        parameters = {**tool.parameters, "properties": {**properties, **changed}}
        shaped.append(ToolClass(tool.name, tool.description, parameters))
    return shaped
