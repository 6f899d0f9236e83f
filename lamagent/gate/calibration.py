"""Fitting a `CallGate` on BFCL cases: relevance (a call is wanted) against irrelevance.

`draft_samples` drafts each case's call list under the calls-only grammar, once, and keeps its
signals and the checker's verdict; `fit` then tries every weighting on a small grid, every
grounding floor and every threshold, and keeps the one with the best balanced pass rate: the
mean of the share of relevance cases whose kept draft is right and the share of irrelevance
cases sent to text.
(Rejecting a wrong draft costs nothing there: its case fails either way.) Drafting is the slow
part; fitting is arithmetic, so samples can be saved and fitted again.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lamagent.errors import BackendError, ConfigError, ToolDefinitionError
from lamagent.gate.policy import SIGNALS, CallGate
from lamagent.gate.signals import GateSignals, measure
from lamagent.generation import GenerationParams

if TYPE_CHECKING:
    from lamagent.eval.bfcl_data import BFCLCase
    from lamagent.turns import TurnSource

__all__ = [
    "RELEVANCE",
    "Calibration",
    "GateSample",
    "ThresholdRow",
    "adraft_samples",
    "fit",
    "load_samples",
    "remeasure",
    "save_samples",
]

#: Categories whose cases want a call (the gate should keep the draft).
RELEVANCE: tuple[str, ...] = ("simple_python", "multiple", "live_simple")
#: Thresholds tried: 0.00, 0.05, ..., 1.00.
THRESHOLDS: tuple[float, ...] = tuple(round(i * 0.05, 2) for i in range(21))
#: Weights tried for each signal.
WEIGHT_GRID: tuple[float, ...] = (0.0, 1.0, 2.0)
#: Grounding floors tried (a draft less grounded than this is never kept).
MIN_GROUNDING_GRID: tuple[float, ...] = (0.0, 0.5, 0.75, 0.9, 1.0)


@dataclass(frozen=True)
class GateSample:
    """One case's draft: whether a call was wanted, its signals, and whether it was right."""

    id: str
    category: str
    should_call: bool
    signals: GateSignals | None
    correct: bool
    seconds: float = 0.0
    #: The drafted calls (xLAM dicts), for reading what the model wrote.
    calls: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["signals"] = self.signals.as_dict() if self.signals is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateSample:
        signals = data.get("signals")
        return cls(
            id=str(data["id"]),
            category=str(data["category"]),
            should_call=bool(data["should_call"]),
            signals=GateSignals(**signals) if signals else None,
            correct=bool(data["correct"]),
            seconds=float(data.get("seconds", 0.0)),
            calls=list(data.get("calls") or []),
        )


@dataclass(frozen=True)
class ThresholdRow:
    """How a gate does on the samples at one threshold."""

    threshold: float
    #: Mean of the call rate on relevance cases and the text rate on irrelevance cases.
    decision_accuracy: float
    #: Mean of the pass rate on relevance cases (kept and right) and the text rate on
    #: irrelevance cases: what the gate is fitted to.
    balanced_pass: float
    kept_relevance: float
    text_irrelevance: float
    pass_relevance: float


@dataclass(frozen=True)
class Calibration:
    """The fitted gate, and the whole threshold sweep of its weighting."""

    gate: CallGate
    rows: list[ThresholdRow]
    cases: dict[str, int] = field(default_factory=dict)

    @property
    def best(self) -> ThresholdRow:
        return next(r for r in self.rows if r.threshold == self.gate.threshold)

    def save(self, path: str | Path) -> Path:
        """JSON with the gate (what `CallGate.load` reads), the sweep and the case counts."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "gate": self.gate.to_dict(),
            "cases": self.cases,
            "sweep": [asdict(r) for r in self.rows],
        }
        target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        return target


async def adraft_samples(
    source: TurnSource,
    cases: Sequence[BFCLCase],
    *,
    generation: GenerationParams | None = None,
    on_sample: Callable[[GateSample], None] | None = None,
) -> list[GateSample]:
    """Draft every case's call list under the calls-only grammar and measure it."""
    import time

    from lamagent.eval.checker import check_bfcl
    from lamagent.tools import Tool
    from lamagent.turns import TurnRequest, with_invented_values

    params = generation or GenerationParams()
    samples: list[GateSample] = []
    for case in cases:
        started = time.perf_counter()
        signals: GateSignals | None = None
        correct = False
        try:
            tools = [Tool.from_spec(f) for f in case.prompt_functions]
            request = TurnRequest(
                messages=case.messages,
                tools=tools,
                params=params,
                tool_choice="required",
                constrained=True,
                max_calls=8,
                gate_draft=True,
            )
            draft = await source.next_turn(request)
        except (BackendError, ToolDefinitionError):
            draft = None
        turn = draft.turn if draft is not None else None
        if draft is not None and turn is not None and turn.calls and turn.error is None:
            # the gate weighs the draft as the model wrote it; the calls it would make are
            # the draft's without what the model invented
            signals = measure(turn.calls, case.messages, tools)
            turn = with_invented_values(draft, request).turn
            if case.ground_truth is not None:
                verdict = check_bfcl(
                    case.record,
                    case.ground_truth,
                    [c.to_xlam() for c in turn.calls],
                    category=case.category,
                )
                correct = verdict.passed
        sample = GateSample(
            id=case.id,
            category=case.category,
            should_call="irrelevance" not in case.category,
            signals=signals,
            correct=correct,
            seconds=time.perf_counter() - started,
            calls=[c.to_xlam() for c in turn.calls] if turn is not None else [],
        )
        samples.append(sample)
        if on_sample is not None:
            on_sample(sample)
    return samples


def remeasure(samples: Sequence[GateSample], cases: Sequence[BFCLCase]) -> list[GateSample]:
    """`samples` with their signals measured again from their drafted calls.

    Saved drafts outlive the signals' definitions: measuring again (arithmetic, no model)
    keeps a refit in step with the code that will run the gate.
    """
    from lamagent.messages import ToolCall
    from lamagent.tools import Tool

    by_id = {c.id: c for c in cases}
    out: list[GateSample] = []
    for sample in samples:
        case = by_id.get(sample.id)
        if case is None or sample.signals is None or not sample.calls:
            out.append(sample)
            continue
        try:
            tools = [Tool.from_spec(f) for f in case.prompt_functions]
            calls = [ToolCall(name=c["name"], arguments=c["arguments"]) for c in sample.calls]
        except (ToolDefinitionError, ValueError, KeyError, TypeError):
            out.append(sample)
            continue
        out.append(dataclasses.replace(sample, signals=measure(calls, case.messages, tools)))
    return out


def _sweep(gate: CallGate, samples: Sequence[GateSample]) -> list[ThresholdRow]:
    relevance = [s for s in samples if s.should_call]
    irrelevance = [s for s in samples if not s.should_call]
    scores = {s.id: gate.score(s.signals) if s.signals is not None else -1.0 for s in samples}
    floor = {  # passes the grounding floor
        s.id: s.signals is not None
        and (s.signals.grounding is None or s.signals.grounding >= gate.min_grounding)
        for s in samples
    }

    def keeps(sample: GateSample, threshold: float) -> bool:
        return floor[sample.id] and scores[sample.id] >= threshold

    rows: list[ThresholdRow] = []
    for threshold in THRESHOLDS:
        kept = [s for s in relevance if keeps(s, threshold)]
        kept_rate = len(kept) / len(relevance)
        pass_rate = sum(s.correct for s in kept) / len(relevance)
        text_rate = sum(not keeps(s, threshold) for s in irrelevance) / len(irrelevance)
        rows.append(
            ThresholdRow(
                threshold=threshold,
                decision_accuracy=(kept_rate + text_rate) / 2,
                balanced_pass=(pass_rate + text_rate) / 2,
                kept_relevance=kept_rate,
                text_irrelevance=text_rate,
                pass_relevance=pass_rate,
            )
        )
    return rows


def fit(samples: Sequence[GateSample]) -> Calibration:
    """The weighting and threshold with the best balanced pass rate on `samples`.

    Ties go to the better decision accuracy, then to the higher threshold (fewer needless
    calls). Raises ConfigError without both relevance and irrelevance samples.
    """
    if not any(s.should_call for s in samples) or all(s.should_call for s in samples):
        raise ConfigError(
            "calibration needs both relevance cases (e.g. simple_python) and irrelevance cases"
        )
    best: tuple[tuple[float, float, float], CallGate, list[ThresholdRow]] | None = None
    for floor, combo in itertools.product(
        MIN_GROUNDING_GRID, itertools.product(WEIGHT_GRID, repeat=len(SIGNALS))
    ):
        if not any(combo):
            continue
        weights = dict(zip(SIGNALS, combo, strict=True))
        rows = _sweep(CallGate(weights=weights, min_grounding=floor), samples)
        for row in rows:
            key = (row.balanced_pass, row.decision_accuracy, row.threshold)
            if best is None or key > best[0]:
                gate = CallGate(threshold=row.threshold, weights=weights, min_grounding=floor)
                best = (key, gate, rows)
    assert best is not None
    counts: dict[str, int] = {}
    for s in samples:
        counts[s.category] = counts.get(s.category, 0) + 1
    return Calibration(gate=best[1], rows=best[2], cases=counts)


def save_samples(samples: Sequence[GateSample], path: str | Path) -> Path:
    """Drafted samples as JSON Lines (fit them again without drafting)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as fh:
        for sample in samples:
            fh.write(json.dumps(sample.to_dict()) + "\n")
    return target


def load_samples(path: str | Path) -> list[GateSample]:
    """Samples written by `save_samples`."""
    with Path(path).open(encoding="utf-8") as fh:
        return [GateSample.from_dict(json.loads(line)) for line in fh if line.strip()]
