"""Noticing a model that repeats itself across turns.

Within one turn identical calls already run once (execution reuses the first result). Across
turns, a model stuck in a loop makes the same calls with the same arguments turn after turn.
After `nudge_after` such turns in a row the model reads a note (the step's `nudge`); after
`stop_after` the run ends with outcome "loop". Tools made with `allow_duplicates=True` (a dice
roll, a "next page") never count as repeats, and a user's reply in between starts afresh.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lamagent.tools import Toolbox
from lamagent.trajectory import Step


class RepeatPolicy(BaseModel):
    """When repeated calls across turns get a nudge, and when they end the run ("loop")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Identical turns in a row (same calls, same arguments) before the model reads a nudge.
    nudge_after: int = Field(default=3, ge=2)
    #: Identical turns in a row before the run stops with outcome "loop".
    stop_after: int = Field(default=4, ge=2)

    @model_validator(mode="after")
    def _order(self) -> RepeatPolicy:
        if self.stop_after < self.nudge_after:
            raise ValueError("stop_after must be at least nudge_after")
        return self


def _signature(step: Step, toolbox: Toolbox) -> tuple[str, ...] | None:
    """The step's calls, order-free, as comparable text; None when the step cannot repeat."""
    if not step.calls or step.parse_error is not None:
        return None
    keys = []
    for record in step.calls:
        name = record.effective.get("name")
        tool = toolbox[name] if isinstance(name, str) and name in toolbox else None
        if tool is not None and getattr(tool, "allow_duplicates", False):
            return None
        keys.append(json.dumps(record.effective, sort_keys=True, default=str))
    return tuple(sorted(keys))


def repeats(steps: Sequence[Step], toolbox: Toolbox) -> int:
    """How many turns in a row, ending with the last step, made exactly the same calls."""
    if not steps:
        return 0
    last = _signature(steps[-1], toolbox)
    if last is None:
        return 0
    count = 1
    for step in reversed(steps[:-1]):
        if step.user_input is not None or _signature(step, toolbox) != last:
            break
        count += 1
    return count


def nudge(step: Step, count: int) -> str:
    """The note the model reads after its `count`-th identical turn."""
    names = ", ".join(dict.fromkeys(str(r.name) for r in step.calls))
    return (
        f"You have made the same call ({names}) with the same arguments {count} turns in a "
        "row and got the same results. Do not repeat it: answer with the results you have, "
        "or try something different."
    )


__all__ = ["RepeatPolicy", "nudge", "repeats"]
