"""A model turn whose prompt fits the context window (see `window` for how it is cut).

The prompt is planned to fit before the turn (when the backend reports its window), and a
`ContextOverflowError` the plan missed (a count that was off, or an unknown window) is retried
with a tighter cut. The step records what its prompt left out (`Step.context`).
"""

from __future__ import annotations

import dataclasses

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent._loop.window import fit_messages, token_counter
from lamagent.errors import ContextOverflowError
from lamagent.messages import to_messages
from lamagent.trajectory import Step
from lamagent.turns import ModelTurn, OnRaw, OnText, TurnRequest

#: How often a turn is retried with a tighter cut when the backend still reports an overflow.
OVERFLOW_RETRIES = 2
#: Each retry cuts the prompt to this share of the size that did not fit.
RETRY_SHARE = 0.75


async def turn_within_window(
    ctx: LoopContext,
    state: RunState,
    step: Step,
    request: TurnRequest,
    on_text: OnText | None,
    on_raw: OnRaw,
) -> ModelTurn:
    """The model's turn for `request`, its messages cut to fit the model's context window."""
    if ctx.context.strategy == "error":
        return await ctx.turns.next_turn(request, on_text=on_text, on_raw=on_raw)
    count = token_counter(ctx.turns, request, ctx.context)
    window = ctx.backend.info.context_length
    limit = ctx.context.limit(window, request.params.max_tokens) if window else None
    for attempt in range(OVERFLOW_RETRIES + 1):
        if limit is not None:
            fitted = fit_messages(state.messages, count, limit, ctx.context, state.pinned)
            step.context = fitted.cut
            request = dataclasses.replace(request, messages=fitted.messages)
        try:
            return await ctx.turns.next_turn(request, on_text=on_text, on_raw=on_raw)
        except ContextOverflowError:
            if attempt == OVERFLOW_RETRIES:
                raise
            step.raw_output = ""
            limit = max(1, int(count(to_messages(request.messages)) * RETRY_SHARE))
    raise AssertionError("unreachable")


__all__ = ["OVERFLOW_RETRIES", "turn_within_window"]
