"""Function docs as BFCL shows them to a model: with its language hints.

BFCL's generation step (`load_dataset_entry`, on by default for every category) appends a
sentence to each function's description ("Note that the provided function is in Python 3
syntax.", "... Java 8 SDK syntax.", "... JavaScript syntax."), and for Java and JavaScript it
turns every parameter into a string ("This is Java boolean type parameter in string
representation."), since those categories expect arguments written as source code. Its checker
reads the docs without these changes. lamagent does the same: models see `bfcl_prompt_docs`,
the checker the docs as stored, so scores are comparable with BFCL's own runs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from lamagent.eval.checker import language_of

__all__ = ["bfcl_prompt_docs", "language_hint"]

_HINTS = {
    "java": " Note that the provided function is in Java 8 SDK syntax.",
    "javascript": " Note that the provided function is in JavaScript syntax.",
    "python": " Note that the provided function is in Python 3 syntax.",
}
_NAMES = {"java": "Java", "javascript": "JavaScript"}


def language_hint(category: str) -> str:
    """The sentence BFCL appends to every function description of `category`."""
    return _HINTS[language_of(category)]


def _as_string(name: str, parameter: dict[str, Any], language: str) -> None:
    """One Java or JavaScript parameter, described and typed as a string (in place)."""
    kind = parameter.get("type")
    lang = _NAMES[language]
    description = str(parameter.get("description", ""))
    if kind == "any":
        description += (
            f" This parameter can be of any type of {lang} object in string representation."
        )
    else:
        description += f" This is {lang} {kind} type parameter in string representation."
    list_types = ("ArrayList", "Array") if language == "java" else ("array",)
    if kind in list_types:
        items = parameter.pop("items", None)
        item_type = items.get("type") if isinstance(items, Mapping) else None
        description += (
            f" The list elements are of type {item_type}; they are not in string representation."
        )
    if language == "javascript" and kind == "dict" and "properties" in parameter:
        entries = json.dumps(parameter.pop("properties"))
        description += (
            " The dictionary entries have the following schema; they are not in string "
            f"representation. {entries}"
        )
    parameter["description"] = description
    parameter["type"] = "string"


def bfcl_prompt_docs(functions: Sequence[Mapping[str, Any]], category: str) -> list[dict[str, Any]]:
    """Copies of `functions` with BFCL's language hints for `category` (the originals are
    not changed)."""
    docs = [copy.deepcopy(dict(f)) for f in functions]
    language = language_of(category)
    for doc in docs:
        doc["description"] = str(doc.get("description", "")) + _HINTS[language]
        if language == "python":
            continue
        parameters = doc.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        for name, parameter in (properties or {}).items():
            if isinstance(parameter, dict):
                _as_string(name, parameter, language)
    return docs
