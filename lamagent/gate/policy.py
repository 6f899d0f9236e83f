"""`CallGate`: the setting that decides, in auto mode, whether a drafted call list is kept.

The score is the weighted mean of the signals that have something to measure (see
`lamagent.gate.signals`); a repeated call scores 0. The call is kept when the score reaches
`threshold` and the draft's grounding reaches `min_grounding`. The defaults come from a
calibration of the embedded model on 120 BFCL train cases (docs/small-models.md);
`lamagent eval calibrate-gate` fits them for another model and saves a JSON file that
`CallGate.load` reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lamagent.errors import ConfigError
from lamagent.gate.signals import GateSignals

__all__ = ["SIGNALS", "CallGate", "GateDecision"]

#: The signals a gate can weigh, in `GateSignals` field order.
SIGNALS: tuple[str, ...] = ("grounding", "argument_names", "tool_match")


@dataclass(frozen=True)
class CallGate:
    """Keep a drafted call list when its score reaches `threshold`, else answer in text.

    A draft whose values are less grounded than `min_grounding` is never kept, whatever its
    score: a call that invents its values is rarely the one asked for.
    """

    threshold: float = 0.3
    #: Weight of each signal in the score (a signal left out weighs 0).
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"grounding": 1.0, "argument_names": 1.0, "tool_match": 2.0}
    )
    min_grounding: float = 0.75
    #: Words a text answer starts with when a tool's result came back since the user's last
    #: message; the model continues them (None: it starts on its own). A small chat model
    #: shown a result in a tool role it was not trained on tends to answer with code about
    #: the tool; "Based on the result, " turns it to the result (docs/small-models.md).
    answer_cue: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"the gate threshold must be between 0 and 1, not {self.threshold}")
        if not 0.0 <= self.min_grounding <= 1.0:
            raise ConfigError(f"min_grounding must be between 0 and 1, not {self.min_grounding}")
        unknown = sorted(set(self.weights) - set(SIGNALS))
        if unknown:
            raise ConfigError(f"unknown gate signals {unknown}; signals are: {', '.join(SIGNALS)}")
        if any(w < 0 for w in self.weights.values()) or not any(self.weights.values()):
            raise ConfigError("gate weights must be non-negative and not all zero")
        object.__setattr__(self, "weights", {k: float(v) for k, v in self.weights.items()})
        if self.answer_cue is not None and (
            not isinstance(self.answer_cue, str) or not self.answer_cue.strip()
        ):
            raise ConfigError(f"answer_cue must be words to start with, not {self.answer_cue!r}")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "threshold": self.threshold,
            "weights": dict(self.weights),
            "min_grounding": self.min_grounding,
        }
        if self.answer_cue is not None:
            data["answer_cue"] = self.answer_cue
        return data

    def score(self, signals: GateSignals) -> float:
        """The weighted mean of the present signals in [0, 1]; 0 for a repeated call."""
        if signals.repeated:
            return 0.0
        total = weight_sum = 0.0
        for name in SIGNALS:
            value = getattr(signals, name)
            weight = self.weights.get(name, 0.0)
            if value is None or weight == 0:
                continue
            total += weight * value
            weight_sum += weight
        return total / weight_sum if weight_sum else 0.0

    def keeps(self, signals: GateSignals, score: float) -> bool:
        """Whether a draft with these signals and this score is kept."""
        grounded = signals.grounding is None or signals.grounding >= self.min_grounding
        return grounded and score >= self.threshold

    def decide(self, signals: GateSignals | None) -> GateDecision:
        """The decision for a draft's signals (None: the draft held no readable call)."""
        if signals is None:
            return GateDecision(decision="text", score=0.0, threshold=self.threshold)
        score = self.score(signals)
        return GateDecision(
            decision="call" if self.keeps(signals, score) else "text",
            score=score,
            threshold=self.threshold,
            signals=signals.as_dict(),
        )

    def save(self, path: str | Path) -> Path:
        """Write the gate as JSON (what `load` reads)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, path: str | Path) -> CallGate:
        """A gate saved by `save` (or by `lamagent eval calibrate-gate`)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read a call gate from {path}: {exc}") from exc
        gate = data.get("gate", data) if isinstance(data, dict) else None
        if not isinstance(gate, dict) or not isinstance(gate.get("weights", {}), dict):
            raise ConfigError(f"{path} is not a call gate (expected threshold and weights)")
        try:
            return cls(
                threshold=float(gate.get("threshold", 0.3)),
                min_grounding=float(gate.get("min_grounding", 0.0)),
                weights={str(k): float(v) for k, v in gate.get("weights", {}).items()},
                answer_cue=gate.get("answer_cue"),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{path} is not a call gate: {exc}") from None


@dataclass(frozen=True)
class GateDecision:
    """What the gate decided for one turn, and why: record it with the step."""

    decision: Literal["call", "text"]
    score: float
    threshold: float
    #: The signals behind the score (empty when the draft held no readable call).
    signals: dict[str, Any] = field(default_factory=dict)
    #: The drafted calls (xLAM dicts), kept even when the decision is text.
    draft: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds spent drafting the call list.
    draft_seconds: float = 0.0
    #: The words the text answer was started with (`CallGate.answer_cue`), when it was.
    answer_cue: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict for a trajectory step."""
        return {
            "decision": self.decision,
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "signals": self.signals,
            "draft": self.draft,
            "draft_seconds": round(self.draft_seconds, 4),
            **({"answer_cue": self.answer_cue} if self.answer_cue is not None else {}),
        }
