"""Converters between trajectories and the record shapes people train and evaluate on.

Formats (names used by `to_record`, `from_record`, the JSONL functions and the CLI):

- `unified`: xLAM's figure-4 record, with lamagent's extensions unless `strict=True`.
- `openai`: `{"id", "messages": [...], "tools": [{"type": "function", "function": ...}]}`, the
  chat-completions shape (call arguments and tool results as JSON strings).
- `actionstudio`: `{"unique_trajectory_id", "task_instruction", "tools", "conversation"}` with
  OpenAI-style messages whose calls are `{"function": {"name", "arguments"}}`.
- `apigen-mt`: APIGen-MT-5k's `{"system", "tools" (JSON string), "conversations":
  [{"from": human|gpt|function_call|observation, "value"}]}`.
- `xlam60k`: xlam-function-calling-60k's `{"id", "query", "tools" (JSON string), "answers"
  (JSON string list of calls)}`: a query and the calls of the first step, nothing more.

What each shape cannot hold is lost on the way out: every non-unified shape drops the
extensions (errors, timings, usage); `apigen-mt` also drops thoughts; `xlam60k` keeps only the
query, the tools and the first step's calls. Tool results that are JSON objects or arrays are
written as JSON text where the shape wants strings, and read back as JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from lamagent.errors import TrajectoryError
from lamagent.trajectory.models import Step, Trajectory, call_id

RecordFormat = Literal["unified", "openai", "actionstudio", "apigen-mt", "xlam60k"]
FORMATS: tuple[str, ...] = ("unified", "openai", "actionstudio", "apigen-mt", "xlam60k")


class ImportIssue(BaseModel):
    """A line of an imported file that was skipped, and why (`line` counts from 1)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


# ---------------------------------------------------------------------------------------------
# small pieces


def _record_id(record: Mapping[str, Any], prefix: str) -> str:
    """A stable id for a record that has none, so importing a file twice finds duplicates."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def _as_text(value: Any) -> str:
    """Tool results and call lists as text, for shapes that only hold strings."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _from_text(value: Any) -> Any:
    """Read back what `_as_text` wrote: JSON objects and arrays are decoded, the rest kept."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _json_field(value: Any, what: str) -> Any:
    """Decode a field some datasets store as a JSON string (`tools`, `answers`)."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else []
        except ValueError as exc:
            raise ValueError(f"{what} is not valid JSON: {exc}") from exc
    return value


def _infer_outcome(steps: list[Step]) -> Literal["answer", "max_steps"]:
    """Finished data without an outcome: `answer` if it ends on text, else `max_steps`."""
    return "max_steps" if steps and steps[-1].tool_calls else "answer"


def _final_answer(steps: list[Step]) -> str | None:
    return steps[-1].answer if steps and not steps[-1].tool_calls else None


# ---------------------------------------------------------------------------------------------
# chat messages <-> steps (shared by openai, actionstudio and apigen-mt)


def trajectory_from_messages(
    messages: Iterable[Mapping[str, Any]],
    tools: Any = (),
    *,
    trajectory_id: str | None = None,
    task_instruction: str = "",
) -> Trajectory:
    """Rebuild a trajectory from OpenAI-style messages (the inverse of `Trajectory.to_messages`).

    The first user message is the query (a leading system message the task instruction); each
    assistant message opens a step; tool messages fill that step's `next_observation` in call
    order (matched by `tool_call_id` when they carry one); later user messages become the
    step's `user_input`. Raises `ValueError` for a message that cannot be read.
    """
    query: str | None = None
    steps: list[Step] = []
    results: list[list[tuple[str | None, Any]]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise ValueError(f"message {index} is not an object")
        role = message.get("role")
        content = message.get("content")
        if role == "system":
            if query is None and not steps:
                task_instruction = str(content or "")
                continue
            role = "user"
        if role == "user":
            text = "" if content is None else _as_text(content)
            if not steps:
                query = text if query is None else f"{query}\n{text}"
            else:
                last = steps[-1]
                last.user_input = text if last.user_input is None else f"{last.user_input}\n{text}"
        elif role == "assistant":
            calls = []
            for raw in message.get("tool_calls") or []:
                if not isinstance(raw, Mapping):
                    raise ValueError(f"message {index} has a tool call that is not an object")
                fn = raw.get("function", raw)
                call = {"name": fn.get("name"), "arguments": fn.get("arguments", {})}
                if isinstance(raw.get("id"), str) and raw["id"]:
                    call["id"] = raw["id"]
                calls.append(call)
            text = "" if content is None else _as_text(content)
            if calls:
                steps.append(
                    Step.model_validate(
                        {"step_id": len(steps) + 1, "thought": text, "tool_calls": calls}
                    )
                )
            else:
                steps.append(Step(step_id=len(steps) + 1, answer=text))
            results.append([])
        elif role in ("tool", "function", "ipython", "observation"):
            if not steps:
                raise ValueError(f"message {index} is a tool result before any assistant turn")
            results[-1].append((message.get("tool_call_id"), _from_text(content)))
        else:
            raise ValueError(f"message {index} has an unknown role {role!r}")
    for step, got in zip(steps, results, strict=True):
        if got:
            step.next_observation = _order_results(step, got)
    traj = Trajectory(
        unique_trajectory_id=trajectory_id or Trajectory().unique_trajectory_id,
        task_instruction=task_instruction,
        query=query or "",
        tools=tools or [],
        steps=steps,
    )
    traj.outcome = _infer_outcome(steps)
    traj.answer = _final_answer(steps)
    traj.finished_at = traj.created_at
    return traj


def _order_results(step: Step, got: list[tuple[str | None, Any]]) -> list[Any]:
    """Results in call order: by `tool_call_id` when every result names a call, else as given."""
    ids = [call_id(step, i) for i in range(len(step.tool_calls))]
    if len(got) == len(ids) and all(cid in ids for cid, _ in got):
        by_id = dict(got)
        if len(by_id) == len(ids):
            return [by_id[cid] for cid in ids]
    return [value for _, value in got]


# ---------------------------------------------------------------------------------------------
# openai


def to_openai(traj: Trajectory) -> dict[str, Any]:
    """`{"id", "messages", "tools"}` in chat-completions form (JSON-string arguments/results)."""
    messages = traj.to_messages(system=True)
    for m in messages:
        for call in m.get("tool_calls") or []:
            call["function"]["arguments"] = json.dumps(
                call["function"]["arguments"], ensure_ascii=False
            )
        if m["role"] == "tool":
            m["content"] = _as_text(m["content"])
    return {
        "id": traj.unique_trajectory_id,
        "messages": messages,
        "tools": [{"type": "function", "function": dict(t)} for t in traj.tools],
    }


def from_openai(record: Mapping[str, Any] | list[Any]) -> Trajectory:
    """From `{"messages", "tools"?, "id"?}` or a bare list of messages."""
    if isinstance(record, list):
        record = {"messages": record}
    messages = record.get("messages")
    if not isinstance(messages, list):
        raise ValueError("an openai record needs a 'messages' list")
    tid = record.get("id")
    return trajectory_from_messages(
        messages,
        record.get("tools") or [],
        trajectory_id=str(tid) if tid is not None else _record_id(record, "openai"),
    )


# ---------------------------------------------------------------------------------------------
# actionstudio


def to_actionstudio(traj: Trajectory) -> dict[str, Any]:
    """ActionStudio's conversation record: calls as `{"function": {"name", "arguments"}}`."""
    conversation = traj.to_messages()
    for m in conversation:
        for call in m.get("tool_calls") or []:
            call.pop("type", None)
    return {
        "unique_trajectory_id": traj.unique_trajectory_id,
        "task_instruction": traj.task_instruction,
        "tools": [dict(t) for t in traj.tools],
        "conversation": conversation,
    }


def from_actionstudio(record: Mapping[str, Any]) -> Trajectory:
    """From an ActionStudio conversation record (`conversation` of OpenAI-style messages)."""
    conversation = record.get("conversation")
    if not isinstance(conversation, list):
        raise ValueError("an actionstudio record needs a 'conversation' list")
    tid = record.get("unique_trajectory_id")
    return trajectory_from_messages(
        conversation,
        _json_field(record.get("tools") or [], "tools"),
        trajectory_id=str(tid) if tid else _record_id(record, "actionstudio"),
        task_instruction=str(record.get("task_instruction") or ""),
    )


# ---------------------------------------------------------------------------------------------
# apigen-mt


def to_apigen_mt(traj: Trajectory) -> dict[str, Any]:
    """APIGen-MT-5k's record: one `function_call` turn per call, one `observation` per result."""
    turns: list[dict[str, str]] = [{"from": "human", "value": traj.query}]
    for m in traj.to_messages()[1:]:
        if m["role"] == "assistant" and m.get("tool_calls"):
            for call in m["tool_calls"]:
                fn = call["function"]
                turns.append(
                    {
                        "from": "function_call",
                        "value": json.dumps(
                            {"name": fn["name"], "arguments": fn["arguments"]}, ensure_ascii=False
                        ),
                    }
                )
        elif m["role"] == "assistant":
            turns.append({"from": "gpt", "value": _as_text(m["content"] or "")})
        elif m["role"] == "tool":
            turns.append({"from": "observation", "value": _as_text(m["content"])})
        else:
            turns.append({"from": "human", "value": _as_text(m["content"])})
    return {
        "system": traj.task_instruction,
        "tools": json.dumps(traj.tools, ensure_ascii=False),
        "conversations": turns,
    }


def from_apigen_mt(record: Mapping[str, Any]) -> Trajectory:
    """From an APIGen-MT-5k record. Consecutive `function_call` turns are one (parallel) step."""
    turns = record.get("conversations")
    if not isinstance(turns, list):
        raise ValueError("an apigen-mt record needs a 'conversations' list")
    messages: list[dict[str, Any]] = []
    for index, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            raise ValueError(f"conversation turn {index} is not an object")
        who, value = turn.get("from"), turn.get("value")
        if who == "human":
            messages.append({"role": "user", "content": value})
        elif who == "gpt":
            messages.append({"role": "assistant", "content": value})
        elif who == "function_call":
            decoded = _json_field(value, f"function_call turn {index}")
            calls = decoded if isinstance(decoded, list) else [decoded]
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].extend(calls)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": calls})
        elif who == "observation":
            messages.append({"role": "tool", "content": value})
        else:
            raise ValueError(f"conversation turn {index} has an unknown 'from': {who!r}")
    tid = record.get("id")
    return trajectory_from_messages(
        messages,
        _json_field(record.get("tools") or [], "tools"),
        trajectory_id=str(tid) if tid is not None else _record_id(record, "apigen-mt"),
        task_instruction=str(record.get("system") or ""),
    )


# ---------------------------------------------------------------------------------------------
# xlam-function-calling-60k


def to_xlam60k(traj: Trajectory, index: int = 0) -> dict[str, Any]:
    """xlam-60k's record: the query, the tools and the first step's calls (as JSON strings).

    `id` is the record's own id when it came from xlam-60k, else `index`.
    """
    first = next((s for s in traj.steps if s.tool_calls), None)
    answers = (
        []
        if first is None
        else [
            {"name": c.get("name"), "arguments": c.get("arguments", {})} for c in first.tool_calls
        ]
    )
    given = traj.metadata.get("xlam60k_id")
    return {
        "id": given if isinstance(given, int) else index,
        "query": traj.query,
        "tools": json.dumps(traj.tools, ensure_ascii=False),
        "answers": json.dumps(answers, ensure_ascii=False),
    }


def from_xlam60k(record: Mapping[str, Any]) -> Trajectory:
    """From an xlam-60k record: one step holding the answer calls, outcome `answer`."""
    if "query" not in record or "answers" not in record:
        raise ValueError("an xlam60k record needs 'query' and 'answers'")
    answers = _json_field(record["answers"], "answers")
    if not isinstance(answers, list):
        raise ValueError("answers must be a JSON list of calls")
    given = record.get("id")
    traj = Trajectory(
        unique_trajectory_id=f"xlam60k-{given}"
        if given is not None
        else _record_id(record, "xlam60k"),
        query=str(record["query"]),
        tools=_json_field(record.get("tools") or [], "tools"),
        steps=[Step.model_validate({"step_id": 1, "tool_calls": answers})] if answers else [],
        outcome="answer",
        metadata={"xlam60k_id": given} if given is not None else {},
    )
    traj.finished_at = traj.created_at
    return traj


# ---------------------------------------------------------------------------------------------
# dispatch


def detect_format(record: Any) -> str:
    """Guess a record's format from its keys (`ValueError` when none fits)."""
    if isinstance(record, list):
        return "openai"
    if not isinstance(record, Mapping):
        raise ValueError(f"a record must be a JSON object, got {type(record).__name__}")
    if "steps" in record:
        return "unified"
    if "conversation" in record:
        return "actionstudio"
    if "conversations" in record:
        return "apigen-mt"
    if "messages" in record:
        return "openai"
    if "answers" in record:
        return "xlam60k"
    if "query" in record:
        return "unified"
    raise ValueError(
        "cannot tell the record's format from its keys "
        f"{sorted(record)[:8]}; pass one of {', '.join(FORMATS)}"
    )


_READERS: dict[str, Callable[[Any], Trajectory]] = {
    "unified": Trajectory.from_unified,
    "openai": from_openai,
    "actionstudio": from_actionstudio,
    "apigen-mt": from_apigen_mt,
    "xlam60k": from_xlam60k,
}


def _check_format(fmt: str, *, auto: bool) -> None:
    allowed = (*FORMATS, "auto") if auto else FORMATS
    if fmt not in allowed:
        raise TrajectoryError(f"unknown record format {fmt!r}; use one of: {', '.join(allowed)}")


def to_record(
    traj: Trajectory, fmt: str = "unified", *, strict: bool = False, index: int = 0
) -> dict[str, Any]:
    """One trajectory as a record of `fmt` (`strict`: figure-4 fields only, for `unified`)."""
    _check_format(fmt, auto=False)
    if fmt == "unified":
        return traj.to_unified() if strict else traj.to_record()
    if fmt == "openai":
        return to_openai(traj)
    if fmt == "actionstudio":
        return to_actionstudio(traj)
    if fmt == "apigen-mt":
        return to_apigen_mt(traj)
    return to_xlam60k(traj, index)


def from_record(record: Any, fmt: str = "auto") -> Trajectory:
    """A record of `fmt` (or of a detected format) as a Trajectory.

    Raises `ValueError` (pydantic's `ValidationError` included) for a record it cannot read.
    """
    _check_format(fmt, auto=True)
    if fmt == "auto":
        fmt = detect_format(record)
    if fmt != "openai" and not isinstance(record, Mapping):
        raise ValueError(f"a {fmt} record must be a JSON object, got {type(record).__name__}")
    return _READERS[fmt](record)


# ---------------------------------------------------------------------------------------------
# JSONL files


def write_jsonl(
    trajectories: Iterable[Trajectory],
    path: str | os.PathLike[str],
    fmt: str = "unified",
    *,
    strict: bool = False,
) -> int:
    """Write one record per line; returns how many were written.

    The file is written beside the target and renamed into place, so a crash never leaves a
    half-written export under the final name.
    """
    _check_format(fmt, auto=False)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    count = 0
    try:
        with partial.open("w", encoding="utf-8") as out:
            for index, traj in enumerate(trajectories):
                record = to_record(traj, fmt, strict=strict, index=index)
                out.write(_json_line(record))
                count += 1
        os.replace(partial, target)
    except OSError as exc:
        raise TrajectoryError(f"cannot write {target}: {exc}") from exc
    return count


def _json_line(record: Any) -> str:
    """One JSONL line; text a UTF-8 file cannot hold (lone surrogates) is written escaped."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record, ensure_ascii=True) + "\n"
    return line


def iter_jsonl(
    path: str | os.PathLike[str], fmt: str = "auto"
) -> Iterator[tuple[int, Trajectory | ImportIssue]]:
    """`(line number, item)` per line of a JSONL file: a Trajectory, or an ImportIssue when the
    line cannot be read.

    Blank lines are skipped. A line that cannot be read (bad UTF-8, bad JSON, JSON nested too
    deeply, a record of the wrong shape) is an ImportIssue naming its line number, and reading
    goes on. Only a missing or unreadable file raises (`TrajectoryError`).
    """
    _check_format(fmt, auto=True)
    source = Path(path)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise TrajectoryError(f"cannot read {source}: {exc.strerror or exc}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, ImportIssue(line=number, message=f"not UTF-8 text: {exc.reason}")
                continue
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except RecursionError:
                yield number, ImportIssue(line=number, message="JSON nested too deeply to read")
                continue
            except ValueError as exc:
                truncated = "" if text.endswith("\n") else " (truncated last line?)"
                yield number, ImportIssue(line=number, message=f"invalid JSON{truncated}: {exc}")
                continue
            try:
                yield number, from_record(record, fmt)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                yield (
                    number,
                    ImportIssue(
                        line=number,
                        message=f"not a {fmt} record: {where}: {first['msg']} "
                        f"({exc.error_count()} error(s))",
                    ),
                )
            except RecursionError:
                yield (
                    number,
                    ImportIssue(line=number, message=f"not a {fmt} record: nested too deeply"),
                )
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                yield number, ImportIssue(line=number, message=f"not a {fmt} record: {exc}")


def read_jsonl(
    path: str | os.PathLike[str], fmt: str = "auto"
) -> tuple[list[Trajectory], list[ImportIssue]]:
    """Load every readable line of a JSONL file; the rest are reported, never raised."""
    loaded: list[Trajectory] = []
    issues: list[ImportIssue] = []
    for _, item in iter_jsonl(path, fmt):
        if isinstance(item, ImportIssue):
            issues.append(item)
        else:
            loaded.append(item)
    return loaded, issues
