"""The results file of a multi-turn run: JSON Lines, one finished case a line, each line carrying
the run's setting, so an interrupted run resumes where it stopped and a file is never mixed
between settings (the same conventions as the single-turn results file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from lamagent.errors import LamagentError
from lamagent.eval.multi_turn.report import MultiTurnCaseResult

__all__ = ["ResultsFile", "read_results"]


def read_results(path: Path, setting: dict[str, Any]) -> dict[str, MultiTurnCaseResult]:
    """The cases already in `path` by id (a truncated last line is ignored); a line of another
    setting is an error."""
    done: dict[str, MultiTurnCaseResult] = {}
    if not path.exists():
        return done
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            theirs = {k: record.get(k) for k in setting}
            if theirs != setting:
                raise LamagentError(
                    f"{path} holds results of another setting ({theirs}, this run is {setting}); "
                    "give this run its own output file"
                )
            result = MultiTurnCaseResult(**{k: v for k, v in record.items() if k not in setting})
            done[result.id] = result
    return done


class ResultsFile:
    """Appends one JSON line per finished case and flushes it (the resume point)."""

    def __init__(self, path: Path, setting: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._setting = setting
        needs_newline = path.exists() and path.stat().st_size > 0 and not _ends_in_newline(path)
        self._fh: IO[str] = path.open("a", encoding="utf-8")
        if needs_newline:
            self._fh.write("\n")

    def write(self, result: MultiTurnCaseResult) -> None:
        record = {**self._setting, **result.model_dump()}
        self._fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def _ends_in_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
