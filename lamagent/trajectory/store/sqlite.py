"""`SQLiteStore`: the default trajectory store, one SQLite file in WAL mode, one transaction
per step, so a process that dies in the middle of a run loses nothing it had finished.

Hostile content is stored too (see `encoding`), a damaged row is reported and skipped instead of
failing every read, a read-only file opens for reading, and a full disk is reported as such.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lamagent.errors import SessionBusyError, TrajectoryError
from lamagent.messages import Usage
from lamagent.trajectory.models import Outcome, Step, Trajectory
from lamagent.trajectory.store.connections import (
    ConnectionPool,
    Synchronous,
    describe,
    is_readonly_error,
    writable,
)
from lamagent.trajectory.store.encoding import record_json, safe_text
from lamagent.trajectory.store.liveness import owner_alive, writer_alive, writer_id
from lamagent.trajectory.store.protocol import TimePoint, TrajectoryFilter, check_outcome

STORE_SCHEMA_VERSION = 1
"""Version of the SQLite table layout (independent of the record's `schema_version`)."""

_LIVE = ("running", "incomplete")
_UNREADABLE = (ValueError, TypeError, RecursionError, ValidationError)
_log = logging.getLogger("lamagent.trajectory.store")


class _DamagedRow(Exception):
    """Internal: a trajectory row that cannot be read (never escapes this module)."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trajectories (
    id          TEXT PRIMARY KEY,
    header      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_at  REAL NOT NULL,
    finished_at REAL,
    model_id    TEXT,
    format      TEXT,
    writer      TEXT,
    n_steps     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS trajectories_created ON trajectories (created_at);
CREATE INDEX IF NOT EXISTS trajectories_outcome ON trajectories (outcome, created_at);
CREATE TABLE IF NOT EXISTS steps (
    trajectory_id TEXT NOT NULL REFERENCES trajectories (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    step_id       INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (trajectory_id, seq)
);
CREATE TABLE IF NOT EXISTS step_tools (
    trajectory_id TEXT NOT NULL REFERENCES trajectories (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    tool          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS step_tools_tool ON step_tools (tool, trajectory_id);
CREATE TABLE IF NOT EXISTS step_errors (
    trajectory_id TEXT NOT NULL REFERENCES trajectories (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    kind          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS step_errors_kind ON step_errors (kind, trajectory_id);
CREATE TABLE IF NOT EXISTS leases (
    name        TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    acquired_at REAL NOT NULL
);
"""


class SQLiteStore:
    """The default store: one SQLite file in WAL mode, one transaction per step.

    Durability: with `synchronous="NORMAL"` (the default) a committed step survives the death of
    the process (SIGKILL, OOM, a crash) because WAL frames reach the OS before `add_step`
    returns; only an OS crash or power loss can drop the last few commits, and never corrupts
    the file. `synchronous="FULL"` also fsyncs the WAL on every commit, surviving power loss at
    the cost of one fsync per step.

    Concurrency: threads borrow a connection from a small pool for each operation (so a service
    with thousands of short-lived threads keeps a bounded number of files open); writers take
    the write lock up front (`BEGIN IMMEDIATE`) and wait up to `busy_timeout` seconds for it, so
    many threads and several processes can record runs into one file. Readers never block
    writers (WAL).

    `readonly`: None opens read-only when the file or its folder cannot be written (or the
    file refuses writes), True always; a read-only store reads and refuses writes with a
    `TrajectoryError`. Rows that cannot be read are skipped by `query` and iteration, logged,
    and listed in `skipped`; `get` of such a trajectory raises `TrajectoryError`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout: float = 30.0,
        readonly: bool | None = None,
        max_idle_connections: int = 4,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise TrajectoryError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        #: Messages about rows that could not be read and were skipped (latest 1000).
        self.skipped: deque[str] = deque(maxlen=1000)
        if readonly is None:
            readonly = self.path.exists() and not writable(self.path)
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TrajectoryError(
                    f"cannot create the folder of the store {self.path}: {exc}"
                ) from exc
        self._pool = ConnectionPool(
            self.path,
            synchronous=synchronous,
            busy_timeout=busy_timeout,
            readonly=readonly,
            max_idle=max_idle_connections,
        )
        try:
            self._init_schema()
        except TrajectoryError as exc:
            cause = exc.__cause__
            if (
                readonly
                or not (isinstance(cause, sqlite3.Error) and is_readonly_error(cause))
                or not self.path.exists()
            ):
                self._pool.close()
                raise
            self._pool.close()  # the file refused writes: read it as it is
            self._pool = ConnectionPool(
                self.path,
                synchronous=synchronous,
                busy_timeout=busy_timeout,
                readonly=True,
                max_idle=max_idle_connections,
            )
            self._init_schema()

    @property
    def readonly(self) -> bool:
        """True when the store was opened for reading only."""
        return self._pool.readonly

    @property
    def open_connections(self) -> int:
        """SQLite connections this store holds open right now (lent and idle)."""
        return self._pool.opened

    # -- transactions --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its first statement.

        A SQLite failure becomes a `TrajectoryError` that names its cause (a full disk, a
        read-only file); the transaction is rolled back only if SQLite has not already done so.
        """
        if self.readonly:
            raise TrajectoryError(f"cannot {what} in {self.path}: the store is open read-only")
        with self._pool.borrow() as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise TrajectoryError(describe(exc, self.path, what)) from exc
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: everything read in it comes from the same snapshot."""
        with self._pool.borrow() as conn:
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise TrajectoryError(describe(exc, self.path, "read")) from exc

    def _init_schema(self) -> None:
        if self.readonly:
            with self._read() as conn:
                try:
                    row = conn.execute(
                        "SELECT value FROM meta WHERE key = 'schema_version'"
                    ).fetchone()
                except sqlite3.Error as exc:
                    raise TrajectoryError(
                        f"{self.path} is not a trajectory store (read-only): {exc}"
                    ) from exc
            self._check_version(row)
            return
        with self._write("create the tables") as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(STORE_SCHEMA_VERSION),),
                )
            self._check_version(row)

    def _check_version(self, row: Any) -> None:
        if row is not None and int(row[0]) > STORE_SCHEMA_VERSION:
            raise TrajectoryError(
                f"{self.path} has store schema version {row[0]}, newer than this lamagent "
                f"understands ({STORE_SCHEMA_VERSION}); upgrade lamagent to read it"
            )

    @property
    def schema_version(self) -> int:
        """The table layout version recorded in the file's `meta` table."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def _insert_step(conn: sqlite3.Connection, tid: str, seq: int, step: Step) -> None:
        conn.execute(
            "INSERT INTO steps (trajectory_id, seq, step_id, data) VALUES (?, ?, ?, ?)",
            (tid, seq, step.step_id, record_json(step)),
        )
        tools = {safe_text(name) for name in step.tool_names}
        if tools:
            conn.executemany(
                "INSERT INTO step_tools (trajectory_id, seq, tool) VALUES (?, ?, ?)",
                [(tid, seq, name) for name in sorted(tools)],
            )
        kinds = set(step.error_kinds)
        if kinds:
            conn.executemany(
                "INSERT INTO step_errors (trajectory_id, seq, kind) VALUES (?, ?, ?)",
                [(tid, seq, kind) for kind in sorted(kinds)],
            )

    def start(self, trajectory: Trajectory) -> None:
        tid = safe_text(trajectory.unique_trajectory_id)
        header = record_json(trajectory, exclude={"steps"})
        with self._write(f"start trajectory {tid!r}") as conn:
            try:
                conn.execute(
                    "INSERT INTO trajectories (id, header, outcome, created_at, finished_at, "
                    "model_id, format, writer, n_steps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        tid,
                        header,
                        trajectory.outcome,
                        trajectory.created_at,
                        trajectory.finished_at,
                        None if trajectory.model_id is None else safe_text(trajectory.model_id),
                        None if trajectory.format is None else safe_text(trajectory.format),
                        writer_id(),
                        len(trajectory.steps),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise TrajectoryError(f"trajectory {tid!r} is already in {self.path}") from exc
            for seq, step in enumerate(trajectory.steps):
                self._insert_step(conn, tid, seq, step)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        tid = safe_text(trajectory_id)
        with self._write(f"record step {step.step_id} of {tid!r}") as conn:
            row = conn.execute("SELECT n_steps FROM trajectories WHERE id = ?", (tid,)).fetchone()
            if row is None:
                raise TrajectoryError(
                    f"no trajectory {tid!r} in {self.path}; call start() before add_step()"
                )
            seq = int(row[0])
            self._insert_step(conn, tid, seq, step)
            conn.execute("UPDATE trajectories SET n_steps = ? WHERE id = ?", (seq + 1, tid))

    def update_step(self, trajectory_id: str, step: Step) -> None:
        tid = safe_text(trajectory_id)
        with self._write(f"update step {step.step_id} of {tid!r}") as conn:
            row = conn.execute(
                "SELECT seq FROM steps WHERE trajectory_id = ? AND step_id = ? "
                "ORDER BY seq DESC LIMIT 1",
                (tid, step.step_id),
            ).fetchone()
            if row is None:
                raise TrajectoryError(
                    f"no step {step.step_id} in trajectory {tid!r} in {self.path}"
                )
            seq = int(row[0])
            for table in ("steps", "step_tools", "step_errors"):
                conn.execute(f"DELETE FROM {table} WHERE trajectory_id = ? AND seq = ?", (tid, seq))
            self._insert_step(conn, tid, seq, step)

    def finish(
        self,
        trajectory_id: str,
        *,
        outcome: Outcome,
        answer: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        check_outcome(outcome)
        tid = safe_text(trajectory_id)
        now = time.time()
        with self._write(f"finish trajectory {tid!r}") as conn:
            row = conn.execute("SELECT header FROM trajectories WHERE id = ?", (tid,)).fetchone()
            if row is None:
                raise TrajectoryError(f"no trajectory {tid!r} in {self.path}")
            if usage is None:
                usage = Usage()
                for (data,) in conn.execute(
                    "SELECT data FROM steps WHERE trajectory_id = ?", (tid,)
                ):
                    with contextlib.suppress(*_UNREADABLE):
                        usage = usage + Usage.model_validate(json.loads(data).get("usage") or {})
            try:
                header = json.loads(row[0])
                if not isinstance(header, dict):
                    raise ValueError("the header is not a JSON object")
            except _UNREADABLE as exc:
                raise TrajectoryError(
                    f"cannot finish trajectory {tid!r} in {self.path}: its header is damaged "
                    f"({exc})"
                ) from exc
            header.update(
                outcome=outcome,
                answer=answer,
                error=error,
                usage=usage.model_dump(mode="json"),
                finished_at=now,
            )
            conn.execute(
                "UPDATE trajectories SET header = ?, outcome = ?, finished_at = ? WHERE id = ?",
                (json.dumps(header, ensure_ascii=True), outcome, now, tid),
            )

    # -- leases (one writer per session) ---------------------------------------------------------

    def acquire_lease(self, name: str, owner: str) -> None:
        """Take the lease `name`, or raise `SessionBusyError` if a live owner holds it.

        A lease held by a process that died (killed in the middle of a turn) is taken over.
        """
        key = safe_text(name)
        with self._write(f"lease {key!r}") as conn:
            row = conn.execute(
                "SELECT owner, acquired_at FROM leases WHERE name = ?", (key,)
            ).fetchone()
            if row is not None and row[0] != owner and owner_alive(row[0]):
                held = time.time() - float(row[1])
                raise SessionBusyError(
                    f"{key!r} is busy: another writer ({row[0].rpartition('|')[0]}) has been "
                    f"running a turn of it for {held:.1f} s; retry when it is done"
                )
            conn.execute(
                "INSERT OR REPLACE INTO leases (name, owner, acquired_at) VALUES (?, ?, ?)",
                (key, owner, time.time()),
            )

    def release_lease(self, name: str, owner: str) -> None:
        with self._write(f"release the lease {name!r}") as conn:
            conn.execute(
                "DELETE FROM leases WHERE name = ? AND owner = ?", (safe_text(name), owner)
            )

    def reopen(self, trajectory_id: str) -> None:
        """Mark a run `running` again, written by this process (a session's next turn)."""
        tid = safe_text(trajectory_id)
        with self._write(f"reopen trajectory {tid!r}") as conn:
            conn.execute(
                "UPDATE trajectories SET outcome = 'running', finished_at = NULL, writer = ? "
                "WHERE id = ?",
                (writer_id(), tid),
            )

    # -- reading -------------------------------------------------------------------------------

    def _load(
        self, conn: sqlite3.Connection, tid: str, header: str, outcome: str, writer: str | None
    ) -> Trajectory:
        """One trajectory; a damaged step row is skipped with a note, a damaged header raises."""
        try:
            data = json.loads(header)
            if not isinstance(data, dict):
                raise ValueError("the header is not a JSON object")
        except _UNREADABLE as exc:
            raise _DamagedRow(f"trajectory {tid!r}: its header cannot be read ({exc})") from exc
        steps: list[Step] = []
        notes: list[str] = []
        for seq, raw in conn.execute(
            "SELECT seq, data FROM steps WHERE trajectory_id = ? ORDER BY seq", (tid,)
        ):
            try:
                steps.append(Step.model_validate(json.loads(raw)))
            except _UNREADABLE as exc:
                message = f"step row {seq} of trajectory {tid!r} cannot be read and was skipped"
                notes.append(message)
                self._report(f"{message}: {str(exc)[:200]}")
        data["steps"] = steps
        data["outcome"] = self._effective_outcome(outcome, writer)
        if notes:
            data["notes"] = [*list(data.get("notes") or []), *notes]
        try:
            return Trajectory.model_validate(data)
        except _UNREADABLE as exc:
            raise _DamagedRow(
                f"trajectory {tid!r}: its header is not a trajectory ({exc})"
            ) from exc

    def _report(self, message: str) -> None:
        self.skipped.append(message)
        _log.warning("%s: %s", self.path, message)

    def _effective_outcome(self, outcome: str, writer: str | None) -> str:
        if outcome == "running" and not writer_alive(writer):
            return "incomplete"
        return outcome

    def get(self, trajectory_id: str) -> Trajectory | None:
        """The trajectory, or None; a trajectory whose header is damaged raises TrajectoryError."""
        try:
            return self._get(trajectory_id)
        except _DamagedRow as exc:
            self._report(str(exc))
            raise TrajectoryError(f"{self.path}: {exc}") from None

    def _get(self, trajectory_id: str) -> Trajectory | None:
        tid = safe_text(trajectory_id)
        with self._read() as conn:
            row = conn.execute(
                "SELECT header, outcome, writer FROM trajectories WHERE id = ?", (tid,)
            ).fetchone()
            return None if row is None else self._load(conn, tid, *row)

    def query(
        self,
        outcome: str | None = None,
        tool: str | None = None,
        error_kind: str | None = None,
        since: TimePoint | None = None,
        until: TimePoint | None = None,
        limit: int | None = None,
    ) -> list[Trajectory]:
        wanted = TrajectoryFilter.of(outcome, tool, error_kind, since, until)
        where: list[str] = []
        args: list[Any] = []
        if outcome in _LIVE:
            where.append("outcome = 'running'")  # split into running / incomplete below
        elif outcome is not None:
            where.append("outcome = ?")
            args.append(outcome)
        if tool is not None:
            where.append("id IN (SELECT trajectory_id FROM step_tools WHERE tool = ?)")
            args.append(safe_text(tool))
        if error_kind is not None:
            where.append("id IN (SELECT trajectory_id FROM step_errors WHERE kind = ?)")
            args.append(safe_text(error_kind))
        if wanted.since is not None:
            where.append("created_at >= ?")
            args.append(wanted.since)
        if wanted.until is not None:
            where.append("created_at <= ?")
            args.append(wanted.until)
        sql = "SELECT id, header, outcome, writer FROM trajectories"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, rowid DESC"
        found: list[Trajectory] = []
        with self._read() as conn:
            for tid, header, stored, writer in conn.execute(sql, args).fetchall():
                if outcome in _LIVE and self._effective_outcome(stored, writer) != outcome:
                    continue
                try:
                    traj = self._load(conn, tid, header, stored, writer)
                except _DamagedRow as exc:
                    self._report(f"{exc}; skipped")
                    continue
                # The index tables can name what the record no longer holds (a v1 duplicate,
                # a step row that could not be read): the record decides.
                if not wanted.matches_steps(traj):
                    continue
                found.append(traj)
                if limit is not None and len(found) >= max(limit, 0):
                    break
        return found[: max(limit, 0)] if limit is not None else found

    def ids(self) -> list[str]:
        """Every stored trajectory id, newest first (cheap: no steps are read)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id FROM trajectories ORDER BY created_at DESC, rowid DESC"
            ).fetchall()
        return [r[0] for r in rows]

    def __iter__(self) -> Iterator[Trajectory]:
        # One trajectory at a time, so iterating a large store does not load it all at once;
        # a trajectory that cannot be read is reported and skipped.
        for tid in self.ids():
            try:
                traj = self._get(tid)
            except _DamagedRow as exc:
                self._report(f"{exc}; skipped")
                continue
            if traj is not None:
                yield traj

    def __len__(self) -> int:
        with self._read() as conn:
            row = conn.execute("SELECT COUNT(*) FROM trajectories").fetchone()
        return int(row[0])

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"
