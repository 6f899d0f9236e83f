"""Running BFCL multi-turn cases through the real Agent loop, one session per case.

Each case gets two fresh sets of environment instances: the agent's, whose public methods are
its tools, and the ground truth's. Each user turn is one `send` of the case's session (the Agent
plans, calls, observes, retries until it answers or reaches its step limit); then the turn's
ground-truth calls run on the second set and the checker compares (see `checker`). The case
stops at its first failing turn, and the whole case is bounded in time. A `miss_func` case
offers its held-out functions from their turn on (the session continues with an agent that has
them), with BFCL's user message for that turn.

The model "gold" replays the ground truth turn by turn through the same loop (a scripted model:
each turn's calls in one reply, then an answer): it checks the environments, the tools, the
loop and the checker together and must score 100%.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lamagent.errors import ConfigError
from lamagent.eval.bfcl_data import select_cases
from lamagent.eval.multi_turn.calls import execute_ground_truth, parse_ground_truth
from lamagent.eval.multi_turn.checker import TurnCheck, check_turn
from lamagent.eval.multi_turn.data import MultiTurnCase, load_multi_turn
from lamagent.eval.multi_turn.environments import Environment
from lamagent.eval.multi_turn.report import MultiTurnCaseResult, MultiTurnReport, TurnResult
from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.eval.results_file import ResultsFile, read_results
from lamagent.generation import GenerationParams
from lamagent.messages import ToolCall, Usage
from lamagent.settings import Limits, settings_from
from lamagent.trajectory import Step, Trajectory, TrajectoryStore, open_store
from lamagent.turns import resolve_format

if TYPE_CHECKING:
    from lamagent.agent import Session
    from lamagent.backends.base import ModelBackend
    from lamagent.formats.base import Format
    from lamagent.gate import CallGate

__all__ = [
    "ADDED_FUNCTIONS_MESSAGE",
    "GOLD",
    "aevaluate_multi_turn",
    "evaluate_multi_turn",
    "gold_backend",
]

#: The model name of the ground-truth oracle.
GOLD = "gold"
#: What the user says on the turn that brings held-out functions (BFCL's own message).
ADDED_FUNCTIONS_MESSAGE = "I have updated some more functions you can choose from. What about now?"
_GOLD_ANSWER = "Done."
_GOLD_MAX_TOKENS = 1 << 16
_GOLD_QUESTION = "I cannot do that with what I have; what is missing?"
#: BFCL's step limit per turn, the default `Limits` of a multi-turn run.
DEFAULT_LIMITS = Limits(max_steps=20)


@dataclass(frozen=True)
class _Options:
    constrained: bool
    limits: Limits
    generation: GenerationParams
    max_case_seconds: float | None
    gate: CallGate | None = None


def run_settings(
    limits: Limits | None,
    generation: GenerationParams | None,
    **shorthand: Any,
) -> tuple[Limits, GenerationParams]:
    """The run's `Limits` and `GenerationParams`: the objects given (default: BFCL's 20 steps
    per turn, greedy, 512 tokens), with the shorthands that are not None applied over them,
    as the Agent resolves its keywords (`lamagent.settings.settings_from`)."""
    given = {k: v for k, v in shorthand.items() if v is not None}
    resolved, params, _ = settings_from(
        given, limits=limits or DEFAULT_LIMITS, generation=generation
    )
    return resolved, params


class _CaseStore:
    """A store that tags each trajectory it starts with the case it belongs to."""

    def __init__(self, inner: TrajectoryStore, metadata: dict[str, Any]) -> None:
        self._inner = inner
        self._metadata = metadata

    def start(self, trajectory: Trajectory) -> None:
        trajectory.metadata.update(self._metadata)
        self._inner.start(trajectory)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        self._inner.add_step(trajectory_id, step)

    def update_step(self, trajectory_id: str, step: Step) -> None:
        self._inner.update_step(trajectory_id, step)

    def finish(
        self,
        trajectory_id: str,
        *,
        outcome: Any,
        answer: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        self._inner.finish(trajectory_id, outcome=outcome, answer=answer, error=error, usage=usage)

    def get(self, trajectory_id: str) -> Trajectory | None:
        return self._inner.get(trajectory_id)

    def query(self, *args: Any, **kwargs: Any) -> list[Trajectory]:
        return self._inner.query(*args, **kwargs)

    def __iter__(self) -> Iterator[Trajectory]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def close(self) -> None:
        """The wrapped store stays open: the run that passed it in owns it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def gold_backend(case: MultiTurnCase, format: Format | str = "xlam2-qwen") -> ModelBackend:
    """A scripted model that replies to each turn with its ground-truth calls, then answers
    (and asks, on a turn whose ground truth is empty)."""
    from lamagent.backends.scripted import ScriptedBackend, ScriptedReply

    names = Environment(case.involved_classes, {}, long_context=False)
    replies: list[ScriptedReply] = []
    for truth in case.ground_truth:
        if truth:
            calls = [parse_ground_truth(text) for text in truth]
            replies.append([ToolCall(name=c.name, arguments=c.arguments(names)) for c in calls])
            replies.append(_GOLD_ANSWER)
        else:
            replies.append(_GOLD_QUESTION)
    return ScriptedBackend.calls(replies, format=format)


def _user_text(messages: Sequence[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "user")


@dataclass
class _CaseProgress:
    """What a case has done so far: turns judged, result texts seen, calls, usage."""

    turns: list[TurnResult] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    answer: str | None = None


async def _run_turn(
    session: Session,
    text: str,
    turn: int,
    case: MultiTurnCase,
    agent_env: Environment,
    truth_env: Environment,
    run: _CaseProgress,
) -> TurnResult:
    """One user turn: the agent's run, then the ground truth's, then the check."""
    before = len(session.messages)
    result = await session.asend(text)
    run.usage = run.usage + result.usage
    run.answer = result.answer
    calls = [
        {"name": c.name, "arguments": c.arguments}
        for m in result.messages[before:]
        if m.role == "assistant"
        for c in m.tool_calls
    ]
    run.calls += [{"turn": turn, **c} for c in calls]
    run.seen += agent_env.take_log()
    truth = case.ground_truth[turn]
    truth_results = execute_ground_truth(truth_env, truth)
    check = check_turn(turn, truth, truth_results, len(calls), run.seen, agent_env, truth_env)
    if check.passed and result.outcome != "answer":
        check = TurnCheck(turn, False, "no_answer", f"{result.outcome}: {result.error}")
    judged = TurnResult(
        turn=turn,
        passed=check.passed,
        reason=check.reason,
        detail=check.detail,
        outcome=result.outcome,
        answer=result.answer,
        steps=result.steps,
        calls=calls,
    )
    run.turns.append(judged)
    return judged


async def _run_case(
    case: MultiTurnCase,
    backend: ModelBackend,
    fmt: Format,
    options: _Options,
    store: TrajectoryStore | None,
) -> MultiTurnCaseResult:
    from lamagent.agent import Agent

    started = time.perf_counter()
    agent_env = Environment(
        case.involved_classes, case.initial_config, long_context=case.long_context
    )
    truth_env = Environment(
        case.involved_classes, case.initial_config, long_context=case.long_context
    )
    case_store = (
        _CaseStore(store, {"bfcl_id": case.id, "bfcl_category": case.category})
        if store is not None
        else None
    )

    def agent_at(turn: int) -> Agent:
        return Agent(
            backend,  # type: ignore[arg-type]
            tools=agent_env.tools(bfcl_prompt_docs(case.functions_at(turn), case.category)),
            format=fmt,
            constrained=options.constrained,
            gate=options.gate,
            profile=None,  # the setting the options name, nothing else
            limits=options.limits,
            generation=options.generation,
            # Environment calls change state in order: run a turn's calls one after another.
            parallel_tool_calls=False,
            store=case_store,  # type: ignore[arg-type]
        )

    session = agent_at(0).session()
    run = _CaseProgress()
    turn = 0
    with anyio.move_on_after(options.max_case_seconds) as scope:
        for turn, messages in enumerate(case.turns):
            added = [d["name"] for d in case.added_at(turn)] if turn > 0 else []
            if added:
                session.agent = agent_at(turn)
            text = _user_text(messages) or ADDED_FUNCTIONS_MESSAGE
            result = await _run_turn(session, text, turn, case, agent_env, truth_env, run)
            result.added_functions = added
            if not result.passed:
                break
    turns = run.turns
    if scope.cancelled_caught:
        limit = f"the case ran past max_case_seconds={options.max_case_seconds}"
        turns.append(TurnResult(turn=turn, passed=False, reason="case_timeout", detail=limit))
    failed = next((t for t in turns if not t.passed), None)
    trajectory = session.trajectory
    return MultiTurnCaseResult(
        id=case.id,
        category=case.category,
        passed=failed is None and len(turns) == len(case.turns),
        reason=failed.reason if failed else None,
        detail=f"turn {failed.turn}: {failed.detail}" if failed else "",
        output=run.answer or "",
        calls=run.calls,
        seconds=time.perf_counter() - started,
        prompt_tokens=run.usage.prompt_tokens,
        completion_tokens=run.usage.completion_tokens,
        steps=sum(t.steps for t in turns),
        turns=len(case.turns),
        failed_turn=failed.turn if failed else None,
        turn_results=turns,
        trajectory_id=trajectory.unique_trajectory_id if trajectory is not None else None,
    )


async def aevaluate_multi_turn(
    model: ModelBackend | str = "default",
    categories: Sequence[str] | None = None,
    *,
    data: str | os.PathLike[str] | None = None,
    cases: Sequence[MultiTurnCase] | None = None,
    format: Format | str | None = None,
    constrained: bool = False,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    results: str | os.PathLike[str] | None = None,
    store: TrajectoryStore | str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    generation: GenerationParams | None = None,
    gate: CallGate | None = None,
    max_case_seconds: float | None = 600.0,
    progress: bool = True,
    max_steps: int | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> MultiTurnReport:
    """The async form of `evaluate_multi_turn`."""
    limits, generation = run_settings(
        limits, generation, max_steps=max_steps, max_tokens=max_tokens, temperature=temperature
    )
    backend: ModelBackend | None = None
    owned = False
    if isinstance(model, str) and model == GOLD:
        label = GOLD
    elif isinstance(model, str):
        from lamagent.backends import load_model

        backend = load_model(None if model == "default" else model)
        owned = True
        label = backend.info.model_id
    else:
        backend = model
        label = backend.info.model_id
    fmt = resolve_format(backend, format)
    if cases is None:
        cases = load_multi_turn(categories, data)
        source = str(data) if data is not None else "bfcl-eval"
    else:
        cases = [c for c in cases if not categories or c.category in categories]
        source = "cases"
    chosen = select_cases(cases, limit=limit, sample=sample, seed=seed)
    if gate is not None and label == GOLD:
        raise ConfigError("the gold oracle replays the ground truth: it takes no call gate")
    # The oracle's replies are the ground truth, however long (a long-context tweet passes 512).
    params = generation
    if label == GOLD:
        params = generation.model_copy(
            update={"max_tokens": max(generation.max_tokens, _GOLD_MAX_TOKENS)}
        )
    options = _Options(constrained, limits, params, max_case_seconds, gate)
    setting: dict[str, Any] = {
        "model": label,
        "format": fmt.name,
        "constrained": constrained,
        "tool_choice": "auto",
        "max_steps": limits.max_steps,
        "gate": gate.to_dict() if gate is not None else None,
        "copy_bias": params.copy_bias,
        "mentioned_arguments": params.mentioned_arguments,
        "example_shapes": params.example_shapes,
        "listed_items": params.listed_items,
        "language_hint": True,
    }
    done: dict[str, MultiTurnCaseResult] = {}
    sink: ResultsFile[MultiTurnCaseResult] | None = None
    if results is not None:
        # files written before the call gate and the copy bias were options hold runs without
        older = {
            "gate": None,
            "copy_bias": 0.0,
            "language_hint": False,
            "mentioned_arguments": False,
            "example_shapes": False,
            "listed_items": False,
        }
        done = read_results(Path(results), setting, MultiTurnCaseResult, older)
        sink = ResultsFile(Path(results), setting)
    owns_store = store is not None and not isinstance(store, TrajectoryStore)
    trajectories: TrajectoryStore | None = None
    if isinstance(store, TrajectoryStore):
        trajectories = store
    elif store is not None:
        trajectories = open_store(store)
    backend_of: Callable[[MultiTurnCase], ModelBackend] = (
        (lambda case: backend) if backend is not None else (lambda case: gold_backend(case, fmt))
    )
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, disable=not progress) as bar:
            pending = [c for c in chosen if c.id not in done]
            task = bar.add_task(
                f"BFCL multi-turn {label}", total=len(chosen), completed=len(chosen) - len(pending)
            )
            for case in pending:
                result = await _run_case(case, backend_of(case), fmt, options, trajectories)
                done[case.id] = result
                if sink is not None:
                    sink.write(result)
                bar.advance(task)
    finally:
        if sink is not None:
            sink.close()
        if owns_store and trajectories is not None:
            trajectories.close()
        if owned and backend is not None:
            await backend.aclose()
    return MultiTurnReport(
        model=label,
        format=fmt.name,
        constrained=constrained,
        tool_choice="auto",
        data=source,
        max_steps=limits.max_steps,
        gate=gate is not None,
        copy_bias=params.copy_bias,
        mentioned_arguments=params.mentioned_arguments,
        example_shapes=params.example_shapes,
        listed_items=params.listed_items,
        results=[done[c.id] for c in chosen],
    )


def evaluate_multi_turn(
    model: ModelBackend | str = "default",
    categories: Sequence[str] | None = None,
    *,
    data: str | os.PathLike[str] | None = None,
    cases: Sequence[MultiTurnCase] | None = None,
    format: Format | str | None = None,
    constrained: bool = False,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    results: str | os.PathLike[str] | None = None,
    store: TrajectoryStore | str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    generation: GenerationParams | None = None,
    gate: CallGate | None = None,
    max_case_seconds: float | None = 600.0,
    progress: bool = True,
    max_steps: int | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> MultiTurnReport:
    """Run `model` over BFCL multi-turn cases through the Agent loop and check every turn.

    `model`: a Backend, a `load_model` spec ("default": the embedded model) or "gold" (the
    ground-truth oracle). `categories`: any of `MULTI_TURN_CATEGORIES` (default all four), read
    from `data` (default: the installed `bfcl-eval` package) unless `cases` are given. `limit`
    keeps the first N cases per category, `sample` N random ones (seeded by `seed`).
    `results`: a JSON Lines file; cases already in it are not run again. `store`: a
    TrajectoryStore or a path; each case is one session trajectory, tagged with the case id.
    `limits` bound each turn's run (default `Limits(max_steps=20)`, BFCL's step limit),
    `generation` samples each model turn (default greedy, 512 tokens), `max_case_seconds`
    bounds each whole case. `gate` (a `lamagent.gate.CallGate`) decides each auto turn by
    drafting a call list under the calls-only grammar. `max_steps`, `max_tokens` and
    `temperature` are shorthands applied over `limits` and `generation`, as the Agent's are.
    """
    return anyio.run(
        lambda: aevaluate_multi_turn(
            model,
            categories,
            data=data,
            cases=cases,
            format=format,
            constrained=constrained,
            limit=limit,
            sample=sample,
            seed=seed,
            results=results,
            store=store,
            limits=limits,
            generation=generation,
            gate=gate,
            max_case_seconds=max_case_seconds,
            progress=progress,
            max_steps=max_steps,
            max_tokens=max_tokens,
            temperature=temperature,
        )
    )
