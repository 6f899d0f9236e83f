"""Trajectory stores: the shared conformance suite, plus SQLite durability and multi-process use."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_conformance import StoreConformance, answer_step, call_step, make_trajectory

from lamagent.errors import TrajectoryError
from lamagent.trajectory import MemoryStore, SQLiteStore, TrajectoryStore, open_store
from lamagent.trajectory.store.liveness import writer_alive as _writer_alive
from lamagent.trajectory.store.liveness import writer_id as _writer_id

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrajectoryStore]:
    made: TrajectoryStore = (
        MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "runs.db")
    )
    yield made
    made.close()


class TestConformance(StoreConformance):
    """Every store implementation passes the same suite."""


# -- open_store ---------------------------------------------------------------------------------


def test_open_store_picks_the_implementation(tmp_path: Path) -> None:
    assert isinstance(open_store(":memory:"), MemoryStore)
    path = tmp_path / "deep" / "er" / "runs.db"
    st = open_store(path)
    assert isinstance(st, SQLiteStore) and path.exists()
    st.close()


# -- the SQLite file --------------------------------------------------------------------------


def test_sqlite_file_is_wal_versioned_and_indexed(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SQLiteStore(path, synchronous="FULL") as st:
        assert st.schema_version == 1
        with st._pool.borrow() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "trajectories", "steps", "step_tools", "step_errors"} <= tables
    indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"step_tools_tool", "step_errors_kind", "trajectories_created"} <= indexes
    raw.close()


def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(TrajectoryError, match="upgrade lamagent"):
        SQLiteStore(path)


def test_sqlite_rejects_a_bad_synchronous_mode(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryError, match="synchronous"):
        SQLiteStore(tmp_path / "x.db", synchronous="OFF")  # type: ignore[arg-type]


def test_sqlite_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    traj = make_trajectory()
    with SQLiteStore(path) as st:
        st.start(traj)
        st.add_step(traj.id, call_step(1, ("get_weather", {"city": "Lima"}), obs=[{"t": 20}]))
        st.add_step(traj.id, answer_step(2, "20 degrees"))
        st.finish(traj.id, outcome="answer", answer="20 degrees")
    with SQLiteStore(path) as again:
        got = again.get(traj.id)
        assert got is not None
        assert got.outcome == "answer" and got.answer == "20 degrees"
        assert got.steps[0].next_observation == [{"t": 20}]
        assert again.query(tool="get_weather")[0].id == traj.id


def test_a_second_store_in_the_same_process_sees_a_live_run_as_running(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    with SQLiteStore(path) as writer, SQLiteStore(path) as reader:
        traj = make_trajectory()
        writer.start(traj)
        writer.add_step(traj.id, call_step(1, ("get_time", {"city": "Oslo"})))
        got = reader.get(traj.id)
        assert got is not None and got.outcome == "running" and len(got.steps) == 1


def test_writer_liveness_detects_dead_and_reused_pids() -> None:
    me = _writer_id()
    assert _writer_alive(me)
    host, pid, started = me.split(":")
    assert not _writer_alive(f"{host}:{pid}:{started}0")  # our pid, another process's start
    assert not _writer_alive(f"{host}:999999999:1")  # no such process
    assert not _writer_alive(None)
    assert _writer_alive(f"another-host-{host}:1:1")  # cannot check: presumed alive


# -- several processes ------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from store_conformance import call_step, make_trajectory
    from lamagent.trajectory import SQLiteStore

    path, label, n_steps, finish = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = SQLiteStore(path)
    traj = make_trajectory(label)
    store.start(traj)
    print("started", traj.unique_trajectory_id, flush=True)
    for i in range(1, n_steps + 1):
        store.add_step(traj.unique_trajectory_id, call_step(i, ("get_time", {{"city": label}})))
        print("committed", i, flush=True)
        if finish == "no":
            time.sleep(0.02)
    if finish == "yes":
        store.finish(traj.unique_trajectory_id, outcome="max_steps")
        print("finished", flush=True)
    else:
        time.sleep(60)
    """
).format(tests=str(REPO / "tests"))


def _spawn(path: Path, label: str, n_steps: int, finish: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), label, str(n_steps), finish],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_several_processes_write_one_store(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SQLiteStore(path).close()
    procs = [_spawn(path, f"proc{i}", 25, "yes") for i in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with SQLiteStore(path) as st:
        runs = st.query()
        assert sorted(t.query for t in runs) == ["proc0", "proc1", "proc2"]
        for t in runs:
            assert t.outcome == "max_steps"
            assert [s.step_id for s in t.steps] == list(range(1, 26))
            assert {s.tool_calls[0]["arguments"]["city"] for s in t.steps} == {t.query}


@pytest.mark.slow
def test_sigkill_keeps_every_committed_step_and_reads_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    proc = _spawn(path, "doomed", 10_000, "no")
    assert proc.stdout is not None
    first = proc.stdout.readline().split()
    assert first[0] == "started", proc.stderr.read() if proc.stderr else ""
    tid = first[1]
    reported = 0
    while reported < 15:
        line = proc.stdout.readline()
        assert line.startswith("committed"), line
        reported = int(line.split()[1])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with SQLiteStore(path) as st:
        got = st.get(tid)
        assert got is not None
        # every step the writer reported is there; at most the one in flight beyond that
        assert reported <= len(got.steps) <= reported + 1
        assert [s.step_id for s in got.steps] == list(range(1, len(got.steps) + 1))
        assert got.outcome == "incomplete" and not got.is_finished
        assert [t.id for t in st.query(outcome="incomplete")] == [tid]
        assert st.query(outcome="running") == []
    # the file itself is sound after the kill
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()


def test_step_records_are_plain_json_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    traj = make_trajectory()
    with SQLiteStore(path) as st:
        st.start(traj)
        st.add_step(traj.id, call_step(1, ("get_weather", {"city": "Kyiv"})))
    raw = sqlite3.connect(path)
    (data,) = raw.execute("SELECT data FROM steps").fetchone()
    calls = json.loads(data)["tool_calls"]
    assert calls == [{"name": "get_weather", "arguments": {"city": "Kyiv"}}]
    assert raw.execute("SELECT tool FROM step_tools").fetchall() == [("get_weather",)]
    raw.close()


def _pooled(store: SQLiteStore) -> int:
    with store._pool.borrow() as conn:
        return id(conn)


def _forked_writer(store: SQLiteStore, tid: str, parent_conn: int) -> None:
    with store._pool.borrow() as conn:
        if id(conn) == parent_conn:  # SQLite connections must not cross a fork
            os._exit(3)
    store.add_step(tid, answer_step(2, "from the child"))
    store.finish(tid, outcome="answer", answer="from the child")


@pytest.mark.slow
def test_a_forked_child_gets_its_own_connection(tmp_path: Path) -> None:
    import multiprocessing

    with SQLiteStore(tmp_path / "fork.db") as st:
        traj = make_trajectory()
        st.start(traj)
        st.add_step(traj.id, call_step(1, ("get_time", {"city": "Oslo"})))
        child = multiprocessing.get_context("fork").Process(
            target=_forked_writer, args=(st, traj.id, _pooled(st))
        )
        child.start()
        child.join(timeout=60)
        assert child.exitcode == 0
        got = st.get(traj.id)
        assert got is not None and got.answer == "from the child"
        assert [s.step_id for s in got.steps] == [1, 2]
