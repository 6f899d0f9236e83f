"""End a list of tool calls that starts repeating itself.

Small models under a JSON-schema grammar can fall into degenerate repetition: the same call again
and again until the token limit, so the list never closes and nothing parses. This guard watches
the streamed text; when an element of the outermost JSON array (the call list) is an object
equal to an earlier element, it reports where to cut and how to close the JSON, so the backend
stops generating and returns the list without the repeat. Identical calls in one turn run once
anyway (the agent de-duplicates them), so nothing of value is lost.

It also tells the backend how much text is safe to stream: an element of the call list is held
back until it is complete, so a dropped repeat is never half-streamed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lamagent.backends._engine.json_scan import JsonScanner

_CLOSERS = {"[": "]", "{": "}"}


@dataclass
class _Container:
    kind: str
    #: Whether this is the outermost array (the call list).
    is_calls: bool
    #: End of the last complete element (call list only), for cutting a repeat off.
    last_end: int
    seen: list[str] = field(default_factory=list)
    #: Start of the object element now being read (call list only).
    element_start: int | None = None


@dataclass(frozen=True)
class Repeat:
    """Where to cut the text (keep `text[:keep]`) and what to append to close the JSON."""

    keep: int
    closing: str


class RepeatGuard:
    """Incremental JSON scanner that spots a repeated element in the outermost array."""

    def __init__(self) -> None:
        self.text = ""
        self._scan = JsonScanner()
        self._stack: list[_Container] = []
        self._active: bool | None = None  # None until the first non-space character
        self._calls_open = False
        self._opened = False

    @property
    def in_string(self) -> bool:
        """Whether the JSON text so far ends inside a string."""
        return self._scan.in_string

    def feed(self, delta: str) -> Repeat | None:
        """Add text; returns a `Repeat` as soon as a complete element repeats an earlier one."""
        self.text += delta
        if self._active is None:
            rest = self.text[self._scan.position :]
            stripped = rest.lstrip()
            if not stripped:
                self._scan.position = len(self.text)
                return None
            self._active = stripped[0] in "[{"
            self._scan.position = len(self.text) - len(stripped)
        if not self._active:
            return None
        # From where the last scan stopped (a repeat found mid-delta leaves a rest unscanned).
        for i, ch in self._scan.brackets(self.text[self._scan.position :]):
            if ch in "[{":
                self._open(ch, i)
            elif self._stack:
                repeat = self._close(i)
                if repeat is not None:
                    return repeat
        return None

    def _open(self, ch: str, i: int) -> None:
        parent = self._stack[-1] if self._stack else None
        if parent is not None and parent.is_calls and ch == "{":
            parent.element_start = i
        self._opened = True
        is_calls = ch == "[" and not self._calls_open
        if is_calls:
            self._calls_open = True
        self._stack.append(_Container(kind=ch, is_calls=is_calls, last_end=i + 1))

    def _close(self, i: int) -> Repeat | None:
        self._stack.pop()
        parent = self._stack[-1] if self._stack else None
        if parent is None or not parent.is_calls or parent.element_start is None:
            return None
        start, parent.element_start = parent.element_start, None
        try:
            canonical = json.dumps(json.loads(self.text[start : i + 1]), sort_keys=True)
        except ValueError:
            return None
        if canonical in parent.seen:
            closing = "".join(_CLOSERS[c.kind] for c in reversed(self._stack))
            repeat = Repeat(keep=parent.last_end, closing=closing)
            parent.last_end = i + 1  # in case the caller lets the repeat stand
            return repeat
        parent.seen.append(canonical)
        parent.last_end = i + 1
        return None

    def close_at_last_complete(self) -> Repeat | None:
        """Where to cut an unfinished call list so it ends after its last complete element.

        None when no call list is open or none of its elements is complete yet.
        """
        for depth, container in enumerate(self._stack):
            if container.is_calls:
                if not container.seen:
                    return None
                closing = "".join(_CLOSERS[c.kind] for c in reversed(self._stack[: depth + 1]))
                return Repeat(keep=container.last_end, closing=closing)
        return None

    @property
    def complete(self) -> bool:
        """Whether the text holds a whole JSON document (everything opened was closed)."""
        return bool(self._active) and self._opened and not self._stack

    def safe_end(self) -> int:
        """How much text may be streamed: while the call list is open, up to its last complete
        element (so a separator or element that may be cut off is never streamed)."""
        for container in self._stack:
            if container.is_calls:
                return container.last_end
        return len(self.text)
