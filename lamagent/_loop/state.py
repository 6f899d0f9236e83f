"""What changes during a run: the conversation, the trajectory and its recorder, usage and the
step in progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lamagent.messages import Message, Usage
from lamagent.trajectory import Recorder, Step, Trajectory


@dataclass
class RunState:
    """The mutable state of one run (or of a session across its turns)."""

    messages: list[Message]
    trajectory: Trajectory
    #: Usage and seconds of the current run (one `send` of a session).
    usage: Usage = field(default_factory=Usage)
    generate_s: float = 0.0
    execute_s: float = 0.0
    steps_this_run: int = 0
    #: A tool was called in this run (a forced `tool_choice` then resets to "auto").
    called_tool: bool = False
    consecutive_failures: int = 0
    last_failure: str = ""
    #: The step being built; recorded even if the run stops in the middle of it.
    current: Step | None = None
    #: The one writer of `trajectory` (set when recording starts).
    recorder: Recorder | None = None
    #: Index in `messages` of the message that started this run (the query or the user's
    #: latest reply): never cut when the prompt must fit the context window.
    pinned: int | None = None
    #: What the application passed as `run(..., deps=...)`, for tools' `RunContext`.
    deps: Any = None

    @property
    def next_step_id(self) -> int:
        return len(self.trajectory.steps) + 1
