"""Multi-turn results: one record per case with its turns, scored per category and per turn.

`MultiTurnReport` is an `EvalReport` (same table, JSON and chart) whose cases also say which turn
failed first and why; `turn_scores()` and `turn_table()` add the per-turn view: of the cases that
reached turn t, how many passed it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.table import Table

from lamagent.eval.report import CaseResult, EvalReport, decoding_fields

__all__ = ["MultiTurnCaseResult", "MultiTurnReport", "TurnResult", "TurnScore"]


class TurnResult(BaseModel):
    """One user turn as it ran: the verdict, how the agent's run ended, the calls it ran."""

    turn: int
    passed: bool
    reason: str | None = None
    detail: str = ""
    #: The Agent's outcome for this turn ("answer", "max_steps", ...).
    outcome: str = ""
    answer: str | None = None
    steps: int = 0
    calls: list[dict[str, Any]] = Field(default_factory=list)
    #: Functions that became available at this turn (`miss_func`).
    added_functions: list[str] = Field(default_factory=list)


class MultiTurnCaseResult(CaseResult):
    """A case of several turns: passed when every turn passed; else `failed_turn` and `reason`
    say where and why it first failed (the case stops there)."""

    turns: int = 0
    failed_turn: int | None = None
    turn_results: list[TurnResult] = Field(default_factory=list)
    trajectory_id: str | None = None


class TurnScore(BaseModel):
    """Turn `turn` of a category: cases that reached it and cases that passed it."""

    category: str
    turn: int
    reached: int
    passed: int
    reasons: dict[str, int] = Field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.passed / self.reached if self.reached else 0.0


class MultiTurnReport(EvalReport):
    """All multi-turn case results of one setting. Every setting runs the Agent loop per turn,
    so the setting is named by its decoding alone; `max_steps` is the step limit of each turn."""

    results: list[MultiTurnCaseResult] = Field(default_factory=list)  # type: ignore[assignment]

    def turn_scores(self) -> list[TurnScore]:
        """Per category and turn index, in category order then turn order."""
        scores: dict[tuple[str, int], TurnScore] = {}
        for r in self.results:
            for t in r.turn_results:
                key = (r.category, t.turn)
                score = scores.setdefault(
                    key, TurnScore(category=r.category, turn=t.turn, reached=0, passed=0)
                )
                score.reached += 1
                score.passed += int(t.passed)
                if not t.passed:
                    reason = t.reason or ""
                    score.reasons[reason] = score.reasons.get(reason, 0) + 1
        order = list(self.categories)
        return sorted(scores.values(), key=lambda s: (order.index(s.category), s.turn))

    def to_dict(self) -> dict[str, Any]:
        """`EvalReport.to_dict()` plus the step limit, the per-turn scores and failing turns."""
        payload = super().to_dict()
        payload["turns"] = [{**s.model_dump(), "accuracy": s.accuracy} for s in self.turn_scores()]
        by_id = {r.id: r for r in self.results}
        for failure in payload["failures"]:
            failure["failed_turn"] = by_id[failure["id"]].failed_turn
        return payload

    @classmethod
    def load_json(cls, path: str | Path) -> MultiTurnReport:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            model=data["model"],
            format=data["format"],
            constrained=data["constrained"],
            tool_choice=data.get("tool_choice", "auto"),
            data=data.get("data", ""),
            max_steps=data.get("max_steps", 0),
            **decoding_fields(data),
            results=[MultiTurnCaseResult(**r) for r in data.get("results", [])],
        )

    def table(self) -> Table:
        table = super().table()
        table.title = f"BFCL multi-turn: {self.model} ({self.format}, {self.setting})"
        return table

    def turn_table(self) -> Table:
        """A rich table: one row per category and turn (cases reaching it, passing it)."""
        table = Table(title=f"BFCL multi-turn by turn: {self.model} ({self.setting})")
        for name in ("category", "turn", "reached", "passed", "accuracy", "failures by reason"):
            table.add_column(name, justify="right" if name in ("turn", "reached") else "left")
        for s in self.turn_scores():
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(s.reasons.items()))
            table.add_row(
                s.category, str(s.turn), str(s.reached), str(s.passed), f"{s.accuracy:.1%}", reasons
            )
        return table
