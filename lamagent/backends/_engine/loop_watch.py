"""Close a value of a call list that the model is writing in a loop.

Under a call grammar a small model can go round inside one value ("Let's meet at 10 AM
tomorrow. Let's meet at 10 AM tomorrow. ...", `[85, 90, 91, 91, 91, ...]`) until the token
limit: about a tenth of the embedded model's calls-only BFCL drafts run past 200 tokens,
most of them this way, and take a fifth of the wall time. `LoopWatch` is fed what the model
writes; once the string or list it is writing ends in a loop (`lamagent.repetition`: the
same definition the call rules cut by), `closing` says so until that value is closed, and
the engine raises the logits of the closing tokens the grammar allows, as it does near the
token limit. The grammar still decides what is allowed; the rounds already written are cut
from the parsed call by `lamagent.gate.loops`. The outermost container (the call list, or
the call) is never watched: a repeated call is `RepeatGuard`'s.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lamagent.backends._engine.json_scan import JsonScanner
from lamagent.repetition import MIN_LOOP_CHARS, list_loop, text_loop

__all__ = ["LoopWatch"]

#: The last characters of a string read for a loop: a round up to a third of it.
_WINDOW = 768


@dataclass
class _Open:
    """An open list or object; for a list, where its element being written starts and the
    complete ones, read as JSON."""

    kind: str
    element_start: int = 0
    parsed: list[Any] = field(default_factory=list)


class LoopWatch:
    """Watches a call list as it is written for a value going round."""

    def __init__(self, sources: Sequence[str] = ()) -> None:
        self.sources = tuple(sources)
        self.text = ""
        self._scan = JsonScanner()
        self._open: list[_Open] = []
        self._string_start = 0
        #: What is being closed: ("string", depth) or ("list", depth); None when nothing is.
        self._target: tuple[str, int] | None = None

    @property
    def in_string(self) -> bool:
        return self._scan.in_string

    @property
    def closing(self) -> bool:
        """Whether the value being written ended in a loop and is not closed yet."""
        return self._target is not None

    def feed(self, delta: str) -> None:
        start = len(self.text)
        self.text += delta
        for offset, ch in enumerate(delta):
            self._step(ch, start + offset)
        if self._target is None and self._scan.in_string:
            written = self.text[max(self._string_start, len(self.text) - _WINDOW) :]
            if len(written) >= MIN_LOOP_CHARS and text_loop(written, self.sources) is not None:
                self._target = ("string", self._scan.depth)

    def _step(self, ch: str, index: int) -> None:
        was_in_string = self._scan.in_string
        bracket = self._scan.step(ch)
        if not was_in_string and self._scan.in_string:
            self._string_start = index + 1
        if bracket and ch in "[{":
            self._open.append(_Open(ch, index + 1))
        elif bracket and self._open:
            self._complete_element(index)
            self._open.pop()
        elif ch == "," and not was_in_string and self._open and self._open[-1].kind == "[":
            self._complete_element(index)
            self._open[-1].element_start = index + 1
        if self._target is not None and self._closed(self._target):
            self._target = None

    def _complete_element(self, end: int) -> None:
        """Read the element of the innermost list that ends at `end` (a comma or `]`), and
        close the list when it now ends in a loop (never the outermost container)."""
        top = self._open[-1]
        if top.kind != "[":
            return
        written = self.text[top.element_start : end].strip()
        if not written:
            return
        try:
            top.parsed.append(json.loads(written))
        except ValueError:
            top.parsed.append(written)
        inner = len(self._open) > 1
        if inner and self._target is None and list_loop(top.parsed, self.sources) is not None:
            self._target = ("list", len(self._open))

    def _closed(self, target: tuple[str, int]) -> bool:
        kind, depth = target
        if kind == "string":
            return not self._scan.in_string
        return self._scan.depth < depth
