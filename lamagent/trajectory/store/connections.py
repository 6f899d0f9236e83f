"""SQLite connections for a store: a small pool shared by threads, read-only opening, and
errors that say what went wrong (a full disk, a read-only file) instead of SQLite's internals.

A thread-per-request service calls the store from thousands of short-lived threads; a connection
per thread, kept until `close()`, would exhaust the process's file handles. The pool lends a
connection for one operation and keeps at most `max_idle` of them open between operations, so
open handles are bounded by the number of operations running at once.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from lamagent.errors import TrajectoryError

Synchronous = Literal["NORMAL", "FULL"]

_READONLY_NAMES = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")


def describe(exc: sqlite3.Error, path: Path, what: str) -> str:
    """A message for a SQLite failure that names the cause a user can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return (
            f"cannot {what} in {path}: the disk is full (or the database reached its size limit); "
            "every step stored before this one is kept: free some space and run again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in str(exc):
        return f"cannot {what} in {path}: the store is read-only ({exc})"
    if name.startswith("SQLITE_CORRUPT") or name.startswith("SQLITE_NOTADB"):
        return f"cannot {what} in {path}: the file is damaged or not a SQLite database ({exc})"
    return f"cannot {what} in {path}: {exc}"


def is_readonly_error(exc: sqlite3.Error) -> bool:
    """True for errors that mean "this file cannot be written here"."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_READONLY_NAMES) or "readonly" in str(exc)


def writable(path: Path) -> bool:
    """Whether this process may write the store file and the folder beside it (WAL files)."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK)


class ConnectionPool:
    """Connections to one SQLite file, lent for one operation at a time.

    Writable connections run in WAL mode with the given `synchronous` level; read-only ones
    open the file with `mode=ro` (or, when even the WAL index cannot be created because the
    folder is read-only, as `immutable`). A forked child never reuses its parent's connections.
    """

    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous,
        busy_timeout: float,
        readonly: bool,
        max_idle: int = 4,
    ) -> None:
        self.path = path
        self.synchronous = synchronous
        self.busy_timeout = busy_timeout
        self.readonly = readonly
        self.max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._immutable = False
        self.opened = 0
        """How many connections are open now (lent and idle)."""

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.readonly:
                return self._connect_readonly()
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,  # autocommit; transactions are explicit
                check_same_thread=False,  # lent to one thread at a time
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise TrajectoryError(
                        f"{self.path}: SQLite refused WAL mode (got {mode!r}); put the store on "
                        "a local file system"
                    )
                conn.execute(f"PRAGMA synchronous = {self.synchronous}")
                conn.execute("PRAGMA foreign_keys = ON")
            except BaseException:
                conn.close()
                raise
            return conn
        except sqlite3.Error as exc:
            raise TrajectoryError(describe(exc, self.path, "open the trajectory store")) from exc

    def _connect_readonly(self) -> sqlite3.Connection:
        uri = "file:" + quote(str(self.path.resolve()))
        last: sqlite3.Error | None = None
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            if flags == "?mode=ro" and self._immutable:
                continue
            conn = sqlite3.connect(
                uri + flags,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:  # a WAL file whose index cannot be created here
                conn.close()
                last = exc
                continue
            self._immutable = "immutable" in flags
            return conn
        assert last is not None
        raise last

    @contextlib.contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation (one transaction), returned to the pool after it."""
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise TrajectoryError(f"the store {self.path} is closed; open it again")
            if os.getpid() != self._pid:
                # A forked child must not touch the parent's connections: start afresh.
                self._pid = os.getpid()
                self._idle = []
                self.opened = 0
            if self._idle:
                return self._idle.pop()
            self.opened += 1
        try:
            return self._connect()
        except BaseException:
            with self._lock:
                self.opened -= 1
            raise

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            keep = (
                not self._closed
                and os.getpid() == self._pid
                and not conn.in_transaction
                and len(self._idle) < self.max_idle
            )
            if keep:
                self._idle.append(conn)
                return
            if os.getpid() == self._pid:
                self.opened -= 1
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    def close(self) -> None:
        """Close the idle connections now and lent ones when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self.opened -= len(idle)
        for conn in idle:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


__all__ = ["ConnectionPool", "Synchronous", "describe", "is_readonly_error", "writable"]
