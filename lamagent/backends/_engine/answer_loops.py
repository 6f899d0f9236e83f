"""End a text answer that the model writes in a loop.

Out of a call grammar a small model can go round until the token limit ("10 kPa is 10^12,
which is 10^12, which is 10^12, ..."; a list of film titles, the last one over and over). An
`AnswerLoops` is fed what the model writes; once the text ends in a loop
(`lamagent.repetition.answer_loop`), `feed` says where to cut it: after the loop's first
round. The engine stops there, so the rest of the token budget is not spent going round, and
the cut rounds go on the record (`Generation.cut_loop`).
"""

from __future__ import annotations

from collections.abc import Sequence

from lamagent.generation import GenerationParams
from lamagent.repetition import MIN_ANSWER_LOOP_CHARS, answer_loop

__all__ = ["AnswerLoops", "answer_loops"]

#: The last characters read for a loop: a round up to a third of it.
_WINDOW = 768


class AnswerLoops:
    """Watches a text answer as it is written for a loop at its end."""

    def __init__(self, sources: Sequence[str] = ()) -> None:
        self.sources = tuple(sources)
        self.text = ""
        #: Where the text was found going round (the end of the loop's first round), once it was.
        self.cut: int | None = None

    def feed(self, delta: str) -> int | None:
        """Add what the model wrote; where to cut the text when it now ends in a loop (the end
        of the loop's first round), else None."""
        self.text += delta
        if self.cut is not None or not delta or len(self.text) < MIN_ANSWER_LOOP_CHARS:
            return self.cut
        offset = max(0, len(self.text) - _WINDOW)
        found = answer_loop(self.text[offset:], self.sources)
        if found is not None:
            start, period = found
            self.cut = offset + _boundary(self.text[offset:], start, period)
        return self.cut

    @property
    def cut_rounds(self) -> str | None:
        """What was written after the loop's first round (None: no loop was found)."""
        return None if self.cut is None else self.text[self.cut :]


def _boundary(text: str, start: int, period: int) -> int:
    """Where to end `text`, whose run of rounds starts at `start`: at the first sentence end,
    else the first word end, from the end of the first round on, so the answer keeps what it
    said once, whole (a run may start mid-word: "...cohesive whol|e. The city is ..." ends
    after "whole."); after the first round when the next round has neither."""
    first = start + period
    ends = range(first, min(first + period, len(text)) + 1)
    for p in ends:
        if text[p - 1] in ".!?\n":
            return p
    for p in ends:
        if p < len(text) and text[p] in " \t":
            return p
    return first


def answer_loops(params: GenerationParams) -> AnswerLoops | None:
    """A watch for this generation when it writes a text answer with `end_answer_loops` (no
    constraint, or the text-only one of the call gate's answer), else None."""
    constraint = params.constraint
    if not params.end_answer_loops or (constraint is not None and not constraint.text_only):
        return None
    return AnswerLoops(params.copy_from)
