"""An incremental scanner of JSON text: string and escape state, bracket depth.

Engines watch what a model writes into a call list (to close it near the token limit, to spot a
repeated call) without parsing it again on every token: the scanner is fed each delta once and
reports the brackets it meets outside strings.
"""

from __future__ import annotations

from collections.abc import Iterator

OPENERS = "[{"
CLOSERS = "]}"


class JsonScanner:
    """Feeds on JSON text piece by piece; knows whether it is inside a string, and the depth."""

    def __init__(self) -> None:
        self.in_string = False
        self._escaped = False
        #: Open brackets (objects and lists) around the current position.
        self.depth = 0
        #: Characters scanned so far (the index of the next one).
        self.position = 0

    def step(self, ch: str) -> bool:
        """Scan one character; True when it is a bracket outside strings."""
        self.position += 1
        if self.in_string:
            if self._escaped:
                self._escaped = False
            elif ch == "\\":
                self._escaped = True
            elif ch == '"':
                self.in_string = False
            return False
        if ch == '"':
            self.in_string = True
            return False
        if ch in OPENERS:
            self.depth += 1
            return True
        if ch in CLOSERS:
            self.depth = max(0, self.depth - 1)
            return True
        return False

    def brackets(self, text: str) -> Iterator[tuple[int, str]]:
        """Scan `text` (the next piece); yield (index, character) of each bracket outside strings.

        Indices count from the start of everything fed. Stopping the iteration early leaves the
        scanner just after the last bracket yielded.
        """
        for ch in text:
            if self.step(ch):
                yield self.position - 1, ch

    def feed(self, text: str) -> None:
        """Scan `text` for its state only."""
        for _ in self.brackets(text):
            pass


def ends_inside_string(text: str) -> bool:
    """Whether JSON text ends inside a string."""
    scanner = JsonScanner()
    scanner.feed(text)
    return scanner.in_string
