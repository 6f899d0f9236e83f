"""BFCL v4's memory categories: the agent remembers what a user told it, and answers from it later.

Each scenario (a customer, a student, a patient, ...) has *prerequisite conversations*: several
sessions in which the user tells the agent about themselves. The agent has the tools of one
memory backend of the installed `bfcl-eval` package (`MemoryAPI_kv`: core and archival
key-value memory with BM25 search; `MemoryAPI_rec_sum`: one recursively summarised text;
`MemoryAPI_vector`: embeddings) and decides what to store. After each session the backend's
memory is saved (BFCL's own snapshot files); every question of the scenario then starts a fresh
session from the final snapshot, with the question alone, and passes when the agent's final
answer holds one of the expected strings (BFCL's `agentic_checker`: case, spaces and
`,./-_*^()` ignored, whole words).

The prompts are BFCL's: the scenario's role and the memory instructions, with the core memory
shown in the system prompt, and for questions the required answer format
(`{'answer': ..., 'context': ...}`).

    report = evaluate_bfcl("default", bfcl_data_dir(), ["memory_kv"], limit=5)

A category is `memory_<backend>`; the sessions of every scenario with a chosen question run
first, so even `limit=1` runs that scenario's whole prerequisite conversations.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamagent.backends.base import ModelBackend
from lamagent.errors import ConfigError, LamagentError
from lamagent.eval.categories import MEMORY_CATEGORIES
from lamagent.eval.multi_turn.environments import Environment, bfcl_data_dir, function_docs
from lamagent.eval.prompt_docs import bfcl_prompt_docs
from lamagent.eval.report import CaseResult
from lamagent.formats.base import Format
from lamagent.gate import CallGate
from lamagent.generation import GenerationParams
from lamagent.messages import AssistantTurn
from lamagent.settings import Limits

__all__ = [
    "MEMORY_LIMITS",
    "MemoryCase",
    "MemorySession",
    "load_memory",
    "memory_system_prompt",
    "run_memory_cases",
]

#: Steps per user turn (BFCL's limit for its multi-step categories).
MEMORY_LIMITS = Limits(max_steps=20)

#: The gold oracle's answer to a question: the first expected string, in BFCL's answer format.
_GOLD_ANSWER = "{{'answer': {answer!r}, 'context': 'the expected answer'}}"
_GOLD_NOTED = "Noted."


@dataclass(frozen=True)
class MemorySession:
    """One prerequisite conversation of a scenario: its user turns, in order."""

    id: str
    scenario: str
    turns: list[str]


@dataclass(frozen=True)
class MemoryCase:
    """One question of a scenario, asked after all its prerequisite conversations."""

    id: str
    category: str
    scenario: str
    question: str
    ground_truth: list[str]


def _backend_class(category: str) -> str:
    if category not in MEMORY_CATEGORIES:
        raise ConfigError(
            f"not a memory category: {category!r}; use {', '.join(MEMORY_CATEGORIES)}"
        )
    return "MemoryAPI_" + category.removeprefix("memory_")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError as exc:
        raise LamagentError(f"BFCL memory data not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise LamagentError(f"{path} is not JSON Lines ({exc.msg})") from exc


def _user_text(turn: Any, where: str) -> str:
    messages = turn if isinstance(turn, list) else [turn]
    texts = [str(m.get("content") or "") for m in messages if isinstance(m, dict)]
    if not texts:
        raise LamagentError(f"{where}: a turn without a user message")
    return "\n".join(texts)


def _renamed(record_id: str, category: str) -> str:
    """BFCL's id of a record under one backend: `memory_0-customer-0` -> `memory_kv_0-...`."""
    if not record_id.startswith("memory"):
        raise LamagentError(f"not a memory record id: {record_id!r}")
    return category + record_id[len("memory") :]


def load_memory(
    categories: Sequence[str], data: str | Path | None = None
) -> tuple[list[MemoryCase], dict[str, list[MemorySession]]]:
    """The questions of `categories` and the prerequisite conversations of every scenario.

    `data` is a BFCL data folder (`BFCL_v*_memory.json`, `possible_answer/`, and
    `memory_prereq_conversation/`); default: the installed `bfcl-eval` package's.
    """
    root = Path(data) if data is not None else bfcl_data_dir()
    files = sorted(root.glob("BFCL_v*_memory.json"))
    if not files:
        raise LamagentError(f"no BFCL_v*_memory.json in {root}")
    questions = _read_jsonl(files[-1])
    answers = {
        str(r["id"]): r["ground_truth"]
        for r in _read_jsonl(root / "possible_answer" / files[-1].name)
    }
    cases: list[MemoryCase] = []
    for category in categories:
        _backend_class(category)
        for record in questions:
            rid = str(record.get("id", ""))
            truth = answers.get(rid)
            if not isinstance(truth, list) or not truth:
                raise LamagentError(f"no ground truth for memory question {rid!r}")
            question = record.get("question") or [[]]
            cases.append(
                MemoryCase(
                    id=_renamed(rid, category),
                    category=category,
                    scenario=str(record["scenario"]),
                    question=_user_text(question[0], rid),
                    ground_truth=[str(t) for t in truth],
                )
            )
    sessions: dict[str, list[MemorySession]] = {}
    for scenario in sorted({c.scenario for c in cases}):
        path = root / "memory_prereq_conversation" / f"memory_{scenario}.json"
        sessions[scenario] = [
            MemorySession(
                id=str(r["id"]),
                scenario=scenario,
                turns=[_user_text(t, str(r["id"])) for t in r.get("question") or []],
            )
            for r in _read_jsonl(path)
        ]
    return cases, sessions


def memory_system_prompt(category: str, scenario: str, core_memory: str, *, question: bool) -> str:
    """BFCL's system prompt: the scenario's role, how the memory works, the core memory, and
    for a question (not a prerequisite conversation) the answer format."""
    from bfcl_eval.constants import default_prompts as prompts

    template = (
        prompts.MEMORY_BACKEND_INSTRUCTION_UNIFIED
        if category == "memory_rec_sum"
        else prompts.MEMORY_BACKEND_INSTRUCTION_CORE_ARCHIVAL
    )
    try:
        setting = prompts.MEMORY_AGENT_SETTINGS[scenario]
    except KeyError as exc:
        raise LamagentError(f"unknown memory scenario {scenario!r}") from exc
    text: str = template.format(scenario_setting=setting, memory_content=core_memory)
    if question:
        text += "\n\n" + prompts.ADDITIONAL_SYSTEM_PROMPT_FOR_AGENTIC_RESPONSE_FORMAT
    return text


def check_answer(answer: str, ground_truth: Sequence[str]) -> tuple[bool, str]:
    """BFCL's verdict on a final answer: `(passed, detail)`."""
    from bfcl_eval.eval_checker.agentic_eval.agentic_checker import agentic_checker

    verdict = agentic_checker(answer, list(ground_truth))
    if verdict.get("valid"):
        return True, ""
    return False, f"none of {list(ground_truth)!r} in the answer"


class _SessionMemory:
    """The memory backend of one session: fresh instances loaded from the scenario's snapshot."""

    def __init__(self, category: str, session_id: str, scenario: str, folder: Path) -> None:
        self.category = category
        self.class_name = _backend_class(category)
        config = {"model_result_dir": folder, "test_id": session_id, "scenario": scenario}
        self.env = Environment([self.class_name], {self.class_name: config})
        self.instance = self.env.instances[self.class_name]

    def tools(self) -> list[Any]:
        return self.env.tools(bfcl_prompt_docs(function_docs(self.class_name), self.category))

    def core_memory(self) -> str:
        text: str = self.instance._dump_core_memory_to_context()
        return text

    def save(self) -> None:
        self.instance._flush_memory_to_local_file()


AgentFactory = Callable[[list[Any], str, ModelBackend], Any]


async def _remember(
    sessions: Sequence[MemorySession],
    category: str,
    folder: Path,
    model: ModelBackend,
    make_agent: AgentFactory,
) -> None:
    """Run a scenario's prerequisite conversations, each from the snapshot the last one saved."""
    for session in sessions:
        sid = _renamed(session.id, category)
        memory = _SessionMemory(category, sid, session.scenario, folder)
        prompt = memory_system_prompt(
            category, session.scenario, memory.core_memory(), question=False
        )
        chat = make_agent(memory.tools(), prompt, model).session()
        for text in session.turns:
            await chat.asend(text)
        memory.save()


async def _ask(
    case: MemoryCase,
    folder: Path,
    backend: ModelBackend,
    make_agent: AgentFactory,
) -> CaseResult:
    started = time.perf_counter()
    memory = _SessionMemory(case.category, case.id, case.scenario, folder)
    prompt = memory_system_prompt(case.category, case.scenario, memory.core_memory(), question=True)
    result = await make_agent(memory.tools(), prompt, backend).arun(case.question)
    calls = [
        {"name": c.name, "arguments": c.arguments}
        for m in result.messages
        if m.role == "assistant"
        for c in m.tool_calls
    ]
    answer = result.answer or ""
    if result.outcome == "answer":
        passed, detail = check_answer(answer, case.ground_truth)
        reason = None if passed else "answer_not_found"
    else:
        passed, detail, reason = False, f"{result.outcome}: {result.error}", "no_answer"
    return CaseResult(
        id=case.id,
        category=case.category,
        passed=passed,
        reason=reason,
        detail=detail,
        output=answer,
        calls=calls,
        seconds=time.perf_counter() - started,
        prompt_tokens=result.usage.prompt_tokens,
        completion_tokens=result.usage.completion_tokens,
        steps=result.steps,
    )


def gold_memory_backend(case: MemoryCase | None, format: Format) -> ModelBackend:
    """The oracle: notes every prerequisite turn, answers a question with its expected string."""
    from lamagent.backends.scripted import ScriptedBackend

    if case is None:
        noted = format.render_assistant(AssistantTurn(answer=_GOLD_NOTED))
        return ScriptedBackend(lambda _prompt: noted)
    answer = _GOLD_ANSWER.format(answer=case.ground_truth[0])
    return ScriptedBackend.calls([answer], format=format)


async def run_memory_cases(
    cases: Sequence[MemoryCase],
    sessions: dict[str, list[MemorySession]],
    *,
    backend: ModelBackend | None,
    format: Format,
    constrained: bool,
    limits: Limits,
    generation: GenerationParams,
    gate: CallGate | None,
    done: dict[str, CaseResult],
    on_result: Callable[[CaseResult], None],
    on_session: Callable[[str], None] = lambda _: None,
) -> dict[str, CaseResult]:
    """Every pending case, scenario by scenario: its prerequisite conversations, then its
    questions. `backend` None is the gold oracle. Returns all results, `done` included."""
    from lamagent.agent import Agent

    def make_agent(tools: list[Any], prompt: str, model: ModelBackend) -> Agent:
        return Agent(
            model,  # type: ignore[arg-type]
            tools=tools,
            format=format,
            system_prompt=prompt,
            constrained=constrained and backend is not None,
            gate=gate,
            profile=None,  # the setting asked for, nothing else
            limits=limits,
            generation=generation,
            # a memory backend changes state in order: one call after another
            parallel_tool_calls=False,
        )

    results = dict(done)
    groups: dict[tuple[str, str], list[MemoryCase]] = {}
    for case in cases:
        if case.id not in results:
            groups.setdefault((case.category, case.scenario), []).append(case)
    for (category, scenario), group in groups.items():
        with tempfile.TemporaryDirectory(prefix="lamagent-memory-") as tmp:
            folder = Path(tmp)
            on_session(f"{category} {scenario}: remembering")
            await _remember(
                sessions[scenario],
                category,
                folder,
                backend if backend is not None else gold_memory_backend(None, format),
                make_agent,
            )
            for case in group:
                model = backend if backend is not None else gold_memory_backend(case, format)
                started = time.perf_counter()
                try:
                    result = await _ask(case, folder, model, make_agent)
                except LamagentError as exc:
                    elapsed = time.perf_counter() - started
                    result = CaseResult.generation_error(case.id, case.category, exc, elapsed)
                results[case.id] = result
                on_result(result)
    return results
