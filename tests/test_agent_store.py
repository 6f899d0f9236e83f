"""Recording: every step reaches the store as it happens, and a killed run loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from lamagent import Agent, MemoryStore, ScriptedBackend, SQLiteStore, ToolCall, tool
from lamagent.errors import BackendError
from lamagent.trajectory import Step, Trajectory

ROOT = Path(__file__).resolve().parents[1]


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class SpyStore(MemoryStore):
    """A MemoryStore that logs the order of calls."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def start(self, trajectory: Trajectory) -> None:
        self.log.append("start")
        super().start(trajectory)

    def add_step(self, trajectory_id: str, step: Step) -> None:
        self.log.append(f"step {step.step_id}")
        super().add_step(trajectory_id, step)

    def finish(self, trajectory_id: str, **kwargs: object) -> None:  # type: ignore[override]
        self.log.append(f"finish {kwargs['outcome']}")
        super().finish(trajectory_id, **kwargs)  # type: ignore[arg-type]


def test_steps_are_recorded_as_they_happen() -> None:
    store = SpyStore()
    seen_during_run: list[int] = []

    @tool
    def peek() -> int:
        """How many steps the store holds right now."""
        (traj,) = list(store)
        seen_during_run.append(len(traj.steps))
        return len(traj.steps)

    backend = ScriptedBackend.calls([[ToolCall(name="peek")], [ToolCall(name="peek")], "done"])
    result = Agent(backend, tools=[peek], store=store).run("x")
    assert store.log == ["start", "step 1", "step 2", "step 3", "finish answer"]
    assert seen_during_run == [0, 1]  # step 1 was stored before step 2 began
    stored = store.get(result.trajectory.unique_trajectory_id)
    assert stored is not None
    assert stored.model_dump(exclude={"finished_at"}) == result.trajectory.model_dump(
        exclude={"finished_at"}
    )


def test_an_error_run_still_writes_its_outcome() -> None:
    store = SpyStore()
    backend = ScriptedBackend.calls(
        [[ToolCall(name="add", arguments={"a": 1, "b": 1})], BackendError("boom")]
    )
    Agent(backend, tools=[add], store=store).run("x")
    assert store.log[-1] == "finish error"
    (traj,) = list(store)
    assert traj.outcome == "error" and "boom" in (traj.error or "")


def test_store_path_opens_a_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "runs.db"
    agent = Agent(ScriptedBackend.calls(["hi"]), store=path)
    result = agent.run("hello")
    agent.close()
    with SQLiteStore(path) as store:
        stored = store.get(result.trajectory.unique_trajectory_id)
    assert stored is not None and stored.outcome == "answer" and stored.answer == "hi"
    assert stored.model_id == "scripted" and stored.format == "xlam2-qwen"


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from lamagent import Agent, ScriptedBackend, ToolCall, tool

    @tool
    def slow(i: int) -> int:
        '''Sleep a bit, return i.'''
        time.sleep(0.15)
        return i

    backend = ScriptedBackend.calls(
        [[ToolCall(name="slow", arguments={"i": i})] for i in range(200)]
    )
    Agent(backend, tools=[slow], store=sys.argv[1], max_steps=200).run("count slowly")
    """
)


def test_a_killed_run_keeps_every_finished_step(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script), str(db)], env=env)
    try:
        deadline = time.monotonic() + 60
        steps = 0
        while steps < 4:
            assert time.monotonic() < deadline, "the run never recorded 4 steps"
            assert proc.poll() is None, "the run ended before it was killed"
            time.sleep(0.05)
            if db.exists():
                with SQLiteStore(db) as store:
                    found = list(store)
                    steps = len(found[0].steps) if found else 0
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()

    with SQLiteStore(db) as store:
        (traj,) = list(store)
    assert traj.outcome == "incomplete"
    assert traj.is_finished is False
    assert len(traj.steps) >= 4
    assert [s.step_id for s in traj.steps] == list(range(1, len(traj.steps) + 1))
    for i, step in enumerate(traj.steps):
        assert step.tool_calls == [{"name": "slow", "arguments": {"i": i}}]
        assert step.next_observation == [i]
