"""Stop strings over a token stream: find them across token boundaries, hold back prefixes.

A stop string can span several tokens ("<|im_" + "end|>"), so text that could be the start of
a stop string is held back until the next token decides; whatever is streamed is final.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopStrings:
    """A set of stop strings, searched in growing text."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self._longest = max((len(s) for s in self.stops), default=0)

    def find(self, text: str, start: int = 0) -> int | None:
        """Index of the earliest stop string in `text` that ends after `start`.

        `start` is how much of `text` was searched before: a hit must overlap the new part.
        """
        if not self.stops:
            return None
        lo = max(0, start - self._longest + 1)
        hits = [i for i in (text.find(s, lo) for s in self.stops) if i >= 0]
        return min(hits) if hits else None

    def safe_end(self, text: str) -> int:
        """How much of `text` can be released: all but a suffix that may begin a stop string."""
        for keep in range(min(self._longest - 1, len(text)), 0, -1):
            tail = text[-keep:]
            if any(s.startswith(tail) for s in self.stops):
                return len(text) - keep
        return len(text)

    def cut(self, text: str) -> tuple[str, bool]:
        """`text` up to its earliest stop string, and whether one was found (whole texts)."""
        hit = self.find(text)
        return (text, False) if hit is None else (text[:hit], True)


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """`text` up to the earliest of `stops` (for engines that return whole texts)."""
    return StopStrings(stops).cut(text)[0]


class StopStream:
    """Streamed text against stop strings: `feed` deltas, get back what is safe to release."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = StopStrings(stops)
        #: The text so far, cut at the stop string once one is found.
        self.text = ""
        self._released = 0
        self.stopped = False

    def feed(self, delta: str) -> tuple[str, bool]:
        """Add text; returns (text safe to release now, whether a stop string was found)."""
        if self.stopped:
            return "", True
        searched = len(self.text)
        self.text += delta
        hit = self._stops.find(self.text, searched)
        if hit is not None:
            self.text = self.text[: max(hit, self._released)]
            self.stopped = True
            return self._release(len(self.text)), True
        return self._release(self._stops.safe_end(self.text)), False

    def flush(self) -> str:
        """Release the held-back tail (the generation ended without a stop string)."""
        return self._release(len(self.text))

    def cut(self, end: int) -> str:
        """End the text at `end` (it went round after that); returns what is left to release
        up to there (text released beyond `end` already went out)."""
        self.text = self.text[:end]
        self.stopped = True
        return self._release(end)

    def _release(self, end: int) -> str:
        if end <= self._released:
            return ""
        out = self.text[self._released : end]
        self._released = end
        return out
