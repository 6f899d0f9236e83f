"""Where a tool call runs (a leaf module: tools, execution and isolation all name it)."""

from __future__ import annotations

from typing import Literal, get_args

#: Where a call runs. "thread": its own daemon thread (async tools on their own event loop);
#: "process": a worker process killed at the timeout; "loop": async tools on the run's own
#: event loop (for tools that share loop-bound resources; such a tool can block the run).
Isolation = Literal["thread", "process", "loop"]
ISOLATIONS: tuple[str, ...] = get_args(Isolation)

__all__ = ["ISOLATIONS", "Isolation"]
