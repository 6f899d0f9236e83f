"""BFCL multi-turn evaluation: stateful environments, user turns, the real Agent loop per turn.

`evaluate_multi_turn` runs a model (or the "gold" oracle) over the `multi_turn_*` categories of
the installed `bfcl-eval` package and returns a `MultiTurnReport` (per category and per turn).
"""

from __future__ import annotations

from lamagent.eval.multi_turn.calls import GroundTruthCall, execute_ground_truth, parse_ground_truth
from lamagent.eval.multi_turn.checker import TURN_REASONS, TurnCheck, check_turn
from lamagent.eval.multi_turn.data import (
    MULTI_TURN_CATEGORIES,
    MultiTurnCase,
    is_multi_turn,
    load_multi_turn,
)
from lamagent.eval.multi_turn.environments import Environment
from lamagent.eval.multi_turn.report import (
    MultiTurnCaseResult,
    MultiTurnReport,
    TurnResult,
    TurnScore,
)
from lamagent.eval.multi_turn.runner import (
    GOLD,
    aevaluate_multi_turn,
    evaluate_multi_turn,
    gold_backend,
)

__all__ = [
    "GOLD",
    "MULTI_TURN_CATEGORIES",
    "TURN_REASONS",
    "Environment",
    "GroundTruthCall",
    "MultiTurnCase",
    "MultiTurnCaseResult",
    "MultiTurnReport",
    "TurnCheck",
    "TurnResult",
    "TurnScore",
    "aevaluate_multi_turn",
    "check_turn",
    "evaluate_multi_turn",
    "execute_ground_truth",
    "gold_backend",
    "is_multi_turn",
    "load_multi_turn",
    "parse_ground_truth",
]
