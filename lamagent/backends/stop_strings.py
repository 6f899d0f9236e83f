"""Stop strings over a token stream: find them across token boundaries, hold back prefixes.

A stop string can span several tokens ("<|im_" + "end|>"), so text that could be the start of
a stop string is held back until the next token decides; whatever is streamed is final.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopStrings:
    """Tracks generated text against a set of stop strings."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self._longest = max((len(s) for s in self.stops), default=0)

    def find(self, text: str, start: int = 0) -> int | None:
        """Index of the earliest stop string in `text` beginning at or after `start - longest`."""
        lo = max(0, start - self._longest)
        hits = [i for i in (text.find(s, lo) for s in self.stops) if i >= 0]
        return min(hits) if hits else None

    def safe_end(self, text: str) -> int:
        """How much of `text` can be released: all but a suffix that may begin a stop string."""
        for keep in range(min(self._longest - 1, len(text)), 0, -1):
            tail = text[-keep:]
            if any(s.startswith(tail) for s in self.stops):
                return len(text) - keep
        return len(text)
