"""Evaluation on BFCL-format data: load cases, run a model over them, check, report.

`check_bfcl` is BFCL's AST check of one case (`matched_calls` its partial credit: the expected
calls a model made right, whatever its count); `evaluate_bfcl` runs a model (or the built-in
"gold" oracle) over a directory or file of BFCL cases and returns an `EvalReport`.
"""

from __future__ import annotations

from lamagent.eval.bfcl_data import BFCLCase, load_bfcl
from lamagent.eval.checker import REASONS, CallMatch, CheckResult, check_bfcl, matched_calls
from lamagent.eval.report import CaseResult, CategoryScore, EvalReport
from lamagent.eval.runner import evaluate_bfcl

__all__ = [
    "REASONS",
    "BFCLCase",
    "CallMatch",
    "CaseResult",
    "CategoryScore",
    "CheckResult",
    "EvalReport",
    "check_bfcl",
    "evaluate_bfcl",
    "load_bfcl",
    "matched_calls",
]

# Multi-turn categories: each case through the Agent loop, turn by turn, over BFCL's environments.
from lamagent.eval.multi_turn import (
    MULTI_TURN_CATEGORIES,
    MultiTurnCase,
    MultiTurnCaseResult,
    MultiTurnReport,
    aevaluate_multi_turn,
    evaluate_multi_turn,
    is_multi_turn,
    load_multi_turn,
)

__all__ += [
    "MULTI_TURN_CATEGORIES",
    "MultiTurnCase",
    "MultiTurnCaseResult",
    "MultiTurnReport",
    "aevaluate_multi_turn",
    "evaluate_multi_turn",
    "is_multi_turn",
    "load_multi_turn",
]
