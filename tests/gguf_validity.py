"""One constrained (or free) generation per BFCL case with a Format and the llama.cpp backend.

Shared by tests/test_gguf_validity.py (which asserts that constrained output always parses and
verifies) and bench/gguf.py (which reports the rates with and without constraints).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamagent.backends.base import Backend, GenerationParams
from lamagent.eval.bfcl_data import BFCLCase, load_bfcl, select_cases
from lamagent.formats import get as get_format
from lamagent.tools import CallError, Tool, Toolbox

BFCL_DIR = Path(__file__).parent / "data" / "bfcl"
CATEGORIES = ("simple_python", "multiple", "parallel")
#: The agent's default bound on calls per turn (Agent.max_calls_per_turn).
MAX_CALLS = 16


@dataclass
class CaseOutcome:
    id: str
    text: str
    finish_reason: str
    parsed: bool
    verified: bool
    calls: int
    problem: str = ""


@dataclass
class Tally:
    outcomes: list[CaseOutcome] = field(default_factory=list)
    seconds: float = 0.0
    completion_tokens: int = 0

    @property
    def valid(self) -> int:
        return sum(o.parsed and o.verified for o in self.outcomes)

    @property
    def rate(self) -> float:
        return self.valid / len(self.outcomes) if self.outcomes else 0.0

    @property
    def cut_off(self) -> int:
        """Outputs the token limit left broken (a list closed after its last whole call at the
        limit still parses, and does not count)."""
        return sum(o.finish_reason == "length" and not o.parsed for o in self.outcomes)


def sample_cases(category: str, n: int, seed: int = 0) -> list[BFCLCase]:
    return select_cases(load_bfcl(BFCL_DIR, [category]), sample=n, seed=seed)


def max_tokens_for(case: BFCLCase) -> int:
    """A budget that fits the expected calls generously (about 60 tokens per call)."""
    expected = len(case.ground_truth or []) or 1
    return 48 + 64 * expected


def run_case(backend: Backend, case: BFCLCase, *, constrained: bool) -> CaseOutcome:
    fmt = get_format("xlam2-qwen")
    tools = [Tool.from_spec(f) for f in case.functions]
    toolbox = Toolbox(tools)
    prompt = fmt.render(case.messages, tools)
    constraint = fmt.constraint(tools, "required", max_calls=MAX_CALLS) if constrained else None
    params = GenerationParams(
        max_tokens=max_tokens_for(case), stop=list(fmt.stop), constraint=constraint
    )
    gen = backend.generate(prompt, params)
    turn = fmt.parse(gen.text)
    parsed = turn.is_call
    problems = [r.message for r in map(toolbox.verify, turn.calls) if isinstance(r, CallError)]
    problem = turn.error.message if turn.error else ("answered text" if not parsed else "")
    return CaseOutcome(
        id=case.id,
        text=gen.text,
        finish_reason=gen.finish_reason,
        parsed=parsed,
        verified=parsed and not problems,
        calls=len(turn.calls),
        problem="; ".join(problems) or problem,
    )


def run_category(
    backend: Backend, category: str, n: int, *, constrained: bool, seed: int = 0
) -> Tally:
    tally = Tally()
    for case in sample_cases(category, n, seed):
        start = time.perf_counter()
        outcome = run_case(backend, case, constrained=constrained)
        tally.seconds += time.perf_counter() - start
        tally.outcomes.append(outcome)
    return tally


def summary(tally: Tally) -> dict[str, Any]:
    return {
        "cases": len(tally.outcomes),
        "valid": tally.valid,
        "rate": round(tally.rate, 3),
        "cut_off": tally.cut_off,
        "seconds": round(tally.seconds, 1),
    }
