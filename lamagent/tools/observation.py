"""What the model reads of a tool's result or failure: JSON-able, bounded, and never raising.

A tool may return anything (a cyclic list, `10**5000`, an object whose `__str__` raises, a
million items) or raise an exception whose message is a megabyte or cannot be printed at all.
Every function here turns such values into a bounded observation instead of failing, so a bad
return value is the tool's problem, reported to the model, never the run's.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

#: Nesting kept in a result; deeper values are replaced with a note (storable, readable JSON).
MAX_DEPTH = 64
#: Integers with more digits become a note (their decimal text is too slow to compute).
MAX_INT_DIGITS = 4000
_CYCLE = "<cycle: this value contains itself>"


def safe_text(value: Any) -> str:
    """`str(value)`, else `repr(value)`, else a note naming the type; never raises."""
    for convert in (str, repr):
        try:
            text = convert(value)
            if isinstance(text, str):
                return str.__str__(text)
        except Exception:
            continue
    return f"<unprintable {_type_name(value)} object>"


def _type_name(value: Any) -> str:
    try:
        return str.__str__(type(value).__name__)
    except Exception:
        return "object"


def describe_exception(exc: BaseException) -> str:
    """`"TypeName: message"` for an exception, even one whose `__str__` raises."""
    name = _type_name(exc)
    try:
        text = str(exc)
        message = str.__str__(text) if isinstance(text, str) else safe_text(text)
    except Exception:
        message = "<message could not be printed>"
    return f"{name}: {message}" if message else name


def _int(value: int) -> int | str:
    number = int.__int__(value)
    if number.bit_length() > MAX_INT_DIGITS * 3.32:
        digits = int(math.log10(abs(number))) + 1
        return f"<integer with {digits} digits>"
    return number


class _Converter:
    """One conversion: tracks the containers on the current path and a node budget."""

    def __init__(self, max_nodes: int | None) -> None:
        self.budget = max_nodes
        self.active: set[int] = set()

    def convert(self, value: Any, depth: int) -> Any:
        if self.budget is not None:
            if self.budget <= 0:
                return "..."
            self.budget -= 1
        try:
            return self._convert(value, depth)
        except Exception as exc:  # a hostile container or accessor: describe, go on
            return f"<unconvertible {_type_name(value)}: {describe_exception(exc)}>"

    def _convert(self, value: Any, depth: int) -> Any:
        if value is None or value is True or value is False:
            return value
        if isinstance(value, str):
            return str.__str__(value)
        if isinstance(value, int):
            return _int(value)
        if isinstance(value, float):
            number = float.__float__(value)
            return number if math.isfinite(number) else str(number)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"<{len(value)} bytes of binary data>"
        if isinstance(value, Enum):
            return self.convert(value.value, depth + 1)
        if isinstance(value, PurePath):
            return safe_text(value)
        if isinstance(value, (Mapping, list, tuple, set, frozenset)):
            return self._container(value, depth)
        model_dump = getattr(value, "model_dump", None)
        if callable(model_dump) and not isinstance(value, type):
            if depth >= MAX_DEPTH:
                return f"<nested deeper than {MAX_DEPTH} levels>"
            return self.convert(model_dump(mode="json"), depth + 1)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return self._container(fields, depth)
        return safe_text(value)

    def _container(self, value: Any, depth: int) -> Any:
        if depth >= MAX_DEPTH:
            return f"<nested deeper than {MAX_DEPTH} levels>"
        key = id(value)
        if key in self.active:
            return _CYCLE
        self.active.add(key)
        try:
            if isinstance(value, Mapping):
                out: dict[str, Any] = {}
                for k, v in value.items():
                    if self.budget is not None and self.budget <= 0:
                        out["..."] = "..."
                        break
                    out[k if type(k) is str else safe_text(k)] = self.convert(v, depth + 1)
                return out
            items = []
            for v in value:
                if self.budget is not None and self.budget <= 0:
                    items.append("...")
                    break
                items.append(self.convert(v, depth + 1))
            if isinstance(value, (set, frozenset)):
                try:
                    return sorted(items)
                except TypeError:
                    return items
            return items
        finally:
            self.active.discard(key)


def to_jsonable(value: Any, *, max_nodes: int | None = None) -> Any:
    """A JSON-able form of a tool result; never raises.

    Pydantic models are dumped, dataclasses become dicts, sets and tuples become lists, bytes
    become a short note (raw bytes mean nothing to a language model), enums their value,
    paths strings, and anything else its `str()`. Cycles, nesting deeper than `MAX_DEPTH`,
    huge integers and values that fail to convert become notes; with `max_nodes`, values past
    that many are elided as `"..."` (the output cap would cut them anyway).
    """
    return _Converter(max_nodes).convert(value, 0)


def cap_output(value: Any, max_chars: int) -> Any:
    """`value` unchanged when its JSON text fits `max_chars`, else its text cut with a note."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False)
        except Exception:
            text = safe_text(value)
    if len(text) <= max_chars:
        return value
    return text[:max_chars] + f"\n[output truncated: showing {max_chars} of {len(text)} characters]"


def observe(value: Any, max_chars: int) -> Any:
    """The observation for a tool's return value: JSON-able and capped."""
    return cap_output(to_jsonable(value, max_nodes=max_chars + 1), max_chars)


def observe_error(exc: BaseException, max_chars: int) -> str:
    """The observation text for a tool's exception, capped like a result."""
    text = cap_output(describe_exception(exc), max_chars)
    return text if isinstance(text, str) else safe_text(text)
