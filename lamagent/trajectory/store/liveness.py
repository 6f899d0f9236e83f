"""Which process wrote a run, and is it still alive? (A `running` run whose writer is gone was
cut short: readers report it as `incomplete`.)"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def proc_start_time(pid: int) -> str | None:
    """The kernel's start time of a process (Linux `/proc`), to tell a reused pid from its owner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[0] if fields else None


_HOST = socket.gethostname()


def writer_id() -> str:
    """`host:pid:start`: identifies this process even after its pid is reused by another."""
    pid = os.getpid()
    return f"{_HOST}:{pid}:{proc_start_time(pid) or ''}"


def writer_alive(writer: str | None) -> bool:
    """Whether the process that started a run may still be writing it.

    A writer on another host cannot be checked and is presumed alive (SQLite files should not be
    shared across hosts anyway). On this host: dead if its pid is gone, a zombie, or reused by a
    process that started at another time.
    """
    if not writer:
        return False
    host, _, rest = writer.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != _HOST:
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        # this process, unless a dead writer's pid was reused by us (a restarted container)
        return not started or started == (proc_start_time(pid) or "")
    state = proc_state(pid)
    if state is not None:
        if state in ("Z", "X", "x"):
            return False
        return not started or proc_start_time(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lease_owner(token: str) -> str:
    """A lease owner: this process (`writer_id`) and a token naming the holder inside it."""
    return f"{writer_id()}|{token}"


def owner_alive(owner: str) -> bool:
    """Whether the process holding a lease (see `lease_owner`) is still alive."""
    return writer_alive(owner.rpartition("|")[0])
