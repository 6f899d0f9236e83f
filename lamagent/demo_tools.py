"""A small set of real tools for `lamagent run` and `lamagent chat`, and examples of writing tools.

- `calculate`: arithmetic, parsed with `ast` and evaluated by walking only number and operator
  nodes (never `eval`), with bounds on size so no expression can hang the process;
- `convert_units`: length, mass, volume, time, speed and temperature;
- `local_time`: the current time in an IANA time zone (`zoneinfo`);
- `search_files`: a bounded name and content search inside one folder the user chose
  (`file_search_tool(folder)`); the model cannot reach outside it, and a search stops after a
  number of directory entries, bytes and seconds (no glob can make it scan without end).
"""

from __future__ import annotations

import ast
import datetime as _dt
import fnmatch
import math
import operator
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lamagent.tools import Tool, tool
from lamagent.units import SIZES, TEMPERATURES, unit_key

# -- calculate ---------------------------------------------------------------------------------

_MAX_EXPRESSION = 300
_MAX_EXPONENT = 1000
_MAX_MAGNITUDE = 1e300
_MAX_DEPTH = 100

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _arith(node: ast.AST) -> int | float:
    """Evaluate an arithmetic syntax tree; anything but numbers and operators is refused."""
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return _check(node.value)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _check(_UNARY[type(node.op)](_arith(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Pow) and (
            abs(right) > _MAX_EXPONENT
            or (abs(left) > 1 and abs(right) * math.log10(abs(left)) > 300)
        ):
            raise ValueError("the power is too large to compute")
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)) and right == 0:
            raise ValueError("division by zero")
        try:
            return _check(_BINARY[type(node.op)](left, right))
        except OverflowError:
            raise ValueError("the result is too large") from None
        except ArithmeticError as exc:  # 0 ** -1
            raise ValueError(f"cannot compute this: {exc}") from None
    raise ValueError(
        f"unsupported element {type(node).__name__}: use numbers, + - * / // % ** and parentheses"
    )


def _check(value: Any) -> int | float:
    """A finite real number of bounded size, else a ValueError the model can read."""
    if isinstance(value, complex):
        raise ValueError("the result is a complex number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("the result is not a finite number (too large, or undefined)")
    if abs(value) > _MAX_MAGNITUDE:
        raise ValueError("the result is too large")
    return value  # type: ignore[no-any-return]


def _depth(tree: ast.AST) -> int:
    """Nesting depth of a syntax tree, measured without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


@tool
def calculate(expression: str) -> int | float:
    """Evaluate an arithmetic expression, e.g. "(2 + 3) * 4.5" or "2 ** 10 % 7".

    Args:
        expression: numbers with + - * / // % ** and parentheses.
    """
    text = expression.strip().replace("^", "**").replace("×", "*").replace("÷", "/")
    if len(text) > _MAX_EXPRESSION:
        raise ValueError(f"the expression is longer than {_MAX_EXPRESSION} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"not an arithmetic expression: {expression!r}") from exc
    if _depth(tree) > _MAX_DEPTH:
        raise ValueError(f"the expression is nested more than {_MAX_DEPTH} levels deep")
    result = _arith(tree)
    if isinstance(result, float) and result.is_integer() and abs(result) < 1e15:
        return int(result)
    return result


# -- convert_units -----------------------------------------------------------------------------


def _unit(name: str) -> str:
    key = unit_key(name)
    if key is None:
        known = ", ".join(sorted([*SIZES, *TEMPERATURES]))
        raise ValueError(f"unknown unit {name!r}; known units: {known}")
    return key


def _to_kelvin(value: float, unit: str) -> float:
    return {"c": value + 273.15, "f": (value - 32) * 5 / 9 + 273.15, "k": value}[unit]


def _from_kelvin(value: float, unit: str) -> float:
    return {"c": value - 273.15, "f": (value - 273.15) * 9 / 5 + 32, "k": value}[unit]


# The result reads as the conversion it made ("3 kg = 6.613868 pounds"), in the units as they
# were given: a small model answering from it copies the quantities with their units; and the
# description names the units in the words users write (docs/tools.md, "Results a small model
# can answer from").
@tool
def convert_units(value: float, from_unit: str, to_unit: str) -> str:
    """Convert a quantity from one unit to another: length (meters, kilometers, centimeters,
    millimeters, miles, yards, feet, inches), mass (kilograms, grams, milligrams, tonnes,
    pounds, ounces), volume (liters, milliliters, gallons, quarts, cups), time (seconds,
    minutes, hours, days, weeks), speed (km/h, mph, m/s, knots) or temperature (celsius,
    fahrenheit, kelvin).

    Returns the conversion as it reads, in the units given, e.g. "3 kg = 6.613868 pounds".

    Args:
        value: the quantity to convert.
        from_unit: its unit, e.g. "km", "pounds", "celsius", "mph".
        to_unit: the unit wanted, of the same kind.
    """
    src, dst = _unit(from_unit), _unit(to_unit)
    if src in TEMPERATURES or dst in TEMPERATURES:
        if not (src in TEMPERATURES and dst in TEMPERATURES):
            raise ValueError(f"cannot convert {from_unit} to {to_unit}: different kinds")
        result = _from_kelvin(_to_kelvin(value, src), dst)
    else:
        (kind_a, fa), (kind_b, fb) = SIZES[src], SIZES[dst]
        if kind_a != kind_b:
            raise ValueError(f"cannot convert {kind_a} ({from_unit}) to {kind_b} ({to_unit})")
        result = value * fa / fb
    return f"{_quantity(value)} {from_unit.strip()} = {_quantity(result)} {to_unit.strip()}"


def _quantity(number: float) -> str:
    """A number as people write it: at most six decimals, no trailing zeros ("3", "6.613868")."""
    text = f"{round(number, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# -- local_time --------------------------------------------------------------------------------


@tool
def local_time(timezone: str) -> str:
    """The current local date and time in a time zone.

    Args:
        timezone: an IANA time zone name, e.g. "Europe/London" or "America/New_York".
    """
    try:
        zone = ZoneInfo(timezone.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {timezone!r}: use an IANA name such as 'Europe/Paris'"
        ) from exc
    now = _dt.datetime.now(zone)
    return now.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z), %A")


# -- search_files ------------------------------------------------------------------------------

_MAX_ENTRIES_SCANNED = 20_000
_MAX_BYTES_READ = 1 << 20
_MAX_TOTAL_BYTES = 32 << 20
_SEARCH_SECONDS = 5.0
_MAX_PATTERN = 200


class _Budget:
    """What one search may scan: directory entries, bytes read and seconds."""

    def __init__(self, max_entries: int, seconds: float) -> None:
        self.max_entries = max_entries
        self.entries = 0
        self.bytes_left = _MAX_TOTAL_BYTES
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.stopped: str | None = None

    def spend_entry(self) -> bool:
        """Count one directory entry; False (and why, in `stopped`) once the budget is spent."""
        if self.entries >= self.max_entries:
            self.stopped = f"scanned the limit of {self.max_entries} entries"
        elif time.monotonic() > self.deadline:
            self.stopped = f"ran out of its {self.seconds:g} s time budget"
        else:
            self.entries += 1
            return True
        return False


def _segments(pattern: str) -> list[str]:
    """The glob's path segments, with runs of `**` collapsed (they match the same paths)."""
    parts: list[str] = []
    for part in pattern.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "**" and parts and parts[-1] == "**":
            continue
        parts.append(part)
    return parts or ["*"]


def _matches(path: list[str], pattern: list[str]) -> bool:
    """Glob match of path segments: `**` is any number of segments, others are fnmatch."""

    def closure(states: set[int]) -> set[int]:
        out = set(states)
        for i in sorted(states):
            while i < len(pattern) and pattern[i] == "**":
                i += 1
                out.add(i)
        return out

    states = closure({0})
    for part in path:
        following: set[int] = set()
        for i in states:
            if i < len(pattern):
                if pattern[i] == "**":
                    following.add(i)
                elif fnmatch.fnmatchcase(part, pattern[i]):
                    following.add(i + 1)
        states = closure(following)
        if not states:
            return False
    return len(pattern) in states


def _walk(root: Path, max_depth: int | None, budget: _Budget) -> Iterator[tuple[list[str], Path]]:
    """Files under `root` (as path segments), in name order, without following linked folders."""
    stack: list[tuple[list[str], str]] = [([], str(root))]
    while stack:
        parts, folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError:
            continue
        folders: list[tuple[list[str], str]] = []
        for entry in entries:
            if not budget.spend_entry():
                return
            rel = [*parts, entry.name]
            try:
                if entry.is_dir(follow_symlinks=False):
                    if max_depth is None or len(rel) < max_depth:
                        folders.append((rel, entry.path))
                    continue
            except OSError:
                continue
            yield rel, Path(entry.path)
        stack.extend(reversed(folders))


def file_search_tool(
    folder: str | os.PathLike[str],
    *,
    max_results: int = 20,
    max_entries: int = _MAX_ENTRIES_SCANNED,
    time_budget: float = _SEARCH_SECONDS,
) -> Tool:
    """A `search_files` tool confined to `folder` (file names and contents, bounded).

    A search stops at `max_results` hits, after scanning `max_entries` directory entries, or
    after `time_budget` seconds, whichever comes first; linked folders are not entered (no
    loops), and linked files count only when they resolve inside the folder.
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise ValueError(f"not a folder: {folder}")

    def search_files(
        query: str, pattern: str = "**/*", content: bool = True
    ) -> list[dict[str, Any]]:
        """Find files in the user's folder whose name or text contains `query`.

        Args:
            query: text to look for (case-insensitive) in file names and, if content is true,
                in the files' text.
            pattern: a glob relative to the folder, e.g. "**/*.py" or "*.txt".
            content: whether to search inside files too, not only their names.
        """
        if len(pattern) > _MAX_PATTERN:
            raise ValueError(f"the pattern is longer than {_MAX_PATTERN} characters")
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise ValueError("the pattern must be relative to the folder and stay inside it")
        segments = _segments(pattern)
        needle = query.lower()
        budget = _Budget(max_entries, time_budget)
        max_depth = None if "**" in segments else len(segments)
        hits: list[dict[str, Any]] = []
        for parts, path in _walk(root, max_depth, budget):
            if len(hits) >= max_results:
                break
            if not _matches(parts, segments):
                continue
            resolved = path.resolve()
            if not resolved.is_file() or root not in resolved.parents:
                continue
            rel = "/".join(parts)
            if needle in path.name.lower():
                hits.append({"path": rel, "match": "name"})
                continue
            if content and needle:
                line = _first_matching_line(resolved, needle, budget)
                if line is not None:
                    hits.append({"path": rel, "match": "content", "line": line[0], "text": line[1]})
        if budget.stopped is not None and len(hits) < max_results:
            hits.append(
                {
                    "note": f"the search stopped early: it {budget.stopped}; results may be "
                    "incomplete, so narrow the pattern"
                }
            )
        return hits

    return Tool.from_function(search_files)


def _first_matching_line(path: Path, needle: str, budget: _Budget) -> tuple[int, str] | None:
    limit = min(_MAX_BYTES_READ, budget.bytes_left)
    if limit <= 0 or time.monotonic() > budget.deadline:
        budget.stopped = budget.stopped or "read as many bytes as it may"
        return None
    try:
        with path.open("rb") as fh:
            data = fh.read(limit)
    except OSError:
        return None
    budget.bytes_left -= len(data)
    if b"\x00" in data[:4096]:  # binary file
        return None
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if needle in line.lower():
            return number, line.strip()[:200]
    return None


def example_tools(folder: str | os.PathLike[str] | None = None) -> list[Tool]:
    """The tools `lamagent run` and `lamagent chat` give the model."""
    tools = [calculate, convert_units, local_time]
    if folder is not None:
        tools.append(file_search_tool(folder))
    return tools


__all__ = [
    "calculate",
    "convert_units",
    "example_tools",
    "file_search_tool",
    "local_time",
]
