"""Evaluation results and their outputs: a rich table, a JSON report and a bar chart PNG.

`EvalReport` holds one result per case for one setting (model, format, the decoding: "free",
"constrained" (the call grammar, text allowed) or "constrained-required" (calls only), and
whether each case ran one generation or the Agent loop: "agent", "agent-constrained",
"agent-constrained-required"); the per-category scores, the overall accuracy and the failures
are derived from it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.table import Table

__all__ = [
    "AGENT_SETTINGS",
    "SETTINGS",
    "TOOL_CHOICES",
    "CaseResult",
    "CategoryScore",
    "EvalReport",
    "markdown_comparison",
    "plot_accuracy",
    "setting_name",
]

#: The tool choices a constrained evaluation takes: "auto" lets the grammar accept text or
#: calls, "required" only calls.
TOOL_CHOICES = ("auto", "required")


#: Every decoding setting by name: (constrained, tool_choice); one generation per case.
SETTINGS: dict[str, tuple[bool, str]] = {
    "free": (False, "auto"),
    "constrained": (True, "auto"),
    "constrained-required": (True, "required"),
}
#: The same decodings with each case run by the Agent (verification, repairs, error feedback,
#: retries), scored on the first calls that verify.
AGENT_SETTINGS: dict[str, tuple[bool, str]] = {
    "agent": (False, "auto"),
    "agent-constrained": (True, "auto"),
    "agent-constrained-required": (True, "required"),
}


def setting_name(constrained: bool, tool_choice: str = "auto", agent: bool = False) -> str:
    """How the calls were decoded ("free", "constrained", "constrained-required"), prefixed
    "agent" when the Agent loop ran each case ("agent" alone for free decoding)."""
    if not constrained:
        decoding = "free"
    else:
        decoding = "constrained" if tool_choice == "auto" else f"constrained-{tool_choice}"
    if not agent:
        return decoding
    return "agent" if decoding == "free" else f"agent-{decoding}"


class CaseResult(BaseModel):
    """The outcome of one case: the verdict, why it failed, and what the model said."""

    id: str
    category: str
    passed: bool
    #: A checker reason (`lamagent.eval.REASONS`), or "generation_error" when the backend failed.
    reason: str | None = None
    detail: str = ""
    output: str = ""
    calls: list[dict[str, Any]] = Field(default_factory=list)
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Model turns the case took: 1 for one generation; in an agent setting, the steps until
    #: calls that verify or an answer (each failed step is a retry).
    steps: int = 1

    @classmethod
    def generation_error(
        cls, case_id: str, category: str, exc: BaseException, seconds: float
    ) -> CaseResult:
        """A case whose model (or its tools' specs) failed before any answer."""
        return cls(
            id=case_id,
            category=category,
            passed=False,
            reason="generation_error",
            detail=f"{type(exc).__name__}: {exc}",
            seconds=seconds,
        )


class CategoryScore(BaseModel):
    """Accuracy of one category, with a count of failures per reason."""

    category: str
    total: int
    passed: int
    reasons: dict[str, int] = Field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


def decoding_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The decoding options of a saved report or results header, off where a file from before
    the option existed does not name it."""
    return {
        "gate": bool(data.get("gate", False)),
        "copy_bias": data.get("copy_bias", 0.0),
        "mentioned_arguments": data.get("mentioned_arguments", False),
        "example_shapes": data.get("example_shapes", False),
        "listed_items": data.get("listed_items", False),
    }


class EvalReport(BaseModel):
    """All case results of one run setting."""

    model: str
    format: str
    constrained: bool
    #: The constraint's tool choice ("auto" or "required"); "auto" when not constrained.
    tool_choice: str = "auto"
    data: str = ""
    #: True when the Agent loop ran each case (the single-turn agent settings).
    agent: bool = False
    #: The step limit of each Agent run (0: one generation per case).
    max_steps: int = 0
    #: True when a call gate decided the auto turns.
    gate: bool = False
    #: Copy-aware decoding's bias (0: off).
    copy_bias: float = 0.0
    #: True when calls that left out an argument the user asked for were generated again.
    mentioned_arguments: bool = False
    #: True when string values took the shapes their descriptions show by example.
    example_shapes: bool = False
    #: True when calls gained one call per other item of a list the user wrote.
    listed_items: bool = False
    results: list[CaseResult] = Field(default_factory=list)
    #: Categories of the data folder this run left out, each with the reason (multi-turn,
    #: agentic or not cases; see `lamagent.eval.bfcl_data.skipped_categories`).
    skipped: dict[str, str] = Field(default_factory=dict)

    @property
    def setting(self) -> str:
        """The setting's name ("free", "constrained", "agent", ...; "-gate" with a gate,
        "-copy3" with a copy bias of 3, "-mentions" with `mentioned_arguments`, "-shapes" with
        `example_shapes`, "-listed" with `listed_items`)."""
        return (
            setting_name(self.constrained, self.tool_choice, self.agent)
            + ("-gate" if self.gate else "")
            + (f"-copy{self.copy_bias:g}" if self.copy_bias > 0 else "")
            + ("-mentions" if self.mentioned_arguments else "")
            + ("-shapes" if self.example_shapes else "")
            + ("-listed" if self.listed_items else "")
        )

    @property
    def retried(self) -> int:
        """Cases that took more than one model turn (an agent setting's retries)."""
        return sum(r.steps > 1 for r in self.results)

    @property
    def categories(self) -> dict[str, CategoryScore]:
        """Per-category scores, in the order categories first appear."""
        groups: dict[str, list[CaseResult]] = {}
        for r in self.results:
            groups.setdefault(r.category, []).append(r)
        return {
            name: CategoryScore(
                category=name,
                total=len(rs),
                passed=sum(r.passed for r in rs),
                reasons=dict(Counter(r.reason or "" for r in rs if not r.passed)),
            )
            for name, rs in groups.items()
        }

    @property
    def overall(self) -> float:
        """Accuracy over all cases (each case counts once)."""
        return sum(r.passed for r in self.results) / len(self.results) if self.results else 0.0

    @property
    def overall_by_category(self) -> float:
        """The unweighted mean of the category accuracies."""
        scores = list(self.categories.values())
        return sum(s.accuracy for s in scores) / len(scores) if scores else 0.0

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: setting, per-category accuracy, overall, and every failure."""
        return {
            "model": self.model,
            "format": self.format,
            "constrained": self.constrained,
            "tool_choice": self.tool_choice,
            "agent": self.agent,
            "max_steps": self.max_steps,
            "gate": self.gate,
            "setting": self.setting,
            "data": self.data,
            "total": len(self.results),
            "retried": self.retried,
            "passed": sum(r.passed for r in self.results),
            "overall": self.overall,
            "overall_by_category": self.overall_by_category,
            "categories": {
                name: {
                    "total": s.total,
                    "passed": s.passed,
                    "accuracy": s.accuracy,
                    "reasons": s.reasons,
                }
                for name, s in self.categories.items()
            },
            "failures": [
                r.model_dump(
                    include={"id", "category", "reason", "detail", "output", "calls", "steps"}
                )
                for r in self.failures
            ],
        }

    def save_json(self, path: str | Path) -> Path:
        """Write `to_dict()` plus all results to `path` (read back with `load_json`)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = self.to_dict()
        payload["results"] = [r.model_dump() for r in self.results]
        target.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        return target

    @classmethod
    def load_json(cls, path: str | Path) -> EvalReport:
        """A report saved by `save_json` (files from before an option existed read it off)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            model=data["model"],
            format=data["format"],
            constrained=data["constrained"],
            tool_choice=data.get("tool_choice", "auto"),
            data=data.get("data", ""),
            agent=data.get("agent", False),
            max_steps=data.get("max_steps", 0),
            **decoding_fields(data),
            results=[CaseResult(**r) for r in data.get("results", [])],
        )

    def table(self) -> Table:
        """A rich table: one row per category, then the overall accuracy."""
        table = Table(title=f"BFCL: {self.model} ({self.format}, {self.setting})")
        table.add_column("category")
        table.add_column("cases", justify="right")
        table.add_column("passed", justify="right")
        table.add_column("accuracy", justify="right")
        table.add_column("failures by reason")
        for name, s in self.categories.items():
            reasons = ", ".join(
                f"{k} {v}" for k, v in sorted(s.reasons.items(), key=lambda kv: -kv[1])
            )
            table.add_row(name, str(s.total), str(s.passed), f"{s.accuracy:.1%}", reasons)
        total = len(self.results)
        passed = sum(r.passed for r in self.results)
        table.add_section()
        table.add_row("overall", str(total), str(passed), f"{self.overall:.1%}", "", style="bold")
        return table


def plot_accuracy(reports: Sequence[EvalReport], path: str | Path) -> Path:
    """A bar chart PNG of accuracy per category, one bar per report (e.g. constrained vs free)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories: list[str] = []
    for report in reports:
        categories += [c for c in report.categories if c not in categories]
    width = 0.8 / max(len(reports), 1)
    fig, ax = plt.subplots(
        figsize=(max(6.0, 1.2 * len(categories) + 2), 4.5 + 0.25 * ((len(reports) + 1) // 2))
    )
    for i, report in enumerate(reports):
        scores = report.categories
        # a category this report did not run gets no bar (not a misleading 0)
        present = [(j, c) for j, c in enumerate(categories) if c in scores]
        xs = [j + (i - (len(reports) - 1) / 2) * width for j, _ in present]
        values = [100 * scores[c].accuracy for _, c in present]
        bars = ax.bar(xs, values, width, label=f"{report.model} {report.setting}")
        ax.bar_label(bars, fmt="%.0f", fontsize=8)
    ax.set_xticks(range(len(categories)), categories, rotation=20, ha="right")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title("BFCL accuracy by category")
    ax.legend(
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2 if len(reports) > 2 else len(reports),
        frameon=False,
    )
    fig.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return target


def markdown_comparison(reports: Mapping[str, EvalReport]) -> list[str]:
    """Reports side by side as Markdown table lines: one column per report (its key names it),
    one row per category, accuracy and passed/total, then the overall row. Callers may append
    rows of their own."""
    names = list(reports)
    categories: list[str] = []
    for report in reports.values():
        categories += [c for c in report.categories if c not in categories]
    lines = ["| category | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for cat in categories:
        cells = []
        for name in names:
            score = reports[name].categories.get(cat)
            cells.append(
                f"{score.accuracy:.0%} ({score.passed}/{score.total})" if score else "not run"
            )
        lines.append(f"| {cat} | " + " | ".join(cells) + " |")
    overall = [
        f"**{r.overall:.0%}** ({sum(x.passed for x in r.results)}/{len(r.results)})"
        for r in reports.values()
    ]
    lines.append("| **overall** | " + " | ".join(overall) + " |")
    return lines
