"""BFCL multi-turn cases: user turns, the environments and their initial state, the ground truth.

By default the cases come from the installed `bfcl-eval` package (`BFCL_v*_<category>.json` and
`possible_answer/` beside them); a directory of the same layout works too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamagent.errors import ConfigError, LamagentError
from lamagent.eval.categories import MULTI_TURN_CATEGORIES, is_multi_turn
from lamagent.eval.multi_turn.environments import bfcl_data_dir, function_docs

__all__ = [
    "MULTI_TURN_CATEGORIES",
    "MultiTurnCase",
    "is_multi_turn",
    "load_multi_turn",
]


@dataclass(frozen=True)
class MultiTurnCase:
    """One multi-turn case: what the user says each turn and the calls that answer each turn.

    `turns[i]` are the messages of user turn i (empty on the turn where `miss_func` adds its
    held-out functions); `ground_truth[i]` the call strings that turn expects (empty where the
    agent should not call, e.g. when a parameter is missing and it should ask).
    """

    id: str
    category: str
    turns: list[list[dict[str, Any]]]
    ground_truth: list[list[str]]
    involved_classes: list[str]
    initial_config: dict[str, Any] = field(default_factory=dict)
    #: Turn index -> names of the functions held out until that turn (`miss_func`).
    missed_functions: dict[int, list[str]] = field(default_factory=dict)

    @property
    def long_context(self) -> bool:
        """Environments load their long-context variant (BFCL's rule: the category name)."""
        return "long_context" in self.category

    def functions(self) -> list[dict[str, Any]]:
        """Every function doc of the involved classes, held-out ones included."""
        return [doc for name in self.involved_classes for doc in function_docs(name)]

    def functions_at(self, turn: int) -> list[dict[str, Any]]:
        """The docs offered from turn `turn` on: all but those still held out."""
        held = {n for t, names in self.missed_functions.items() if t > turn for n in names}
        return [doc for doc in self.functions() if doc["name"] not in held]

    def added_at(self, turn: int) -> list[dict[str, Any]]:
        """The docs that become available exactly at turn `turn`."""
        names = set(self.missed_functions.get(turn, []))
        return [doc for doc in self.functions() if doc["name"] in names]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def has_multi_turn_files(data: str | os.PathLike[str]) -> bool:
    """Whether `data` is a directory that holds BFCL multi-turn question files."""
    root = Path(data)
    return root.is_dir() and any(root.glob("BFCL_v*_multi_turn_*.json"))


def _question_file(root: Path, category: str) -> Path:
    found = sorted(root.glob(f"BFCL_v*_{category}.json"))
    if not found:
        raise ConfigError(f"no BFCL_v*_{category}.json in {root}")
    return found[-1]


def _case(
    record: Mapping[str, Any], category: str, truth: Sequence[Sequence[str]]
) -> MultiTurnCase:
    turns = [list(t) for t in record["question"]]
    if len(turns) != len(truth):
        raise LamagentError(
            f"{record['id']}: {len(turns)} user turns but {len(truth)} ground-truth turns"
        )
    missed = {int(k): list(v) for k, v in (record.get("missed_function") or {}).items()}
    return MultiTurnCase(
        id=str(record["id"]),
        category=category,
        turns=turns,
        ground_truth=[list(t) for t in truth],
        involved_classes=list(record["involved_classes"]),
        initial_config=dict(record.get("initial_config") or {}),
        missed_functions=missed,
    )


def load_multi_turn(
    categories: Iterable[str] | None = None, data: str | os.PathLike[str] | None = None
) -> list[MultiTurnCase]:
    """The cases of `categories` (default: all four) from `data` (default: the BFCL package)."""
    wanted = list(categories) if categories is not None else list(MULTI_TURN_CATEGORIES)
    unknown = [c for c in wanted if not is_multi_turn(c)]
    if unknown:
        raise ConfigError(
            f"not multi-turn categories: {unknown}; use {', '.join(MULTI_TURN_CATEGORIES)}"
        )
    root = Path(data) if data is not None else bfcl_data_dir()
    cases: list[MultiTurnCase] = []
    for category in wanted:
        question_file = _question_file(root, category)
        answer_file = root / "possible_answer" / question_file.name
        if not answer_file.is_file():
            raise ConfigError(f"no ground truth for {category}: expected {answer_file}")
        truth = {str(r["id"]): r["ground_truth"] for r in _read_jsonl(answer_file)}
        for record in _read_jsonl(question_file):
            case_id = str(record["id"])
            if case_id not in truth:
                raise LamagentError(f"{case_id}: no ground truth in {answer_file}")
            cases.append(_case(record, category, truth[case_id]))
    return cases
