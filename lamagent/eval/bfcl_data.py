"""Loading BFCL question and answer files (JSON Lines) of any single-turn category.

A directory holds `BFCL_v<N>_<category>.json` question files and, for categories with a
ground truth, `possible_answer/BFCL_v<N>_<category>.json` answer files with the same ids. A single
question file works too: its answers are looked up in a `possible_answer/` folder beside it, or
given explicitly, or carried in the records themselves (`ground_truth`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from lamagent.errors import LamagentError
from lamagent.eval.categories import not_single_turn
from lamagent.eval.checker import category_of

__all__ = [
    "BFCLCase",
    "first_acceptable_calls",
    "load_bfcl",
    "needs_ground_truth",
    "select_cases",
    "skipped_categories",
]

_FILE_NAME = re.compile(r"^BFCL_v\d+_(?P<category>.+?)\.jsonl?$")


@dataclass(frozen=True)
class BFCLCase:
    """One question with its functions and, where the category has one, its ground truth."""

    id: str
    category: str
    record: Mapping[str, Any]
    ground_truth: list[dict[str, Any]] | None

    @property
    def functions(self) -> list[dict[str, Any]]:
        """The function specs offered to the model (BFCL schema words)."""
        return list(self.record.get("function") or [])

    @property
    def prompt_functions(self) -> list[dict[str, Any]]:
        """The function specs as BFCL shows them to a model, with its language hints
        (`lamagent.eval.prompt_docs`); the checker reads `functions`."""
        from lamagent.eval.prompt_docs import bfcl_prompt_docs

        return bfcl_prompt_docs(self.functions, self.category)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages of the first turn (a multi-turn question is asked its first turn only)."""
        question = self.record.get("question") or []
        if question and isinstance(question[0], list):
            return [dict(m) for m in question[0]]
        return [dict(m) for m in question]


def needs_ground_truth(category: str) -> bool:
    """Irrelevance and relevance cases are judged on whether a call is made, not on its values."""
    return "relevance" not in category


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LamagentError(
                    f"{path}:{number} is not a JSON object ({exc.msg}); BFCL files are JSON "
                    "Lines, one record per line"
                ) from exc
    return records


def _category_of_file(path: Path) -> str | None:
    m = _FILE_NAME.match(path.name)
    return m.group("category") if m else None


def _answers_beside(question_file: Path) -> Path | None:
    candidate = question_file.parent / "possible_answer" / question_file.name
    return candidate if candidate.is_file() else None


def _load_file(question_file: Path, answer_file: Path | None) -> list[BFCLCase]:
    file_category = _category_of_file(question_file)
    if file_category is not None:
        _check_single_turn(file_category, question_file)
    answers: dict[str, list[dict[str, Any]]] = {}
    if answer_file is not None:
        answers = {str(r["id"]): r["ground_truth"] for r in _read_jsonl(answer_file)}
    cases = []
    for record in _read_jsonl(question_file):
        case_id = str(record.get("id", ""))
        category = file_category or category_of(case_id)
        if file_category is None:
            _check_single_turn(category, question_file)
        functions = record.get("function")
        if not isinstance(functions, list) or not all(isinstance(f, dict) for f in functions):
            raise LamagentError(
                f"{question_file}: case {case_id!r} has no list of function specs under "
                "'function'; a single-turn BFCL case offers its functions there"
            )
        truth = answers.get(case_id, record.get("ground_truth"))
        if truth is None and needs_ground_truth(category):
            where = answer_file or question_file.parent / "possible_answer" / question_file.name
            raise LamagentError(
                f"no ground truth for {case_id!r} ({category}): expected it in {where}; "
                "put the answer file there or pass it with answers="
            )
        cases.append(BFCLCase(case_id, category, record, truth))
    return cases


def _check_single_turn(category: str, where: Path) -> None:
    reason = not_single_turn(category)
    if reason is not None:
        raise LamagentError(f"{where}: {category!r} is {reason}")


def skipped_categories(path: str | Path) -> dict[str, str]:
    """The categories of a BFCL folder that `load_bfcl` leaves out when asked for all of them,
    each with the reason (multi-turn, agentic, or not cases)."""
    root = Path(path)
    if not root.is_dir():
        return {}
    found = (_category_of_file(p) for p in sorted(root.iterdir()) if p.is_file())
    return {c: reason for c in found if c and (reason := not_single_turn(c)) is not None}


def load_bfcl(
    path: str | Path,
    categories: Iterable[str] | None = None,
    *,
    answers: str | Path | None = None,
) -> list[BFCLCase]:
    """Read single-turn BFCL cases from a directory of `BFCL_v*_<category>.json` files or from
    one file.

    `categories` keeps only those categories (an error names the ones present if any is
    missing). Without it, a directory's single-turn categories are read and the others
    (multi-turn, agentic, `format_sensitivity`: see `skipped_categories`) left out; asking
    for one of those is an error that says why. `answers` is the answer file for a single
    question file, when it is not in a `possible_answer/` folder beside it.
    """
    root = Path(path)
    wanted = list(categories) if categories else None
    for category in wanted or ():
        _check_single_turn(category, root)
    if root.is_dir():
        files = sorted(p for p in root.iterdir() if p.is_file() and _category_of_file(p))
        if not files:
            raise LamagentError(f"no BFCL_v*_<category>.json files in {root}")
        if wanted is not None:
            files = [p for p in files if _category_of_file(p) in wanted]
        else:
            files = [p for p in files if not_single_turn(_category_of_file(p) or "") is None]
        cases = [case for p in files for case in _load_file(p, _answers_beside(p))]
    elif root.is_file():
        answer_file = Path(answers) if answers is not None else _answers_beside(root)
        cases = _load_file(root, answer_file)
    else:
        raise LamagentError(f"BFCL data not found: {root} is neither a file nor a directory")
    if wanted is not None:
        present = sorted({c.category for c in cases})
        missing = [c for c in wanted if c not in present]
        if missing:
            raise LamagentError(f"categories {missing} not in {root}; present: {present or 'none'}")
        cases = [c for c in cases if c.category in wanted]
    return cases


class _Categorised(Protocol):
    @property
    def category(self) -> str: ...


CaseT = TypeVar("CaseT", bound=_Categorised)


def select_cases(
    cases: Sequence[CaseT],
    *,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> list[CaseT]:
    """Per category: a random `sample` (seeded) or the first `limit` cases, in file order.

    Any cases with a `category` (single-turn, multi-turn, memory questions)."""
    by_category: dict[str, list[CaseT]] = {}
    for case in cases:
        by_category.setdefault(case.category, []).append(case)
    chosen: list[CaseT] = []
    for category, group in by_category.items():
        if sample is not None and sample < len(group):
            rng = random.Random(f"{seed}:{category}")
            keep = set(rng.sample(range(len(group)), sample))
            group = [c for i, c in enumerate(group) if i in keep]
        if limit is not None:
            group = group[:limit]
        chosen.extend(group)
    return chosen


def _first_value(acceptable: Sequence[Any], required: bool = False) -> tuple[bool, Any]:
    """`(present, value)`: the first acceptable value, or not present when it is `""` for an
    argument that may be left out. A required argument takes its first value other than `""`.
    An empty list of acceptable values stands for the empty list (see `checker`)."""
    if not acceptable:
        return True, []
    values = [v for v in acceptable if not (isinstance(v, str) and v == "")] if required else []
    value = values[0] if values else acceptable[0]
    if isinstance(value, str) and value == "":
        return False, None
    return True, _resolve(value)


def _resolve(value: Any) -> Any:
    """A ground-truth value made concrete: `{key: [acceptable]}` dicts pick their first values."""
    if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
        out = {}
        for key, acceptable in value.items():
            present, chosen = _first_value(acceptable)
            if present:
                out[key] = chosen
        return out
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value


def first_acceptable_calls(
    ground_truth: Sequence[Mapping[str, Any]],
    functions: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The ground truth as concrete `{"name", "arguments"}` calls, each argument at its first
    acceptable value; arguments whose first value is `""` are left out unless `functions` (the
    question's specs) mark them required."""
    required: dict[str, set[str]] = {
        str(f.get("name")): set((f.get("parameters") or {}).get("required") or [])
        for f in functions
    }
    calls = []
    for entry in ground_truth:
        ((name, answers),) = entry.items()
        arguments = {}
        for arg, acceptable in answers.items():
            present, value = _first_value(acceptable, arg in required.get(name, set()))
            if present:
                arguments[arg] = value
        calls.append({"name": name, "arguments": arguments})
    return calls
