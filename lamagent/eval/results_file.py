"""The results file of an evaluation: JSON Lines, one finished case a line, each line carrying
the run's setting, so an interrupted run resumes where it stopped and a file is never mixed
between settings. Single- and multi-turn runs share it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from pydantic import BaseModel

from lamagent.errors import LamagentError

__all__ = ["ResultsFile", "read_results"]

Result = TypeVar("Result", bound=BaseModel)


def read_results(
    path: Path,
    setting: Mapping[str, Any],
    result_type: type[Result],
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Result]:
    """The cases already in `path` by id (a truncated last line is ignored); a line of another
    setting is an error. `defaults` fill setting keys that older files did not write."""
    done: dict[str, Result] = {}
    if not path.exists():
        return done
    fill = dict(defaults or {})
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            theirs = {k: record.get(k, fill.get(k)) for k in setting}
            if theirs != dict(setting):
                raise LamagentError(
                    f"{path} holds results of another setting ({theirs}, this run is "
                    f"{dict(setting)}); give this run its own output file"
                )
            result = result_type(**{k: v for k, v in record.items() if k not in setting})
            done[str(getattr(result, "id"))] = result  # noqa: B009 - every result has an id
    return done


class ResultsFile(Generic[Result]):
    """Appends one JSON line per finished case and flushes it (the resume point)."""

    def __init__(self, path: Path, setting: Mapping[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._setting = dict(setting)
        needs_newline = path.exists() and path.stat().st_size > 0 and not _ends_in_newline(path)
        self._fh: IO[str] = path.open("a", encoding="utf-8")
        if needs_newline:
            self._fh.write("\n")

    def write(self, result: Result) -> None:
        record = {**self._setting, **result.model_dump()}
        self._fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def _ends_in_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"
