"""Trajectory stores: where runs are recorded, step by step, as they happen.

- `protocol`: `TrajectoryStore`, the runtime-checkable protocol every store implements.
- `memory`: `MemoryStore`, a dict behind a lock (tests and throwaway runs).
- `sqlite`: `SQLiteStore`, the default: WAL, one transaction per step.
- `liveness`: tells a run whose writing process died from one still being written.

Both stores pass the same conformance suite (tests/store_conformance.py). Only the
`Recorder` (lamagent.trajectory.recorder) writes to a store during a run.
"""

from __future__ import annotations

import os
from typing import Any

from lamagent.trajectory.store.memory import MemoryStore
from lamagent.trajectory.store.protocol import SessionLeases, TimePoint, TrajectoryStore
from lamagent.trajectory.store.sqlite import STORE_SCHEMA_VERSION, SQLiteStore, Synchronous


def open_store(path: str | os.PathLike[str], **kwargs: Any) -> MemoryStore | SQLiteStore:
    """`":memory:"` gives a `MemoryStore`; any other path a `SQLiteStore` (folders created)."""
    if str(path) == ":memory:":
        return MemoryStore()
    return SQLiteStore(path, **kwargs)


__all__ = [
    "STORE_SCHEMA_VERSION",
    "MemoryStore",
    "SQLiteStore",
    "SessionLeases",
    "Synchronous",
    "TimePoint",
    "TrajectoryStore",
    "open_store",
]
