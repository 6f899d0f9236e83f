"""Recorded agent runs: xLAM's unified trajectory format, durable stores and converters.

- `Trajectory`, `Step`, `CallRecord`: the records (paper figure 4 plus extensions);
  `ToolErrorRecord` is the version-1 shape of a tool failure (`Step.tool_errors`).
- `Recorder`: the one writer of a run's trajectory to a store.
- `TrajectoryStore`, `SQLiteStore`, `MemoryStore`, `open_store`: where runs are recorded.
- `read_jsonl`, `write_jsonl`, `to_record`, `from_record`, `ImportIssue`: files and the
  OpenAI / ActionStudio / APIGen-MT / xlam-60k shapes.
"""

from lamagent.records import CallRecord
from lamagent.trajectory.convert import (
    FORMATS,
    ImportIssue,
    detect_format,
    from_record,
    iter_jsonl,
    read_jsonl,
    to_record,
    trajectory_from_messages,
    write_jsonl,
)
from lamagent.trajectory.models import (
    OUTCOMES,
    SCHEMA_VERSION,
    Outcome,
    Step,
    ToolErrorRecord,
    Trajectory,
)
from lamagent.trajectory.recorder import Recorder
from lamagent.trajectory.store import MemoryStore, SQLiteStore, TrajectoryStore, open_store

__all__ = [
    "FORMATS",
    "OUTCOMES",
    "SCHEMA_VERSION",
    "CallRecord",
    "ImportIssue",
    "MemoryStore",
    "Outcome",
    "Recorder",
    "SQLiteStore",
    "Step",
    "ToolErrorRecord",
    "Trajectory",
    "TrajectoryStore",
    "detect_format",
    "from_record",
    "iter_jsonl",
    "open_store",
    "read_jsonl",
    "to_record",
    "trajectory_from_messages",
    "write_jsonl",
]
