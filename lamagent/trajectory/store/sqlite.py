"""`SQLiteStore`: the default trajectory store, one SQLite file in WAL mode, one transaction
per step, so a process that dies in the middle of a run loses nothing it had finished."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from lamagent.errors import TrajectoryError
from lamagent.messages import Usage
from lamagent.trajectory.models import Outcome, Step, Trajectory
from lamagent.trajectory.store.liveness import writer_alive, writer_id
from lamagent.trajectory.store.protocol import TimePoint, check_outcome, to_timestamp

STORE_SCHEMA_VERSION = 1
"""Version of the SQLite table layout (independent of the record's `schema_version`)."""

_LIVE = ("running", "incomplete")

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
"""

Synchronous = Literal["NORMAL", "FULL"]


class SQLiteStore:
    """The default store: one SQLite file in WAL mode, one transaction per step.

    Durability: with `synchronous="NORMAL"` (the default) a committed step survives the death of
    the process (SIGKILL, OOM, a crash) because WAL frames reach the OS before `add_step`
    returns; only an OS crash or power loss can drop the last few commits, and never corrupts
    the file. `synchronous="FULL"` also fsyncs the WAL on every commit, surviving power loss at
    the cost of one fsync per step.

    Concurrency: each thread gets its own connection; writers take the write lock up front
    (`BEGIN IMMEDIATE`) and wait up to `busy_timeout` seconds for it, so many threads and
    several processes can record runs into one file. Readers never block writers (WAL).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout: float = 30.0,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise TrajectoryError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TrajectoryError(
                f"cannot create the folder of the store {self.path}: {exc}"
            ) from exc
        self._init_schema()

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,  # autocommit; transactions are explicit
                check_same_thread=False,  # used by its own thread only, closed by close()
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.close()
                raise TrajectoryError(
                    f"{self.path}: SQLite refused WAL mode (got {mode!r}); put the store on a "
                    "local file system"
                )
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise TrajectoryError(f"cannot open the trajectory store {self.path}: {exc}") from exc
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise TrajectoryError(f"the store {self.path} is closed; open it again")
        if os.getpid() != self._pid:
            # A forked child must not touch the parent's connections: start afresh.
            with self._lock:
                self._pid = os.getpid()
                self._local = threading.local()
                self._connections = []
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its first statement."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise TrajectoryError(f"cannot write to {self.path}: {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise TrajectoryError(f"cannot commit to {self.path}: {exc}") from exc

    def _init_schema(self) -> None:
        with self._write() as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(STORE_SCHEMA_VERSION),),
                )
            elif int(row[0]) > STORE_SCHEMA_VERSION:
                raise TrajectoryError(
                    f"{self.path} has store schema version {row[0]}, newer than this lamagent "
                    f"understands ({STORE_SCHEMA_VERSION}); upgrade lamagent to read it"
                )

    @property
    def schema_version(self) -> int:
        """The table layout version recorded in the file's `meta` table."""
        row = self._conn().execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def _insert_step(conn: sqlite3.Connection, tid: str, seq: int, step: Step) -> None:
        conn.execute(
            "INSERT INTO steps (trajectory_id, seq, step_id, data) VALUES (?, ?, ?, ?)",
            (tid, seq, step.step_id, step.model_dump_json()),
        )
        tools = set(step.tool_names)
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
        tid = trajectory.unique_trajectory_id
        header = trajectory.model_dump_json(exclude={"steps"})
        with self._write() as conn:
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
                        trajectory.model_id,
                        trajectory.format,
                        writer_id(),
                        len(trajectory.steps),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise TrajectoryError(f"trajectory {tid!r} is already in {self.path}") from exc
            for seq, step in enumerate(trajectory.steps):
                self._insert_step(conn, tid, seq, step)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        with self._write() as conn:
            row = conn.execute(
                "SELECT n_steps FROM trajectories WHERE id = ?", (trajectory_id,)
            ).fetchone()
            if row is None:
                raise TrajectoryError(
                    f"no trajectory {trajectory_id!r} in {self.path}; call start() before "
                    "add_step()"
                )
            seq = int(row[0])
            self._insert_step(conn, trajectory_id, seq, step)
            conn.execute(
                "UPDATE trajectories SET n_steps = ? WHERE id = ?", (seq + 1, trajectory_id)
            )

    def update_step(self, trajectory_id: str, step: Step) -> None:
        with self._write() as conn:
            row = conn.execute(
                "SELECT seq FROM steps WHERE trajectory_id = ? AND step_id = ? "
                "ORDER BY seq DESC LIMIT 1",
                (trajectory_id, step.step_id),
            ).fetchone()
            if row is None:
                raise TrajectoryError(
                    f"no step {step.step_id} in trajectory {trajectory_id!r} in {self.path}"
                )
            seq = int(row[0])
            for table in ("steps", "step_tools", "step_errors"):
                conn.execute(
                    f"DELETE FROM {table} WHERE trajectory_id = ? AND seq = ?",
                    (trajectory_id, seq),
                )
            self._insert_step(conn, trajectory_id, seq, step)

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
        now = time.time()
        with self._write() as conn:
            row = conn.execute(
                "SELECT header FROM trajectories WHERE id = ?", (trajectory_id,)
            ).fetchone()
            if row is None:
                raise TrajectoryError(f"no trajectory {trajectory_id!r} in {self.path}")
            if usage is None:
                usage = Usage()
                for (data,) in conn.execute(
                    "SELECT data FROM steps WHERE trajectory_id = ?", (trajectory_id,)
                ):
                    usage = usage + Usage.model_validate(json.loads(data).get("usage") or {})
            header: dict[str, Any] = json.loads(row[0])
            header.update(
                outcome=outcome,
                answer=answer,
                error=error,
                usage=usage.model_dump(mode="json"),
                finished_at=now,
            )
            conn.execute(
                "UPDATE trajectories SET header = ?, outcome = ?, finished_at = ? WHERE id = ?",
                (json.dumps(header, ensure_ascii=False), outcome, now, trajectory_id),
            )

    # -- reading -------------------------------------------------------------------------------

    def _load(
        self, conn: sqlite3.Connection, tid: str, header: str, outcome: str, writer: str | None
    ) -> Trajectory:
        data: dict[str, Any] = json.loads(header)
        data["steps"] = [
            json.loads(d)
            for (d,) in conn.execute(
                "SELECT data FROM steps WHERE trajectory_id = ? ORDER BY seq", (tid,)
            )
        ]
        data["outcome"] = self._effective_outcome(outcome, writer)
        return Trajectory.model_validate(data)

    def _effective_outcome(self, outcome: str, writer: str | None) -> str:
        if outcome == "running" and not writer_alive(writer):
            return "incomplete"
        return outcome

    def get(self, trajectory_id: str) -> Trajectory | None:
        conn = self._conn()
        # One read transaction, so the header and the steps come from the same snapshot.
        conn.execute("BEGIN")
        try:
            row = conn.execute(
                "SELECT header, outcome, writer FROM trajectories WHERE id = ?", (trajectory_id,)
            ).fetchone()
            if row is None:
                return None
            return self._load(conn, trajectory_id, *row)
        finally:
            conn.execute("COMMIT")

    def query(
        self,
        outcome: str | None = None,
        tool: str | None = None,
        error_kind: str | None = None,
        since: TimePoint | None = None,
        until: TimePoint | None = None,
        limit: int | None = None,
    ) -> list[Trajectory]:
        check_outcome(outcome)
        where: list[str] = []
        args: list[Any] = []
        if outcome in _LIVE:
            where.append("outcome = 'running'")  # split into running / incomplete below
        elif outcome is not None:
            where.append("outcome = ?")
            args.append(outcome)
        if tool is not None:
            where.append("id IN (SELECT trajectory_id FROM step_tools WHERE tool = ?)")
            args.append(tool)
        if error_kind is not None:
            where.append("id IN (SELECT trajectory_id FROM step_errors WHERE kind = ?)")
            args.append(error_kind)
        lo, hi = to_timestamp(since), to_timestamp(until)
        if lo is not None:
            where.append("created_at >= ?")
            args.append(lo)
        if hi is not None:
            where.append("created_at <= ?")
            args.append(hi)
        sql = "SELECT id, header, outcome, writer FROM trajectories"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, rowid DESC"
        if limit is not None and outcome not in _LIVE:
            sql += f" LIMIT {max(int(limit), 0)}"
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            rows = conn.execute(sql, args).fetchall()
            found: list[Trajectory] = []
            for tid, header, stored, writer in rows:
                if outcome in _LIVE and self._effective_outcome(stored, writer) != outcome:
                    continue
                traj = self._load(conn, tid, header, stored, writer)
                if error_kind is not None and error_kind not in traj.error_kinds:
                    continue  # an index row of an older record layout (v1 duplicates)
                found.append(traj)
                if limit is not None and len(found) >= limit:
                    break
            return found
        finally:
            conn.execute("COMMIT")

    def ids(self) -> list[str]:
        """Every stored trajectory id, newest first (cheap: no steps are read)."""
        rows = (
            self._conn()
            .execute("SELECT id FROM trajectories ORDER BY created_at DESC, rowid DESC")
            .fetchall()
        )
        return [r[0] for r in rows]

    def __iter__(self) -> Iterator[Trajectory]:
        # One trajectory at a time, so iterating a large store does not load it all at once.
        for tid in self.ids():
            traj = self.get(tid)
            if traj is not None:
                yield traj

    def __len__(self) -> int:
        row = self._conn().execute("SELECT COUNT(*) FROM trajectories").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"
