"""Trajectories in xLAM's unified format (paper, figure 4), extended for training and debugging.

A `Trajectory` is one run of an agent: the query, the tools it had, and its `Step`s. The
figure-4 fields (`unique_trajectory_id`, `task_instruction`, `few_shot_examples`, `query`,
`tools`, `steps` of `thought`, `tool_calls`, `step_id`, `next_observation`, `user_input`) are kept
exactly; everything else (per-call records with errors, repairs and timings, token usage, model
and format ids, the outcome) is an extension that `to_unified()` leaves out and `from_unified()`
defaults when a plain figure-4 record lacks it.

Step semantics: a step is one model output (calls, an answer, or unreadable text) followed by what
came back. `Step.calls` holds one `CallRecord` per call (record version 2); the figure-4 fields
`tool_calls` and `next_observation` are projections of it, written into every serialized record.
A version-1 record (separate `tool_calls`, `next_observation`, `call_errors`, `repairs` and
`tool_errors` lists) is read by joining those lists into CallRecords by call position.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    computed_field,
    field_validator,
    model_serializer,
    model_validator,
)

from lamagent.generation import CopyBiasRecord
from lamagent.messages import Usage
from lamagent.records import CallError, CallRecord, Repair, ToolError, ToolErrorKind

SCHEMA_VERSION = 2
"""Version of the extended record layout; bump it when a field changes meaning.

1: calls, observations, call errors, repairs and tool errors in separate lists.
2: one `CallRecord` per call in `Step.calls`.
"""

Outcome = Literal[
    "running",
    "answer",
    "max_steps",
    "max_tokens",
    "timeout",
    "max_retries",
    "error",
    "incomplete",
    "needs_approval",
    "loop",
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)

UNIFIED_KEYS = (
    "unique_trajectory_id",
    "task_instruction",
    "few_shot_examples",
    "query",
    "tools",
    "steps",
)
UNIFIED_STEP_KEYS = ("thought", "tool_calls", "step_id", "next_observation", "user_input")
_LEGACY_STEP_KEYS = ("tool_calls", "next_observation", "call_errors", "repairs", "tool_errors")
_DUPLICATE_RE = re.compile(r"identical to call (\d+)")


def new_trajectory_id() -> str:
    """A fresh, unique trajectory id."""
    return uuid.uuid4().hex


class ToolErrorRecord(BaseModel):
    """A verified call whose tool did not return a result (the version-1 shape of a ToolError).

    `index` is the position of the call in the step's `tool_calls`; `kind` says why: the tool
    raised (`exception`), ran past its timeout (`timeout`) or was not approved (`refused`).
    Version-1 records also used `duplicate`, read today as `CallRecord.duplicate_of`.
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


_CALL_ERRORS = TypeAdapter(list[CallError])
_REPAIRS = TypeAdapter(list[Repair])
_TOOL_ERRORS = TypeAdapter(list[ToolErrorRecord])


def _argument_root(path: str) -> str:
    """`items[2].name` -> `items`: the top-level argument a repair path starts with."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _as_written(call: dict[str, Any], repairs: list[Repair]) -> dict[str, Any]:
    """`call` with the original values of its repaired arguments restored (a copy)."""
    args = call.get("arguments")
    if not repairs or not isinstance(args, dict):
        return dict(call)
    restored = json.loads(json.dumps(args, default=str))
    for repair in repairs:
        keys: list[str | int] = [
            m.group(1) if m.group(1) is not None else int(m.group(2))
            for m in _PATH_PART.finditer(repair.argument)
        ]
        target: Any = restored
        for key in keys[:-1]:
            try:
                target = target[key]
            except (KeyError, IndexError, TypeError):
                target = None
                break
        if keys and isinstance(target, (dict, list)):
            try:
                target[keys[-1]] = repair.original  # type: ignore[index]
            except (IndexError, TypeError):
                continue
    return {**call, "arguments": restored}


def calls_from_v1(step: Mapping[str, Any]) -> tuple[list[CallRecord], Any]:
    """Join a version-1 step's lists into CallRecords; also return what belongs to no call.

    Observations are the calls' results when `next_observation` is a list with one entry per
    call (and not all empty); otherwise it is kept whole as the step's `observation`. Tool
    errors carry their call's index. Call errors and repairs carry none: a call error goes to
    the next call (in order) whose result is `{"error": message}`, else the next one with the
    error's tool name; a repair goes to the first verified call that has its argument.
    """
    raw_calls = step.get("tool_calls")
    if raw_calls is None:
        raw_calls = []
    if not isinstance(raw_calls, list):
        raise ValueError("tool_calls must be a list of calls")
    step_id = step.get("step_id", 0)
    calls: list[CallRecord] = []
    for index, raw in enumerate(raw_calls):
        call = _normalise_call(raw)
        if not isinstance(call, dict):
            raise ValueError(f"tool call {index} is not an object")
        given = call.pop("id", None)
        cid = given if isinstance(given, str) and given else f"call_{step_id}_{index}"
        calls.append(CallRecord(index=index, call_id=cid, call=call))

    obs = step.get("next_observation")
    observation: Any = obs
    if (
        calls
        and isinstance(obs, list)
        and len(obs) == len(calls)
        and any(o is not None for o in obs)
    ):
        for record, result in zip(calls, obs, strict=True):
            record.result = result
        observation = None

    for err in _TOOL_ERRORS.validate_python(step.get("tool_errors") or []):
        if not 0 <= err.index < len(calls):
            continue
        record = calls[err.index]
        if err.kind == "duplicate":
            found = _DUPLICATE_RE.search(err.message)
            first = int(found.group(1)) if found else None
            if first is None or not 0 <= first < err.index:
                first = next((c.index for c in calls[: err.index] if c.call == record.call), None)
            record.duplicate_of = first
        else:
            record.error = ToolError(kind=err.kind, tool=err.tool, message=err.message)

    position = 0
    for cerr in _CALL_ERRORS.validate_python(step.get("call_errors") or []):
        free = [c for c in calls[position:] if c.error is None and c.duplicate_of is None]
        target = next((c for c in free if c.result == {"error": cerr.message}), None)
        if target is None:
            target = next((c for c in free if c.name == cerr.tool), None)
        if target is None:
            target = free[0] if free else None
        if target is None:  # more errors than calls: keep it on the last call
            if not calls:
                continue
            target = calls[-1]
        target.error = cerr
        position = target.index + 1

    for repair in _REPAIRS.validate_python(step.get("repairs") or []):
        verified = [c for c in calls if not isinstance(c.error, CallError)]
        if not verified:
            verified = calls
        if not verified:
            continue
        root = _argument_root(repair.argument)
        target = next(
            (
                c
                for c in verified
                if isinstance(c.call.get("arguments"), Mapping) and root in c.call["arguments"]
            ),
            verified[0],
        )
        target.repairs.append(repair)

    for record in calls:
        if not isinstance(record.error, CallError):
            # v1 kept the call as it ran, after repairs: that is `verified`; the call as written
            # is it with each repaired argument's original value put back
            record.verified = record.call
            record.call = _as_written(record.call, record.repairs)
    return calls, observation


ApprovalDecision = Literal["approved", "denied", "edited"]
"""What a person decided about a call that waited for approval."""


class Approval(BaseModel):
    """Who decided what about one call that waited for approval, and when.

    `arguments` are the arguments the person approved the call with (`edited` only); `reason`
    is what the model reads when a call is denied.
    """

    call_id: str
    tool: str
    decision: ApprovalDecision
    reason: str | None = None
    arguments: dict[str, Any] | None = None
    by: str | None = None
    at: float = Field(default_factory=time.time)


class ContextCut(BaseModel):
    """What was left out of a turn's prompt so that it fit the model's context window.

    The trajectory keeps everything; only the prompt of that turn (and later ones) was cut.
    `shortened` and `dropped` name the messages by call id (tool results) or role and position.
    """

    limit: int
    tokens_before: int
    tokens_after: int
    shortened: list[str] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)


class Step(BaseModel):
    """One model output and what came back from the tools (and the user) after it.

    `calls` holds one `CallRecord` per call; `observation` what came back that belongs to no
    single call (the feedback after unreadable output, or an imported observation that does not
    line up with the calls). `tool_calls` and `next_observation` are the figure-4 projections.
    """

    model_config = ConfigDict(extra="ignore")

    step_id: int
    thought: str = ""
    calls: list[CallRecord] = Field(default_factory=list)
    observation: Any = None
    user_input: str | None = None
    # extensions
    answer: str | None = None
    raw_output: str = ""
    parse_error: str | None = None
    #: The validated final answer as JSON, when the agent has an `output_type`.
    output: Any = None
    usage: Usage = Field(default_factory=Usage)
    timings: dict[str, float] = Field(default_factory=dict)
    started_at: float = Field(default_factory=time.time)
    #: Ids of this step's calls that waited for a person's approval (deferred approval).
    awaiting_approval: list[str] = Field(default_factory=list)
    #: The decisions about them: who decided what, and when.
    approvals: list[Approval] = Field(default_factory=list)
    #: What the prompt of this step's turn left out to fit the context window.
    context: ContextCut | None = None
    #: A note the model read after this step's results (it repeated itself across turns).
    nudge: str | None = None
    #: How a call gate decided between the drafted calls and text (score, signals, decision).
    gate: dict[str, Any] | None = None
    #: What copy-aware decoding did in this step's generation (bias, steps biased, copied).
    copy_bias: CopyBiasRecord | None = None
    #: What the model wrote after the first round of a loop its text answer ended in: the
    #: answer ends after that round (`end_answer_loops`); None when nothing was cut.
    cut_loop: str | None = None
    #: The optional arguments, by tool, the user asked for and the model's first draft left
    #: out: the turn was generated again with them required (`mentioned_arguments`).
    mentioned: dict[str, list[str]] | None = None
    #: The tool the first draft called and the one the user's words name, for which the
    #: turn was generated again (`mentioned_arguments`); None when it was not.
    renamed: list[str] | None = None
    #: How many of the calls were added, one per other item of a list the user wrote, to a
    #: call that took one of its items (`listed_items`); None when none were.
    listed: int | None = None
    #: Drafted calls left out because nobody asked for them, as xLAM calls (`listed_items`,
    #: `lamagent.gate.unasked`, `lamagent.gate.other_asks`), or because they mixed two
    #: asks and gave way to an ask's own (`lamagent.gate.parts`); None when none were.
    unasked: list[dict[str, Any]] | None = None
    #: Values put in the form their parameter takes, one note each ("tool.rate: 3% as
    #: 0.03"; `example_shapes`); None when none were.
    reshaped: list[str] | None = None
    #: What had to change for this record to be stored (values it could not encode).
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_v1(cls, data: Any) -> Any:
        """Read the version-1 layout (and the figure-4 fields of plain records)."""
        if not isinstance(data, Mapping) or "calls" in data:
            return data
        if not any(data.get(k) is not None for k in _LEGACY_STEP_KEYS):
            return data
        out = {k: v for k, v in data.items() if k not in _LEGACY_STEP_KEYS}
        out["calls"], out["observation"] = calls_from_v1(data)
        return out

    @field_validator("thought", "raw_output", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return "" if value is None else value

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """Figure 4's calls: each call as it ran (after repairs), or as written if rejected."""
        return [c.effective for c in self.calls]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_observation(self) -> Any:
        """Figure 4's observation: the calls' results in call order, or `observation`."""
        if self.observation is not None:
            return self.observation
        if self.calls and any(c.settled for c in self.calls):
            return [c.result for c in self.calls]
        return None

    @next_observation.setter
    def next_observation(self, value: Any) -> None:
        """Results in call order go to the calls; anything else to `observation`."""
        if (
            self.calls
            and isinstance(value, list)
            and len(value) == len(self.calls)
            and any(v is not None for v in value)
        ):
            for record, result in zip(self.calls, value, strict=True):
                record.result = result
            self.observation = None
        else:
            self.observation = value

    @model_serializer(mode="wrap")
    def _figure_4_first(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        head = {k: data.pop(k) for k in UNIFIED_STEP_KEYS if k in data}
        return {**head, **data}

    @property
    def call_errors(self) -> list[CallError]:
        """The verification errors of this step's calls, in call order."""
        return [c.error for c in self.calls if isinstance(c.error, CallError)]

    @property
    def repairs(self) -> list[Repair]:
        """Every repair made to this step's calls, in call order."""
        return [r for c in self.calls for r in c.repairs]

    @property
    def tool_errors(self) -> list[ToolErrorRecord]:
        """The execution failures of this step's calls (exception, timeout, refused)."""
        return [
            ToolErrorRecord(
                index=c.index, tool=c.error.tool, kind=c.error.kind, message=c.error.message
            )
            for c in self.calls
            if isinstance(c.error, ToolError)
        ]

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools this step called, in call order."""
        return [str(c.name) for c in self.calls if c.name is not None]

    @property
    def error_kinds(self) -> list[str]:
        """Every error kind in this step: call error kinds, tool error kinds, `parse_error`."""
        kinds: list[str] = [c.error.kind for c in self.calls if isinstance(c.error, CallError)]
        kinds += [c.error.kind for c in self.calls if isinstance(c.error, ToolError)]
        if self.parse_error is not None:
            kinds.append("parse_error")
        return kinds

    @property
    def observations(self) -> list[Any]:
        """`next_observation` as a list with one entry per call (when it has that shape)."""
        obs = self.next_observation
        if obs is None:
            return []
        if isinstance(obs, list) and len(obs) == len(self.calls):
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
    #: What had to change for this record to be stored (values it could not encode).
    notes: list[str] = Field(default_factory=list)

    @field_validator("tools", mode="before")
    @classmethod
    def _tools(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # several public datasets store tools as a JSON string
            try:
                value = json.loads(value)
            except RecursionError:
                raise ValueError("tools is a JSON string nested too deeply to read") from None
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

    @field_validator("schema_version")
    @classmethod
    def _layout(cls, value: int) -> int:
        """Older layouts are upgraded as they are read; a newer one cannot be read."""
        if value > SCHEMA_VERSION:
            raise ValueError(
                f"record schema_version {value} is newer than this lamagent reads "
                f"({SCHEMA_VERSION}); upgrade lamagent"
            )
        return SCHEMA_VERSION

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
    def pending_calls(self) -> list[CallRecord]:
        """The calls waiting for approval (outcome `needs_approval`): those of the last step
        that await it and have no decision yet."""
        if self.outcome != "needs_approval" or not self.steps:
            return []
        last = self.steps[-1]
        decided = {a.call_id for a in last.approvals}
        waiting = set(last.awaiting_approval) - decided
        return [c for c in last.calls if c.call_id in waiting]

    @property
    def num_calls(self) -> int:
        """How many tool calls the model made over all steps."""
        return sum(len(s.calls) for s in self.steps)

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
    """The id of a step's call (its record's `call_id`)."""
    return step.calls[index].call_id


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
