"""BFCL's multi-turn check of one user turn: the calls made, the state reached, the results seen.

After each turn, in BFCL's order:
1. a turn whose ground truth has calls must have calls from the agent ("empty_turn");
2. a turn whose ground truth is empty (the agent should ask, or cannot act yet) is not checked;
3. state: every public attribute of the agent's instances equals that of a second set of
   instances on which the ground truth of every turn so far was executed ("state_mismatch");
4. response: every result of this turn's ground-truth calls appears among the results of the
   agent's calls so far, as a multiset, in any order ("response_mismatch"); so far, not only
   this turn, because an agent may have fetched in an earlier turn what this one needs.
   Results that are JSON compare as values (`{"result": 5}` matches `{"result": 5.0}`), the
   rest as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lamagent.eval.multi_turn.environments import Environment

__all__ = [
    "TURN_REASONS",
    "TurnCheck",
    "check_turn",
    "missing_results",
    "state_differences",
]

#: Why a turn fails: the three checks, a turn that ended without an answer (a step or token
#: limit, an error), and a case that ran past its time bound.
TURN_REASONS = ("empty_turn", "state_mismatch", "response_mismatch", "no_answer", "case_timeout")

_MAX_DETAIL = 600


@dataclass(frozen=True)
class TurnCheck:
    """The verdict on one turn: passed, or the reason and a short description of what differs."""

    turn: int
    passed: bool
    reason: str | None = None
    detail: str = ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def state_differences(agent: Environment, truth: Environment) -> dict[str, dict[str, Any]]:
    """`{class: {attribute: (agent's value, expected value)}}` for every public attribute that
    differs (BFCL compares the attributes of the ground-truth instance, by `==`)."""
    differences: dict[str, dict[str, Any]] = {}
    for name, expected in truth.instances.items():
        actual = agent.instances[name]
        for attr, want in vars(expected).items():
            if attr.startswith("_"):
                continue
            have = getattr(actual, attr, None)
            if have != want:
                differences.setdefault(name, {})[attr] = (have, want)
    return differences


def _comparable(text: str) -> Any:
    """A result as a JSON value when it is one (so `5` and `5.0` match: verification turns an
    integer given for a float parameter into a float), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def missing_results(expected: Sequence[str], observed: Sequence[str]) -> list[str]:
    """The expected results not found in `observed`, each observed result matching once."""
    pool = [_comparable(t) for t in observed]
    missing = []
    for item in expected:
        try:
            pool.remove(_comparable(item))
        except ValueError:
            missing.append(item)
    return missing


def check_turn(
    turn: int,
    truth_calls: Sequence[str],
    truth_results: Sequence[str],
    agent_calls: int,
    agent_results_so_far: Sequence[str],
    agent_env: Environment,
    truth_env: Environment,
) -> TurnCheck:
    """Check turn `turn` after both environments ran it (`agent_calls`: calls the agent ran in
    this turn; `agent_results_so_far`: the result texts of all its calls in turns 0..`turn`)."""
    if truth_calls and agent_calls == 0:
        return TurnCheck(
            turn, False, "empty_turn", f"expected {len(truth_calls)} call(s), the agent made none"
        )
    if not truth_calls:
        return TurnCheck(turn, True)
    differences = state_differences(agent_env, truth_env)
    if differences:
        parts = [
            f"{cls}.{attr}: agent {_short(have)}, expected {_short(want)}"
            for cls, attrs in differences.items()
            for attr, (have, want) in attrs.items()
        ]
        return TurnCheck(turn, False, "state_mismatch", "; ".join(parts)[:_MAX_DETAIL])
    missing = missing_results(truth_results, agent_results_so_far)
    if missing:
        detail = "missing results: " + "; ".join(_short(m) for m in missing)
        return TurnCheck(turn, False, "response_mismatch", detail[:_MAX_DETAIL])
    return TurnCheck(turn, True)
