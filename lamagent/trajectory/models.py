"""Trajectories in xLAM's unified format (paper, figure 4), extended for training and debugging.

A `Trajectory` is one run of an agent: the query, the tools it had, and its `Step`s. The
figure-4 fields (`unique_trajectory_id`, `task_instruction`, `few_shot_examples`, `query`,
`tools`, `steps` of `thought`, `tool_calls`, `step_id`, `next_observation`, `user_input`) are kept
exactly; everything else (verification errors, repairs, tool errors, timings, token usage, model
and format ids, the outcome) is an extension that `to_unified()` leaves out and `from_unified()`
defaults when a plain figure-4 record lacks it.

Step semantics: a step is one model output (calls, an answer, or unreadable text) followed by what
came back: `next_observation` holds the tool results in call order, and `user_input` holds a user
message that arrived after the step (a follow-up in a multi-turn session).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lamagent.messages import Usage
from lamagent.tools.verify import CallError, Repair

SCHEMA_VERSION = 1
"""Version of the extended record layout; bump it when a field changes meaning."""

Outcome = Literal[
    "running", "answer", "max_steps", "max_tokens", "timeout", "max_retries", "error", "incomplete"
]
OUTCOMES: tuple[str, ...] = (
    "running",
    "answer",
    "max_steps",
    "max_tokens",
    "timeout",
    "max_retries",
    "error",
    "incomplete",
)

ToolErrorKind = Literal["exception", "timeout", "refused", "duplicate"]

UNIFIED_KEYS = (
    "unique_trajectory_id",
    "task_instruction",
    "few_shot_examples",
    "query",
    "tools",
    "steps",
)
UNIFIED_STEP_KEYS = ("thought", "tool_calls", "step_id", "next_observation", "user_input")


def new_trajectory_id() -> str:
    """A fresh, unique trajectory id."""
    return uuid.uuid4().hex


class ToolErrorRecord(BaseModel):
    """A verified call whose tool did not return a result.

    `index` is the position of the call in the step's `tool_calls`; `kind` says why: the tool
    raised (`exception`), ran past its timeout (`timeout`), was not approved (`refused`), or was an
    identical duplicate in the same turn that was not run again (`duplicate`).
    """

    index: int
    tool: str
    kind: ToolErrorKind
    message: str = ""


def _normalise_call(call: Any) -> Any:
    """Flatten an OpenAI-shaped call to `{"name", "arguments"}`; decode JSON-string arguments.

    Calls that cannot be read are kept as given: a trajectory records what the model said,
    including what it got wrong.
    """
    if not isinstance(call, Mapping):
        return call
    out = dict(call)
    fn = out.pop("function", None)
    if isinstance(fn, Mapping):
        out.pop("type", None)
        out = {**out, **dict(fn)}
    args = out.get("arguments", out.get("parameters"))
    if "parameters" in out and "arguments" not in out:
        out.pop("parameters")
    if isinstance(args, str):
        try:
            decoded = json.loads(args) if args.strip() else {}
        except ValueError:
            decoded = args
        args = decoded
    out["arguments"] = {} if args is None else args
    ordered = {"name": out.pop("name", None), "arguments": out.pop("arguments")}
    ordered.update(out)
    return ordered


class Step(BaseModel):
    """One model output and what came back from the tools (and the user) after it."""

    model_config = ConfigDict(extra="ignore")

    step_id: int
    thought: str = ""
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    next_observation: Any = None
    user_input: str | None = None
    # extensions
    answer: str | None = None
    raw_output: str = ""
    call_errors: list[CallError] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    tool_errors: list[ToolErrorRecord] = Field(default_factory=list)
    parse_error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    timings: dict[str, float] = Field(default_factory=dict)
    started_at: float = Field(default_factory=time.time)

    @field_validator("tool_calls", mode="before")
    @classmethod
    def _calls(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, list):
            return [_normalise_call(c) for c in value]
        return value

    @field_validator("thought", "raw_output", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools this step called, in call order."""
        return [str(c.get("name")) for c in self.tool_calls if c.get("name") is not None]

    @property
    def error_kinds(self) -> list[str]:
        """Every error kind in this step: call error kinds, tool error kinds, `parse_error`."""
        kinds: list[str] = [e.kind for e in self.call_errors]
        kinds += [e.kind for e in self.tool_errors]
        if self.parse_error is not None:
            kinds.append("parse_error")
        return kinds

    @property
    def observations(self) -> list[Any]:
        """`next_observation` as a list with one entry per call (when it has that shape)."""
        obs = self.next_observation
        if obs is None:
            return []
        if isinstance(obs, list) and len(obs) == len(self.tool_calls):
            return list(obs)
        return [obs]

    def to_unified(self) -> dict[str, Any]:
        """The figure-4 step: thought, tool_calls, step_id, next_observation, user_input."""
        return {
            "thought": self.thought,
            "tool_calls": [
                {"name": c.get("name"), "arguments": c.get("arguments", {})}
                for c in self.tool_calls
            ],
            "step_id": self.step_id,
            "next_observation": self.next_observation,
            "user_input": self.user_input,
        }


class Trajectory(BaseModel):
    """One agent run in the unified format, plus the extensions fine-tuning and debugging need."""

    model_config = ConfigDict(extra="ignore")

    unique_trajectory_id: str = Field(default_factory=new_trajectory_id)
    task_instruction: str = ""
    few_shot_examples: list[Any] = Field(default_factory=list)
    query: str = ""
    tools: list[dict[str, Any]] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    # extensions
    schema_version: int = SCHEMA_VERSION
    model_id: str | None = None
    format: str | None = None
    outcome: Outcome = "running"
    answer: str | None = None
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    created_at: float = Field(default_factory=time.time)
    finished_at: float | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("tools", mode="before")
    @classmethod
    def _tools(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # several public datasets store tools as a JSON string
            value = json.loads(value)
        if isinstance(value, list):
            return [
                dict(t["function"]) if isinstance(t, Mapping) and "function" in t else t
                for t in value
            ]
        return value

    @field_validator("task_instruction", "query", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def id(self) -> str:
        """Short alias of `unique_trajectory_id`."""
        return self.unique_trajectory_id

    @property
    def is_finished(self) -> bool:
        """True once the run ended (any outcome but `running` and `incomplete`)."""
        return self.outcome not in ("running", "incomplete")

    @property
    def tools_called(self) -> list[str]:
        """Distinct names of the tools the model called, in order of first call."""
        return list(dict.fromkeys(name for s in self.steps for name in s.tool_names))

    @property
    def num_calls(self) -> int:
        """How many tool calls the model made over all steps."""
        return sum(len(s.tool_calls) for s in self.steps)

    @property
    def error_kinds(self) -> list[str]:
        """Distinct error kinds over all steps, sorted (see `Step.error_kinds`)."""
        return sorted({k for s in self.steps for k in s.error_kinds})

    @property
    def step_usage(self) -> Usage:
        """The sum of the steps' token usage."""
        total = Usage()
        for s in self.steps:
            total = total + s.usage
        return total

    def to_unified(self) -> dict[str, Any]:
        """The plain figure-4 record: no extensions, keys in the paper's order."""
        return {
            "unique_trajectory_id": self.unique_trajectory_id,
            "task_instruction": self.task_instruction,
            "few_shot_examples": list(self.few_shot_examples),
            "query": self.query,
            "tools": [dict(t) for t in self.tools],
            "steps": [s.to_unified() for s in self.steps],
        }

    def to_record(self) -> dict[str, Any]:
        """The full JSON-able record: figure-4 fields first, then the extensions."""
        return self.model_dump(mode="json")

    @classmethod
    def from_unified(cls, data: Mapping[str, Any]) -> Trajectory:
        """Read a figure-4 record (or a full extended record).

        Missing extensions take their defaults; a plain record with no `outcome` is taken as a
        finished run (`answer` when its last step has no calls, else `max_steps`) because figure-4
        data is finished data. Unknown top-level keys are kept under `metadata` so nothing is lost.
        Raises `pydantic.ValidationError` for a record of the wrong shape.
        """
        known = set(cls.model_fields)
        record = {k: v for k, v in data.items() if k in known}
        extra = {k: v for k, v in data.items() if k not in known}
        if extra:
            record["metadata"] = {**dict(record.get("metadata") or {}), **extra}
        steps = record.get("steps")
        if isinstance(steps, list):
            record["steps"] = [
                {**s, "step_id": s.get("step_id", i + 1)} if isinstance(s, Mapping) else s
                for i, s in enumerate(steps)
            ]
        traj = cls.model_validate(record)
        if "outcome" not in data:
            last = traj.steps[-1] if traj.steps else None
            traj.outcome = "max_steps" if last is not None and last.tool_calls else "answer"
            if traj.answer is None and last is not None and not last.tool_calls:
                traj.answer = last.answer if last.answer is not None else (last.thought or None)
        return traj

    def to_messages(self, *, system: bool = False) -> list[dict[str, Any]]:
        """The conversation as OpenAI-style message dicts.

        The user query, then per step: the assistant turn (its calls with the thought as content,
        or its answer, or its raw output when it could not be parsed), one `tool` message per
        result (paired with its call by `tool_call_id`), and the user's follow-up if any. Tool
        results keep their JSON value (not stringified). With `system=True` a non-empty
        `task_instruction` comes first as the system message.
        """
        out: list[dict[str, Any]] = []
        if system and self.task_instruction:
            out.append({"role": "system", "content": self.task_instruction})
        out.append({"role": "user", "content": self.query})
        for step in self.steps:
            out.extend(_step_messages(step))
        return out


def call_id(step: Step, index: int) -> str:
    """The id of a step's call: its own `id` if recorded, else a stable `call_{step}_{index}`."""
    call = step.tool_calls[index]
    given = call.get("id")
    return given if isinstance(given, str) and given else f"call_{step.step_id}_{index}"


def _step_messages(step: Step) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if step.tool_calls:
        calls = [
            {
                "id": call_id(step, i),
                "type": "function",
                "function": {"name": c.get("name"), "arguments": c.get("arguments", {})},
            }
            for i, c in enumerate(step.tool_calls)
        ]
        out.append({"role": "assistant", "content": step.thought or None, "tool_calls": calls})
        obs = step.next_observation
        if obs is not None:
            if isinstance(obs, list) and len(obs) == len(step.tool_calls):
                for i, (c, result) in enumerate(zip(step.tool_calls, obs, strict=True)):
                    out.append(
                        {
                            "role": "tool",
                            "tool_call_id": call_id(step, i),
                            "name": c.get("name"),
                            "content": result,
                        }
                    )
            else:
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": call_id(step, 0),
                        "name": step.tool_calls[0].get("name"),
                        "content": obs,
                    }
                )
    else:
        if step.answer is not None:
            content = step.answer
        elif step.raw_output:
            content = step.raw_output
        else:
            content = step.thought
        out.append({"role": "assistant", "content": content})
        if step.next_observation is not None:
            # An observation after a turn without calls (e.g. the parse-error feedback the loop
            # gave the model) has no call to answer, so it is a user turn in chat form.
            obs = step.next_observation
            out.append(
                {
                    "role": "user",
                    "content": obs if isinstance(obs, str) else json.dumps(obs, ensure_ascii=False),
                }
            )
    if step.user_input is not None:
        out.append({"role": "user", "content": step.user_input})
    return out
