"""Render one trajectory as a self-contained HTML page: timeline, calls, errors, raw output, usage.

Everything from the trajectory (model output, tool results, arguments) is untrusted, so it only
reaches the page through Jinja2's autoescaping; the page's own style and script are inline
constants, and its Content-Security-Policy forbids loading anything (no network access) and
running any script but its own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from lamagent import __version__
from lamagent.messages import Usage
from lamagent.records import CallError, CallRecord
from lamagent.trajectory import Step, Trajectory
from lamagent.viewer.template import PAGE, SCRIPT, STYLE

__all__ = ["render_run_page"]

_PHASES = ("render", "generate", "execute")


@dataclass
class Segment:
    """One coloured part of a timeline bar: a phase of a step, or a call."""

    kind: str
    #: percent of the bar
    share: float
    time: str


@dataclass
class TimelineRow:
    """One bar of the timeline: a step (its phases) or one of its calls."""

    kind: str
    step_id: int
    label: str
    left: float
    width: float
    time: str
    segments: list[Segment] = field(default_factory=list)


def _environment() -> Environment:
    return Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


_PAGE = _environment().from_string(PAGE)


def render_run_page(trajectory: Trajectory) -> str:
    """The whole page for `trajectory`, as one HTML string that needs nothing else to display."""
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'"
    )
    return _PAGE.render(
        run=_run_view(trajectory),
        style=Markup(STYLE),
        script=Markup(SCRIPT),
        csp=csp,
        version=__version__,
    )


def _run_view(traj: Trajectory) -> dict[str, Any]:
    steps = list(traj.steps)
    usage = traj.usage if traj.usage.requests else _sum_usage(steps)
    phase_totals = {p: sum(s.timings.get(p, 0.0) for s in steps) for p in _PHASES}
    duration = traj.finished_at - traj.created_at if traj.finished_at is not None else None
    totals: list[tuple[str, str]] = [
        ("prompt tokens", f"{usage.prompt_tokens:,}"),
        ("evaluated prompt tokens", f"{usage.evaluated_tokens:,}"),
        ("completion tokens", f"{usage.completion_tokens:,}"),
        ("model requests", f"{usage.requests:,}"),
        *((f"{phase} time", _seconds(t)) for phase, t in phase_totals.items()),
    ]
    outcome_class = {"answer": "ok", "running": "warn", "incomplete": "warn"}.get(
        traj.outcome, "bad"
    )
    return {
        "id": traj.unique_trajectory_id,
        "outcome": traj.outcome,
        "outcome_class": outcome_class,
        "model_id": traj.model_id,
        "format": traj.format,
        "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(traj.created_at)),
        "duration": _seconds(duration) if duration is not None else "",
        "query": traj.query,
        "answer": traj.answer,
        "error": traj.error,
        "system_prompt": traj.task_instruction,
        "schema_version": traj.schema_version,
        "totals": totals,
        "timeline": _timeline(steps),
        "steps": [_step_view(s) for s in steps],
        "call_count": sum(len(s.calls) for s in steps),
        "tools": traj.tools,
        "tools_json": _pretty(traj.tools),
    }


def _sum_usage(steps: list[Step]) -> Usage:
    total = Usage()
    for step in steps:
        total = total + step.usage
    return total


def _step_seconds(step: Step) -> float:
    timings = step.timings
    if "total" in timings:
        return timings["total"]
    return sum(timings.get(p, 0.0) for p in _PHASES)


def _timeline(steps: list[Step]) -> list[TimelineRow]:
    """Bars on one time axis from the first step's start to the last step's end."""
    if not steps:
        return []
    origin = min(s.started_at for s in steps)
    end = max(s.started_at + _step_seconds(s) for s in steps)
    span = max(end - origin, 1e-9)

    def pct(seconds: float) -> float:
        return round(max(0.0, min(100.0, seconds / span * 100.0)), 3)

    rows: list[TimelineRow] = []
    for step in steps:
        offset = step.started_at - origin
        total = _step_seconds(step)
        phases = {p: step.timings[p] for p in _PHASES if step.timings.get(p)}
        whole = sum(phases.values())
        segments = [Segment(p, round(t / whole * 100.0, 3), _seconds(t)) for p, t in phases.items()]
        if not segments and total:  # a step cut short records only its total
            segments = [Segment("partial", 100.0, _seconds(total))]
        rows.append(
            TimelineRow(
                "tl-step",
                step.step_id,
                f"Step {step.step_id}",
                pct(offset),
                pct(total),
                _seconds(total) if step.timings else "not timed",
                segments,
            )
        )
        execute_at = offset + step.timings.get("render", 0.0) + step.timings.get("generate", 0.0)
        for record in step.calls:
            seconds = record.seconds or 0.0
            kind = "failed" if record.error is not None else "tool"
            rows.append(
                TimelineRow(
                    "tl-call",
                    step.step_id,
                    str(record.name),
                    pct(execute_at),
                    pct(seconds),
                    _call_time(record),
                    [Segment(kind, 100.0, _seconds(seconds))],
                )
            )
    return rows


def _call_time(record: CallRecord) -> str:
    if record.seconds is not None:
        return _seconds(record.seconds)
    if isinstance(record.error, CallError):
        return "did not run"
    if record.duplicate_of is not None:
        return f"reused #{record.duplicate_of}"
    return "not timed"


def _step_view(step: Step) -> dict[str, Any]:
    badges: list[tuple[str, str]] = []
    if step.answer is not None:
        badges.append(("answer", "ok"))
    if step.calls:
        n = len(step.calls)
        badges.append((f"{n} call{'' if n == 1 else 's'}", ""))
    failed = sum(1 for c in step.calls if c.error is not None)
    if failed:
        badges.append((f"{failed} failed", "bad"))
    if step.parse_error is not None:
        badges.append(("unreadable output", "bad"))
    timings = ", ".join(f"{p} {_seconds(step.timings[p])}" for p in _PHASES if p in step.timings)
    if not timings and "total" in step.timings:
        timings = f"total {_seconds(step.timings['total'])}"
    usage = step.usage
    return {
        "id": step.step_id,
        "badges": badges,
        "timing_text": timings,
        "usage_text": (
            f"{usage.prompt_tokens:,} prompt / {usage.completion_tokens:,} completion tokens"
        ),
        "thought": step.thought,
        "parse_error": step.parse_error,
        "calls": [_call_view(c) for c in step.calls],
        "answer": step.answer,
        # what came back that belongs to no single call (e.g. the feedback after bad output)
        "observation": _pretty(step.observation) if step.observation is not None else "",
        "user_input": step.user_input,
        "raw_output": step.raw_output,
    }


def _call_view(record: CallRecord) -> dict[str, Any]:
    effective = record.effective
    written = record.call
    changed = record.verified is not None and record.verified != written
    error = record.error
    return {
        "name": str(record.name),
        "index": record.index,
        "call_id": record.call_id,
        "time": _seconds(record.seconds) if record.seconds is not None else "",
        "arguments": _pretty(effective.get("arguments", {})),
        "written": _pretty(written.get("arguments", {})) if changed else "",
        "repairs": [
            {
                "argument": r.argument,
                "kind": r.kind,
                "original": _compact(r.original),
                "repaired": _compact(r.repaired),
            }
            for r in record.repairs
        ],
        "error_kind": error.kind if error is not None else "",
        "error_message": error.message if error is not None else "",
        "duplicate_of": record.duplicate_of,
        "result": _pretty(record.result),
    }


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _compact(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _seconds(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"
