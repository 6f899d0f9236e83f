"""A single-turn BFCL case run by the Agent: verification, repairs, error feedback, retries.

The "agent" settings measure the runtime, not one generation. The case's functions become tools
that need approval, and the Agent runs with `approval="defer"`: a turn whose calls all verify
pauses the run (outcome "needs_approval") before anything runs, and those verified calls (after
the Agent's coercions and repairs) are what the case is scored on. BFCL's functions have no
implementations, so there is nothing to run anyway; the deferred approval is the loop's own
way of handing a turn's calls to the caller. Everything before that is the ordinary loop:
unreadable output and calls that fail verification come back to the model as the observations
it reads, and it tries again, within `Limits.max_steps`.

A turn where some calls verify and others do not also pauses (its valid calls wait); the
valid ones are then denied with a message that asks for the whole turn again, so the model
retries with the errors in view, and only a turn whose calls all verify is scored. A text
answer is scored as text (irrelevance passes on it). A run that ends at a limit without such a
turn is scored on its last turn as written, as a single generation would be.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lamagent.errors import BackendError, ConfigError, ToolDefinitionError
from lamagent.eval.bfcl_data import BFCLCase
from lamagent.eval.checker import check_bfcl
from lamagent.eval.report import CaseResult
from lamagent.generation import GenerationParams
from lamagent.messages import Usage
from lamagent.settings import Limits

if TYPE_CHECKING:
    from lamagent.agent import Agent
    from lamagent.backends.base import ModelBackend
    from lamagent.formats.base import Format
    from lamagent.formats.choice import ToolChoice
    from lamagent.gate import CallGate
    from lamagent.tools import Tool
    from lamagent.trajectory import Step

__all__ = ["AGENT_LIMITS", "RETRY_ALL_CALLS", "case_tools", "run_agent_case"]

#: The default bound of an agent setting: one user turn, a few steps.
AGENT_LIMITS = Limits(max_steps=3)
#: What the model reads about its valid calls when another call of the same turn failed.
RETRY_ALL_CALLS = (
    "not run, because another call of this turn is invalid; write all the calls of the turn "
    "again, each one valid"
)


def case_tools(case: BFCLCase) -> list[Tool]:
    """The case's functions as tools (BFCL specs through `Tool.from_spec`, the same schemas a
    single generation sees) that need approval, so a run stops at its first verified calls."""
    from lamagent.tools import Tool

    tools = []
    for spec in case.prompt_functions:
        tool = Tool.from_spec(spec)
        tools.append(Tool(tool.name, tool.description, tool.parameters, requires_approval=True))
    return tools


def _agent(
    backend: ModelBackend,
    tools: Sequence[Tool],
    fmt: Format,
    setting: _Setting,
    limits: Limits,
) -> Agent:
    from lamagent.agent import Agent

    return Agent(
        backend,
        list(tools),
        format=fmt,
        constrained=setting.constrained,
        tool_choice=setting.tool_choice,
        gate=setting.gate,
        profile=None,  # the setting measured, nothing else
        # a calls-only setting stays calls-only on its retries
        reset_tool_choice=False,
        limits=limits,
        generation=setting.generation,
        approval="defer",
    )


@dataclass(frozen=True)
class _Setting:
    constrained: bool
    tool_choice: ToolChoice
    generation: GenerationParams
    gate: CallGate | None


def _verified(step: Step) -> list[dict[str, Any]] | None:
    """The step's calls as verified, when every one of them verified (else None)."""
    verified = [r.verified for r in step.calls]
    if not verified or any(v is None for v in verified):
        return None
    return [{"name": v["name"], "arguments": v["arguments"]} for v in verified if v is not None]


async def run_agent_case(
    case: BFCLCase,
    backend: ModelBackend,
    fmt: Format,
    *,
    constrained: bool = False,
    tool_choice: ToolChoice = "auto",
    generation: GenerationParams | None = None,
    limits: Limits | None = None,
    gate: CallGate | None = None,
) -> CaseResult:
    """Run `case`'s first turn through the Agent and score its first calls that all verify
    (or its text answer); `CaseResult.steps` counts the model turns it took."""
    from lamagent.agent import Decision

    started = time.perf_counter()
    limits = limits or AGENT_LIMITS
    setting = _Setting(constrained, tool_choice, generation or GenerationParams(), gate)
    *history, last = case.messages
    if last.get("role") != "user":
        raise ConfigError(f"case {case.id}: its first turn must end with a user message")
    usage = Usage()
    try:
        tools = case_tools(case)
        result = await _agent(backend, tools, fmt, setting, limits).arun(
            str(last.get("content") or ""), history
        )
        usage = usage + result.usage
        calls: list[dict[str, Any]] | None = None
        while result.outcome == "needs_approval":
            calls = _verified(result.trajectory.steps[-1])
            left = limits.max_steps - len(result.trajectory.steps)
            if calls is not None or left < 1:
                break
            # some calls failed: deny the valid ones too, so the model writes the turn again
            denials = [
                Decision.deny(r.call_id, RETRY_ALL_CALLS) for r in result.trajectory.pending_calls
            ]
            again = _agent(
                backend, tools, fmt, setting, limits.model_copy(update={"max_steps": left})
            )
            result = await again.aresume(result.trajectory, denials)
            usage = usage + result.usage
    except (BackendError, ToolDefinitionError) as exc:
        seconds = time.perf_counter() - started
        return CaseResult.generation_error(case.id, case.category, exc, seconds)
    steps = result.trajectory.steps
    last_step = steps[-1] if steps else None
    base = CaseResult(
        id=case.id,
        category=case.category,
        passed=False,
        output=last_step.raw_output if last_step is not None else "",
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        steps=len(steps),
    )
    parse_error: str | None = None
    note = ""
    if result.outcome == "error" or last_step is None:
        return base.model_copy(
            update={
                "reason": "generation_error",
                "detail": result.error or "the run failed",
                "seconds": time.perf_counter() - started,
            }
        )
    if result.outcome == "answer":
        calls = []  # a text answer: no call
    elif calls is None:
        # a limit before any turn's calls all verified: the last turn, as the model wrote it
        calls = [
            {"name": r.call["name"], "arguments": r.call["arguments"]} for r in last_step.calls
        ]
        parse_error = last_step.parse_error
        # (a turn of partly valid calls paused at the step limit has outcome needs_approval)
        limit = "max_steps" if result.outcome == "needs_approval" else result.outcome
        note = f"no turn's calls all verified in {len(steps)} steps ({limit})"
    verdict = check_bfcl(
        case.record, case.ground_truth, calls, category=case.category, parse_error=parse_error
    )
    detail = "; ".join(part for part in (note, verdict.detail) if part)
    return base.model_copy(
        update={
            "passed": verdict.passed,
            "reason": verdict.reason,
            "detail": detail,
            "calls": calls,
            "seconds": time.perf_counter() - started,
        }
    )
