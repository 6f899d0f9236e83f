"""Records as text a file can hold, whatever a model or a tool wrote into them.

Model output and tool results may hold lone UTF-16 surrogates (`"\\ud800"` is valid JSON) or be
nested hundreds of levels deep, which pydantic's JSON encoder refuses. `record_json` then falls
back to the standard library: lone surrogates are written as JSON escapes (lossless, plain
ASCII), and only values nested deeper than `MAX_DEPTH` are replaced, with a note in the record
saying what was replaced. `safe_text` makes a string storable in a SQLite text column.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

MAX_DEPTH = 400
"""Values nested deeper than this (below the record's own structure) are replaced by a marker.

Well inside Python's default recursion limit, so a record written here is also read back by the
standard `json` module from any reasonable call depth.
"""

_DEEP = "[value nested deeper than {depth} levels: not recorded]"


def safe_text(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD (an index or id column cannot hold them)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def record_json(
    model: BaseModel, *, exclude: set[str] | None = None, notes_field: str = "notes"
) -> str:
    """The JSON text of `model`, storable as UTF-8 text, even for hostile content.

    The fast path is pydantic's encoder. When it fails (lone surrogates, deep nesting) the
    model's Python form is written by the standard library; values nested deeper than
    `MAX_DEPTH` are replaced and a note is appended to the record's `notes_field` list.
    """
    try:
        return model.model_dump_json(exclude=exclude)
    except (ValueError, RecursionError):  # PydanticSerializationError is a ValueError
        pass
    data = model.model_dump(mode="python", exclude=exclude)
    replaced: list[str] = []
    data = _bounded(data, replaced)
    if replaced:
        notes = data.get(notes_field) if isinstance(data, dict) else None
        if isinstance(notes, list):
            shown = ", ".join(replaced[:5]) + (", ..." if len(replaced) > 5 else "")
            notes.append(
                f"{len(replaced)} value(s) nested deeper than {MAX_DEPTH} levels were replaced "
                f"when the record was stored: {shown}"
            )
    return json.dumps(data, ensure_ascii=True, default=str)


def _bounded(value: Any, replaced: list[str]) -> Any:
    """A copy of `value` with containers deeper than MAX_DEPTH replaced (iterative: any depth)."""
    root: list[Any] = [None]
    # (source value, target container, key in target, depth, path)
    stack: list[tuple[Any, Any, Any, int, str]] = [(value, root, 0, 0, "$")]
    while stack:
        item, target, key, depth, path = stack.pop()
        if isinstance(item, (dict, list, tuple)) and depth >= MAX_DEPTH:
            target[key] = _DEEP.format(depth=MAX_DEPTH)
            replaced.append(path)
        elif isinstance(item, dict):
            copy: dict[str, Any] = {}
            target[key] = copy
            for k, v in item.items():
                name = k if isinstance(k, str) else str(k)
                copy[name] = None
                stack.append((v, copy, name, depth + 1, f"{path}.{name}"))
        elif isinstance(item, (list, tuple)):
            out: list[Any] = [None] * len(item)
            target[key] = out
            for i, v in enumerate(item):
                stack.append((v, out, i, depth + 1, f"{path}[{i}]"))
        else:
            target[key] = item
    return root[0]


__all__ = ["MAX_DEPTH", "record_json", "safe_text"]
