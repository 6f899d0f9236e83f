"""Running a model over BFCL cases: one model turn per case, then checked.

Each case's first-turn messages and functions (through `Tool.from_spec`, which reads BFCL's type
words) go to the model's turn source, the same one the Agent uses: a prompt backend renders them
with the Format and parses the reply, a chat backend (a server's chat API with its own tool
parser) sends them as messages and tools. With `constrained=True` the Format's call
grammar constrains the generation: with `tool_choice="auto"` it allows text or calls, so the
model still decides whether to call; with "required" it allows calls only (as a JSON-schema
grammar of the call list does), which fails every irrelevance case by construction. Results
are appended to a JSON Lines file as each case finishes, so an interrupted run resumes where
it stopped. The model "gold" is a built-in oracle that answers with the ground truth, rendered
by the Format and parsed back: a check of the whole pipeline (rendering, parsing, checking)
that must score 100%.

With `agent=True` each case runs through the Agent instead of one generation (verification,
repairs, error feedback, retries, within `limits`), scored on the first calls that all verify
(see `agent_case`); the gold oracle then answers through the same loop.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lamagent.errors import (
    BackendError,
    ConfigError,
    ConstraintError,
    ToolDefinitionError,
)
from lamagent.eval.agent_case import AGENT_LIMITS, run_agent_case
from lamagent.eval.bfcl_data import (
    BFCLCase,
    first_acceptable_calls,
    load_bfcl,
    select_cases,
    skipped_categories,
)
from lamagent.eval.categories import is_memory
from lamagent.eval.checker import check_bfcl
from lamagent.eval.memory import (
    MEMORY_LIMITS,
    MemoryCase,
    MemorySession,
    load_memory,
    run_memory_cases,
)
from lamagent.eval.multi_turn import aevaluate_multi_turn
from lamagent.eval.multi_turn.data import has_multi_turn_files, is_multi_turn
from lamagent.eval.report import TOOL_CHOICES, CaseResult, EvalReport, setting_name
from lamagent.eval.results_file import ResultsFile, read_results
from lamagent.generation import GenerationParams
from lamagent.messages import AssistantTurn, ToolCall
from lamagent.settings import Limits

if TYPE_CHECKING:
    from lamagent.backends.base import ModelBackend
    from lamagent.formats.base import Format
    from lamagent.formats.choice import ToolChoice
    from lamagent.gate import CallGate
    from lamagent.turns import TurnSource

__all__ = ["GOLD", "aevaluate_bfcl", "evaluate_bfcl"]

#: The model name of the built-in ground-truth oracle.
GOLD = "gold"
#: Calls allowed in one constrained generation: enough for BFCL's parallel cases, and a bound on
#: degenerate repetition.
MAX_CALLS = 8
_IRRELEVANT_ANSWER = "None of the functions I have can answer this question."
_PLACEHOLDERS: dict[str, Any] = {
    "string": "x",
    "integer": 1,
    "float": 1.0,
    "number": 1.0,
    "boolean": True,
    "array": [],
    "tuple": [],
    "dict": {},
    "object": {},
}


def _gold_turn(case: BFCLCase) -> AssistantTurn:
    """The oracle's reply: the ground truth's first acceptable calls, text for irrelevance, and
    some call of the first function for live_relevance (which has no ground truth)."""
    if case.ground_truth is not None:
        calls = first_acceptable_calls(case.ground_truth, case.functions)
        return AssistantTurn(calls=[ToolCall.from_dict(c) for c in calls])
    if "irrelevance" in case.category or not case.functions:
        return AssistantTurn(answer=_IRRELEVANT_ANSWER)
    fn = case.functions[0]
    params = fn.get("parameters") or {}
    props = params.get("properties") or {}
    args = {
        name: _PLACEHOLDERS.get(str((props.get(name) or {}).get("type")), "x")
        for name in params.get("required") or []
    }
    return AssistantTurn(calls=[ToolCall(name=fn["name"], arguments=args)])


def _setting(
    model: str, fmt: Format, constrained: bool, tool_choice: str, limits: Limits | None
) -> dict[str, Any]:
    return {
        "model": model,
        "format": fmt.name,
        "constrained": constrained,
        "tool_choice": tool_choice if constrained else "auto",
        # the Agent's bounds in an agent setting; None for one generation per case
        "agent": (
            {"max_steps": limits.max_steps, "max_retries": limits.max_retries}
            if limits is not None
            else None
        ),
        # the function docs carry BFCL's language hints (`lamagent.eval.prompt_docs`)
        "language_hint": True,
    }


def gold_agent_backend(case: BFCLCase, fmt: Format, limits: Limits = AGENT_LIMITS) -> ModelBackend:
    """The oracle as a model for the Agent: the ground truth's calls (or text), written again on
    each retry (a call the data itself writes against its schema never verifies)."""
    from lamagent.backends.scripted import ScriptedBackend

    return ScriptedBackend.calls([_gold_turn(case)] * limits.max_steps, fmt)


async def _run_case(
    case: BFCLCase,
    source: TurnSource | None,
    fmt: Format,
    constrained: bool,
    tool_choice: ToolChoice,
    generation: GenerationParams,
) -> CaseResult:
    from lamagent.tools import Tool
    from lamagent.turns import TurnRequest

    started = time.perf_counter()
    prompt_tokens = completion_tokens = 0
    try:
        tools = [Tool.from_spec(f) for f in case.prompt_functions]
        if source is None:
            text = fmt.render_assistant(_gold_turn(case))
            turn = fmt.parse(text)
        else:
            request = TurnRequest(
                messages=case.messages,
                tools=tools,
                params=generation,
                tool_choice=tool_choice,
                constrained=constrained,
                max_calls=MAX_CALLS,
            )
            model_turn = await source.next_turn(request)
            turn = model_turn.turn
            text = model_turn.generation.text
            prompt_tokens = model_turn.generation.usage.prompt_tokens
            completion_tokens = model_turn.generation.usage.completion_tokens
    except (BackendError, ToolDefinitionError) as exc:
        seconds = time.perf_counter() - started
        return CaseResult.generation_error(case.id, case.category, exc, seconds)
    calls = [c.to_xlam() for c in turn.calls]
    verdict = check_bfcl(
        case.record,
        case.ground_truth,
        calls,
        category=case.category,
        parse_error=turn.error.message if turn.error else None,
    )
    return CaseResult(
        id=case.id,
        category=case.category,
        passed=verdict.passed,
        reason=verdict.reason,
        detail=verdict.detail,
        output=text,
        calls=calls,
        seconds=time.perf_counter() - started,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


async def aevaluate_bfcl(
    model: ModelBackend | str,
    data: str | Path | Sequence[BFCLCase],
    categories: Sequence[str] | None = None,
    *,
    format: Format | str | None = None,
    constrained: bool = False,
    tool_choice: ToolChoice = "auto",
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    concurrency: int = 1,
    generation: GenerationParams | None = None,
    progress: bool = True,
    gate: CallGate | None = None,
    agent: bool = False,
    limits: Limits | None = None,
) -> EvalReport:
    """The async form of `evaluate_bfcl`."""
    from lamagent.gate import gated
    from lamagent.turns import resolve_format, turn_source

    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    if tool_choice not in TOOL_CHOICES:
        raise ConfigError(f"tool_choice must be one of {TOOL_CHOICES}, not {tool_choice!r}")
    if tool_choice != "auto" and not constrained:
        raise ConfigError(f'tool_choice="{tool_choice}" needs constrained=True (it is a grammar)')
    params = generation or GenerationParams()
    multi = [c for c in categories or () if is_multi_turn(c)]
    memory = [c for c in categories or () if is_memory(c)]
    if limits is not None and not agent and not multi and not memory:
        raise ConfigError("limits bound the Agent's runs: pass agent=True with them")
    for group, kind in ((multi, "multi-turn"), (memory, "memory")):
        # categories that always run the Agent over BFCL's environments: a run of their own
        if not group:
            continue
        if len(group) != len(list(categories or ())):
            raise ConfigError(f"evaluate {kind} categories in a run of their own")
        if tool_choice != "auto":
            raise ConfigError(f"{kind} categories run with tool_choice='auto'")
        if not isinstance(data, (str, Path)):
            raise ConfigError(f"{kind} cases are read from a directory (or the BFCL package)")
    if multi:
        assert isinstance(data, (str, Path))
        return await aevaluate_multi_turn(
            model,
            multi,
            data=data if has_multi_turn_files(data) else None,
            format=format,
            constrained=constrained,
            limit=limit,
            sample=sample,
            seed=seed,
            results=out,
            limits=limits,
            generation=params,
            gate=gate,
            progress=progress,
        )
    if memory:
        agent = False  # every memory case runs the Agent: the setting is named by its decoding
    owned = False
    backend: ModelBackend | None = None
    if isinstance(model, str) and model == GOLD:
        label = GOLD
    else:
        if isinstance(model, str):
            from lamagent.backends import load_model

            backend = load_model(None if model == "default" else model)
            owned = True
        else:
            backend = model
        label = backend.info.model_id
    turns = gated(turn_source(backend, format), gate) if backend is not None else None
    fmt = turns.format if turns is not None else resolve_format(None, format)
    if constrained and backend is not None and not backend.supports_constraint:
        raise ConstraintError(
            f"{type(backend).__name__} does not support constrained decoding; "
            "run with constrained=False or use an engine that does"
        )
    memory_cases: list[MemoryCase] = []
    sessions: dict[str, list[MemorySession]] = {}
    cases: Sequence[BFCLCase | MemoryCase]
    if memory:
        assert isinstance(data, (str, Path))
        # like multi-turn: a folder without the memory files reads the installed package's
        own = Path(data).is_dir() and any(Path(data).glob("BFCL_v*_memory.json"))
        found, sessions = load_memory(memory, data if own else None)
        cases = memory_cases = select_cases(found, limit=limit, sample=sample, seed=seed)
        source = str(data) if own else "bfcl-eval"
    elif isinstance(data, (str, Path)):
        cases = load_bfcl(data, categories)
        source = str(data)
    else:
        cases = [c for c in data if not categories or c.category in categories]
        source = "cases"
    if not memory:
        cases = select_cases(cases, limit=limit, sample=sample, seed=seed)

    bounds = (limits or AGENT_LIMITS) if agent else (limits or MEMORY_LIMITS) if memory else None
    setting = _setting(label, fmt, constrained, tool_choice, bounds)
    setting["gate"] = gate.to_dict() if gate is not None else None
    setting["copy_bias"] = params.copy_bias
    setting["mentioned_arguments"] = params.mentioned_arguments
    setting["example_shapes"] = params.example_shapes
    setting["listed_items"] = params.listed_items
    results: dict[str, CaseResult] = {}
    sink: ResultsFile[CaseResult] | None = None
    if out is not None:
        # files written before tool_choice and the agent settings existed hold one-generation
        # "auto" runs
        older = {
            "tool_choice": "auto",
            "agent": None,
            "copy_bias": 0.0,
            "language_hint": False,
            "mentioned_arguments": False,
            "example_shapes": False,
            "listed_items": False,
        }
        results = read_results(Path(out), setting, CaseResult, older)
        sink = ResultsFile(Path(out), setting)
    pending = [c for c in cases if c.id not in results]

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    limiter = anyio.CapacityLimiter(concurrency)
    try:
        with Progress(*columns, disable=not progress, transient=False) as bar:
            task = bar.add_task(
                f"BFCL {label} {setting_name(constrained, tool_choice, agent)}"
                + (" gate" if gate else ""),
                total=len(cases),
                completed=len(cases) - len(pending),
            )

            def record(result: CaseResult) -> None:
                results[result.id] = result
                if sink is not None:
                    sink.write(result)
                bar.advance(task)

            if memory:
                assert bounds is not None
                await run_memory_cases(
                    memory_cases,
                    sessions,
                    backend=backend,
                    format=fmt,
                    constrained=constrained,
                    limits=bounds,
                    generation=params,
                    gate=gate if backend is not None else None,
                    done=results,
                    on_result=record,
                    on_session=lambda what: bar.update(task, description=f"BFCL {label} {what}"),
                )

            async def one(case: BFCLCase) -> None:
                async with limiter:
                    if bounds is not None:
                        result = await run_agent_case(
                            case,
                            backend
                            if backend is not None
                            else gold_agent_backend(case, fmt, bounds),
                            fmt,
                            # the oracle's one reply is the same under any decoding
                            constrained=constrained and backend is not None,
                            tool_choice=tool_choice if backend is not None else "auto",
                            generation=params,
                            limits=bounds,
                            gate=gate if backend is not None else None,
                        )
                    else:
                        result = await _run_case(case, turns, fmt, constrained, tool_choice, params)
                results[case.id] = result
                if sink is not None:
                    sink.write(result)
                bar.advance(task)

            async with anyio.create_task_group() as tg:
                for case in pending if not memory else ():
                    assert isinstance(case, BFCLCase)
                    tg.start_soon(one, case)
    finally:
        if sink is not None:
            sink.close()
        if owned and backend is not None:
            await backend.aclose()
    return EvalReport(
        model=label,
        format=fmt.name,
        constrained=constrained,
        tool_choice=setting["tool_choice"],
        data=source,
        agent=agent,
        max_steps=bounds.max_steps if bounds is not None else 0,
        gate=gate is not None,
        copy_bias=params.copy_bias,
        mentioned_arguments=params.mentioned_arguments,
        example_shapes=params.example_shapes,
        listed_items=params.listed_items,
        results=[results[c.id] for c in cases],
        skipped=skipped_categories(data)
        if isinstance(data, (str, Path)) and not categories
        else {},
    )


def evaluate_bfcl(
    model: ModelBackend | str,
    data: str | Path | Sequence[BFCLCase],
    categories: Sequence[str] | None = None,
    *,
    format: Format | str | None = None,
    constrained: bool = False,
    tool_choice: ToolChoice = "auto",
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    concurrency: int = 1,
    generation: GenerationParams | None = None,
    progress: bool = True,
    gate: CallGate | None = None,
    agent: bool = False,
    limits: Limits | None = None,
) -> EvalReport:
    """Run `model` over BFCL cases and check every answer.

    `model` is a Backend, a spec for `lamagent.backends.load_model` ("default" for the embedded
    model), or "gold" (the ground-truth oracle). `data` is a directory or file of BFCL cases (or
    loaded cases); `categories` keeps only those. `format` is a Format or its name (default: the
    one detected for the model). `constrained` decodes with the Format's call grammar, which
    `tool_choice` makes "auto" (text or calls) or "required" (calls only). `limit` keeps the
    first N cases per category, `sample` N random ones (seeded by `seed`). `out` is a JSON Lines
    file of results: cases already in it are not run again. `concurrency` generations run at
    once (for server backends; keep 1 for in-process engines). `generation` holds the sampling
    settings (default: greedy, 512 new tokens). `gate` (a `lamagent.gate.CallGate`) decides auto
    turns by drafting a call list and keeping it only when its score passes. `agent` runs each
    case through the Agent (verification feedback and retries, bounded by `limits`, default
    `Limits(max_steps=3)`) and scores its first calls that all verify, or its text answer.
    Multi-turn categories always run the Agent, each turn bounded by `limits` (default 20
    steps); so do BFCL v4's memory categories (`memory_kv`, `memory_rec_sum`,
    `memory_vector`: see `lamagent.eval.memory`). Both run in a run of their own. Given a
    directory and no categories, the single-turn categories run and `EvalReport.skipped` names
    the others.
    """
    run = partial(
        aevaluate_bfcl,
        model,
        data,
        categories,
        format=format,
        constrained=constrained,
        tool_choice=tool_choice,
        limit=limit,
        sample=sample,
        seed=seed,
        out=out,
        concurrency=concurrency,
        generation=generation,
        progress=progress,
        gate=gate,
        agent=agent,
        limits=limits,
    )
    return anyio.run(run)
