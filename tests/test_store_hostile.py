"""The store keeps its promises under hostile input and in a long-running service.

Each test stands for a class of failures, not one example: any string a model or tool writes is
stored and read back (lone surrogates, deep nesting); an import skips bad lines by number; a
service's short-lived threads do not leak connections; a damaged row is reported and skipped; a
read-only store reads; a full disk says so and keeps every finished step.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_conformance import answer_step, call_step, make_trajectory
from typer.testing import CliRunner

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.cli.trajectories import app
from lamagent.errors import TrajectoryError
from lamagent.records import CallRecord
from lamagent.trajectory import MemoryStore, SQLiteStore, Step, Trajectory, read_jsonl
from lamagent.trajectory.store.encoding import MAX_DEPTH

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def nested(depth: int, leaf: Any = "leaf") -> Any:
    value = leaf
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, (dict, list)):
        value = value["k"] if isinstance(value, dict) else value[0]
        depth += 1
    return depth


@tool
def echo(data: dict, text: str = "") -> dict:
    """Return what it was given.

    Args:
        data: anything
        text: any text
    """
    return {"data": data, "text": text}


# -- class 1: every string, any depth the parser accepted, is recorded and read back ----------


@pytest.mark.parametrize("store_kind", ["sqlite", "memory"])
def test_lone_surrogates_and_deep_arguments_reach_the_store(
    store_kind: str, tmp_path: Path
) -> None:
    store = SQLiteStore(tmp_path / "s.db") if store_kind == "sqlite" else MemoryStore()
    deep = {"k": nested(300)}
    # the model writes the six ASCII characters \ud800: valid JSON for a lone surrogate
    output = json.dumps([{"name": "echo", "arguments": {"data": deep, "text": "a\ud800b"}}])
    assert "\\ud800" in output
    agent = Agent(ScriptedBackend([output, "done"]), tools=[echo], store=store)
    result = agent.run("echo this")
    assert result.outcome == "answer", result.error
    stored = store.get(result.trajectory.id)
    assert stored is not None and stored.outcome == "answer" and len(stored.steps) == 2
    record = stored.steps[0].calls[0]
    assert record.call["arguments"]["text"] == "a\ud800b"  # lossless
    assert _depth(record.call["arguments"]["data"]) == 301
    assert record.result is not None  # the tool's result or a verification error: data either way
    assert stored.steps[0] == result.trajectory.steps[0]
    store.close()


def test_values_deeper_than_any_reader_are_replaced_and_the_record_says_so(
    tmp_path: Path,
) -> None:
    with SQLiteStore(tmp_path / "s.db") as store:
        traj = make_trajectory()
        store.start(traj)
        step = Step(
            step_id=1,
            calls=[
                CallRecord(
                    index=0,
                    call_id="c",
                    call={"name": "f", "arguments": {"x": nested(MAX_DEPTH + 200)}},
                    result="ok",
                )
            ],
        )
        store.add_step(traj.id, step)
        store.add_step(traj.id, answer_step(2, "fine"))
        got = store.get(traj.id)
    assert got is not None and [s.step_id for s in got.steps] == [1, 2]
    assert got.steps[0].calls[0].result == "ok"
    assert any("nested deeper than" in note for note in got.steps[0].notes)
    assert MAX_DEPTH - 10 < _depth(got.steps[0].calls[0].call["arguments"]["x"]) <= MAX_DEPTH


def _json_values() -> st.SearchStrategy[Any]:
    text = st.text(st.characters(exclude_categories=()), max_size=12)  # surrogates included
    leaves = st.none() | st.booleans() | st.integers() | text
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=12,
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_json_values(), name=st.text(st.characters(exclude_categories=()), max_size=8))
def test_any_json_value_round_trips_through_sqlite(tmp_path: Path, value: Any, name: str) -> None:
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "s.db"
    with SQLiteStore(path) as store:
        traj = Trajectory(query=name, tools=[{"name": name}])
        store.start(traj)
        step = Step(
            step_id=1,
            thought=name,
            calls=[
                CallRecord(
                    index=0, call_id=name or "c", call={"name": name, "arguments": {"v": value}}
                )
            ],
            observation=value,
        )
        store.add_step(traj.id, step)
        got = store.get(traj.id)
        assert got is not None and got.query == name
        assert got.steps[0] == step
        assert [t.id for t in store.query(tool=name)] == [traj.id]


# -- class 2: an import reports a bad line by number and goes on ---------------------------


def test_read_jsonl_skips_hostile_lines_by_number(tmp_path: Path) -> None:
    good = make_trajectory(unique_trajectory_id="good-1")
    good.steps = [answer_step(1, "ok")]
    lines = [
        json.dumps(good.to_record()),
        "[" * 100_000 + "]" * 100_000,  # nested 100,000 deep
        json.dumps({"query": "q", "tools": "[" * 100_000 + "]" * 100_000, "steps": []}),
        json.dumps({"query": "q", "tools": "{not json", "steps": []}),
        '{"query": "q", "steps": [{"tool_calls": ' + "[" * 5000 + "]" * 5000 + "}]}",
        json.dumps({**good.to_record(), "unique_trajectory_id": "good-2"}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded, issues = read_jsonl(path)
    assert [t.id for t in loaded] == ["good-1", "good-2"]
    assert [i.line for i in issues] == [2, 3, 4, 5]
    assert "too deeply" in issues[0].message and "too deeply" in issues[1].message

    result = runner.invoke(app, ["import", str(tmp_path / "s.db"), str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 2 trajectories" in result.output and "skipped 4" in result.output
    assert "line 2:" in result.output and "line 3:" in result.output


_LINES = st.one_of(
    st.text(max_size=40),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(0, 50_000)),
    st.builds(lambda n: '{"query": "q", "tools": "' + "[" * n + '"}', st.integers(0, 50_000)),
    st.builds(
        lambda v: json.dumps({"query": "q", "steps": v}, default=str),
        st.recursive(st.none() | st.integers() | st.text(max_size=5), st.lists, max_leaves=8),
    ),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_LINES, max_size=6))
def test_any_line_is_loaded_or_reported_never_raised(tmp_path: Path, lines: list[str]) -> None:
    good = json.dumps(make_trajectory(unique_trajectory_id="good").to_record())
    path = Path(tempfile.mkdtemp(dir=tmp_path)) / "in.jsonl"
    body = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    path.write_text("\n".join([*body, good]) + "\n", encoding="utf-8", errors="surrogatepass")
    loaded, issues = read_jsonl(path)
    assert loaded[-1].id == "good"  # the good last line survives whatever came before
    assert len(loaded) + len(issues) <= len(body) + 1
    assert all(1 <= issue.line <= len(body) for issue in issues)


def test_export_writes_lone_surrogates_as_escapes(tmp_path: Path) -> None:
    traj = make_trajectory(query="q\udc80")
    traj.steps = [answer_step(1, "a\ud800")]
    with SQLiteStore(tmp_path / "s.db") as store:
        store.start(traj)
    result = runner.invoke(app, ["export", str(tmp_path / "s.db"), str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    [back], issues = read_jsonl(tmp_path / "out.jsonl")
    assert issues == [] and back.query == "q\udc80" and back.steps[0].answer == "a\ud800"


# -- class 10: the store in a service ------------------------------------------------------


def _open_db_handles(path: Path) -> int:
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    return sum(1 for f in psutil.Process().open_files() if f.path in names)


def test_short_lived_threads_keep_a_bounded_number_of_handles(tmp_path: Path) -> None:
    path = tmp_path / "service.db"
    store = SQLiteStore(path)
    backend = ScriptedBackend(lambda prompt: "hello")  # type: ignore[arg-type]
    agent = Agent(backend, store=store)
    peak = [0]
    handles: list[int] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            agent.run("hi")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        peak[0] = max(peak[0], store.open_connections)

    for _ in range(25):  # 25 waves x 16 threads = 400 runs, each on a fresh thread
        threads = [threading.Thread(target=request) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        handles.append(_open_db_handles(path))
    assert errors == [] and len(store) == 400
    # connections: one per operation in flight, at most 4 kept between operations
    assert peak[0] <= 16 + 1 and store.open_connections <= 4
    # files (a connection holds the database and its WAL; SQLite may keep a closed
    # connection's descriptors for reuse): bounded by the concurrency, not by the 400 threads
    assert max(handles) <= 2 * (16 + 1) + 2, handles
    store.close()
    assert store.open_connections == 0


def test_many_threads_of_direct_writes_and_reads_stay_bounded(tmp_path: Path) -> None:
    path = tmp_path / "direct.db"
    handles: list[int] = []
    with SQLiteStore(path) as store:
        for wave in range(50):
            threads = []
            for i in range(20):
                traj = make_trajectory(unique_trajectory_id=f"t{wave}-{i}")

                def work(traj: Trajectory = traj) -> None:
                    store.start(traj)
                    store.add_step(traj.id, answer_step(1, "ok"))
                    assert store.get(traj.id) is not None

                threads.append(threading.Thread(target=work))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert store.open_connections <= 4
            handles.append(_open_db_handles(path))
        assert len(store) == 1000
    assert max(handles) <= 2 * (20 + 1) + 2, handles  # 1000 threads, bounded by 20 at once


def _damage(path: Path, sql: str, *args: Any) -> None:
    raw = sqlite3.connect(path)
    raw.execute(sql, args)
    raw.commit()
    raw.close()


def test_a_damaged_row_is_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        for name in ("ok", "bad-header", "bad-step", "not-a-trajectory"):
            traj = make_trajectory(unique_trajectory_id=name)
            traj.steps = [call_step(1, ("get_time", {"city": "Oslo"}), obs=["9"])]
            traj.steps.append(answer_step(2, "9 o'clock"))
            traj.outcome = "answer"
            store.start(traj)
    _damage(path, "UPDATE trajectories SET header = '{broken' WHERE id = 'bad-header'")
    _damage(path, "UPDATE steps SET data = '[1, 2' WHERE trajectory_id = 'bad-step' AND seq = 0")
    _damage(
        path,
        "UPDATE trajectories SET header = ? WHERE id = 'not-a-trajectory'",
        json.dumps({"query": ["not", "text"]}),
    )
    with SQLiteStore(path) as store:
        ids = sorted(t.id for t in store.query())
        assert ids == ["bad-step", "ok"]
        assert sorted(t.id for t in store) == ["bad-step", "ok"]
        assert [t.id for t in store.query(tool="get_time")] == ["ok"]  # its call step is gone
        partial = store.get("bad-step")
        assert partial is not None and [s.step_id for s in partial.steps] == [2]
        assert any("step row 0" in note for note in partial.notes)
        with pytest.raises(TrajectoryError, match="bad-header"):
            store.get("bad-header")
        assert any("bad-header" in m for m in store.skipped)
        assert any("not-a-trajectory" in m for m in store.skipped)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["export", str(path), str(out)])
    assert result.exit_code == 0, result.output
    assert "exported 2 trajectories" in result.output and "bad-header" in result.output
    stats = runner.invoke(app, ["stats", str(path)])
    assert stats.exit_code == 0, stats.output


def _filled_store(path: Path) -> str:
    traj = make_trajectory(unique_trajectory_id="kept")
    with SQLiteStore(path) as store:
        store.start(traj)
        store.add_step(traj.id, answer_step(1, "kept"))
        store.finish(traj.id, outcome="answer", answer="kept")
    return traj.id


def test_a_read_only_store_opens_for_reading(tmp_path: Path) -> None:
    path = tmp_path / "ro" / "s.db"
    tid = _filled_store(path)
    with SQLiteStore(path, readonly=True) as store:
        assert store.readonly and store.get(tid) is not None and len(store) == 1
        with pytest.raises(TrajectoryError, match="read-only"):
            store.start(make_trajectory())


def test_a_read_only_store_is_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lamagent.trajectory.store import sqlite as sqlite_module

    path = tmp_path / "s.db"
    tid = _filled_store(path)
    monkeypatch.setattr(sqlite_module, "writable", lambda p: False)
    with SQLiteStore(path) as store:
        assert store.readonly and [t.id for t in store] == [tid]


_READ_AS_NOBODY = textwrap.dedent(
    """
    import sys
    from lamagent.trajectory import SQLiteStore
    with SQLiteStore(sys.argv[1]) as store:
        print(store.readonly, [t.answer for t in store])
    """
)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to drop to nobody"
)
@pytest.mark.parametrize("what", ["file", "folder"])
def test_an_unwritable_store_reads_for_another_user(what: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="lamagent-ro-"))
    try:
        path = folder / "s.db"
        _filled_store(path)
        path.chmod(0o444)
        folder.chmod(0o555 if what == "folder" else 0o777)  # the folder read-only, or open to all
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        proc = subprocess.run(
            [*cmd, sys.executable, "-c", _READ_AS_NOBODY, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if "Permission denied" in proc.stderr and "lamagent" not in proc.stderr:
            pytest.skip("the other user cannot read the interpreter")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "True ['kept']"
    finally:
        folder.chmod(stat.S_IRWXU)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_full_disk_says_so_and_keeps_every_finished_step(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    with SQLiteStore(path, max_idle_connections=1) as store:
        traj = make_trajectory()
        store.start(traj)
        store.add_step(traj.id, answer_step(1, "small"))
        with store._pool.borrow() as conn:  # the one connection every write then uses
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        big = answer_step(2, "x" * 200_000)
        with pytest.raises(TrajectoryError, match="disk is full") as caught:
            store.add_step(traj.id, big)
        assert "rollback" not in str(caught.value)
        got = store.get(traj.id)
        assert got is not None and [s.answer for s in got.steps] == ["small"]
        with store._pool.borrow() as conn:  # space again: the store goes on
            conn.execute("PRAGMA max_page_count = 1073741823")
        store.add_step(traj.id, big)
        store.finish(traj.id, outcome="answer", answer="done")
        got = store.get(traj.id)
        assert got is not None and [s.step_id for s in got.steps] == [1, 2]


def test_a_run_on_a_full_disk_raises_and_keeps_its_finished_steps(tmp_path: Path) -> None:
    path = tmp_path / "full.db"
    store = SQLiteStore(path, max_idle_connections=1)
    runs = [0]

    @tool
    def grow() -> str:
        """Fill the disk on the second call."""
        runs[0] += 1
        if runs[0] == 2:
            with store._pool.borrow() as conn:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count = {pages + 1}")
        return "y" * 100_000  # capped by the loop to max_output_chars, still several pages

    calls = [[ToolCall(name="grow", arguments={})], [ToolCall(name="grow", arguments={})], "done"]
    agent = Agent(ScriptedBackend.calls(calls), tools=[grow], store=store)
    with pytest.raises(TrajectoryError, match="disk is full") as caught:
        agent.run("fill it")
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "rollback" not in str(caught.value) + notes
    [stored] = list(store)
    assert [s.step_id for s in stored.steps] == [1]  # the finished step is kept
    assert stored.steps[0].calls[0].result.startswith("y" * 10_000)
    # the outcome is written when there is room for it, else the run reads as unfinished
    if stored.outcome == "error":
        assert "disk is full" in (stored.error or "")
    else:
        assert stored.outcome == "running" and "could not be recorded" in notes
    store.close()
