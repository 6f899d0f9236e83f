"""Durable sessions: a conversation continued by another process, one turn at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from lamagent import Agent, ScriptedBackend, ToolCall, formats, tool
from lamagent.errors import SessionBusyError, UsageError
from lamagent.messages import AssistantTurn, Message
from lamagent.trajectory import MemoryStore, SQLiteStore

ROOT = Path(__file__).resolve().parents[1]

#: One process of the conversation: `session(id, store).send(message)` with scripted replies.
WORKER = textwrap.dedent(
    """
    import json, pathlib, sys, time
    from lamagent import Agent, ScriptedBackend, ToolCall, formats, tool

    spec = json.loads(sys.argv[1])

    @tool
    def lookup(city: str) -> dict:
        '''Population of a city.'''
        pathlib.Path(spec["marker"]).write_text("running")
        time.sleep(spec.get("sleep", 0))
        return {"city": city, "population": spec["populations"][city]}

    replies = [r if isinstance(r, str) else [ToolCall(**r)] for r in spec["replies"]]
    backend = ScriptedBackend.calls(replies)
    session = Agent(backend, tools=[lookup]).session(spec["id"], store=spec["store"])
    for message in spec["messages"]:
        result = session.send(message)
    print(json.dumps({
        "outcome": result.outcome,
        "answer": result.answer,
        "prompts": [prompt for prompt, _ in backend.requests],
    }))
    """
)

POPULATIONS = {"Lyon": 513000, "Paris": 2100000, "Nice": 342000}


def worker(tmp_path: Path, **spec: Any) -> subprocess.Popen[str]:
    spec.setdefault("marker", str(tmp_path / "marker"))
    spec.setdefault("populations", POPULATIONS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finished(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def call(city: str) -> dict[str, Any]:
    return {"name": "lookup", "arguments": {"city": city}}


@tool
def lookup(city: str) -> dict:
    """Population of a city."""
    return {"city": city, "population": POPULATIONS[city]}


def test_a_second_process_continues_the_conversation(tmp_path: Path) -> None:
    db = str(tmp_path / "chats.db")
    first = worker(
        tmp_path,
        id="chat-1",
        store=db,
        messages=["How many people live in Lyon?"],
        replies=[call("Lyon"), "About 513,000."],
    )
    assert finished(first)["answer"] == "About 513,000."

    second = finished(
        worker(
            tmp_path,
            id="chat-1",
            store=db,
            messages=["And in Paris?"],
            replies=[call("Paris"), "About 2.1 million."],
        )
    )
    assert second["outcome"] == "answer"
    # the new process's model read the whole conversation before the new message
    prompt = second["prompts"][0]
    for seen in ("How many people live in Lyon?", "513000", "About 513,000.", "And in Paris?"):
        assert seen in prompt
    assert prompt.index("About 513,000.") < prompt.index("And in Paris?")

    with SQLiteStore(db) as store:
        traj = store.get("chat-1")
    assert traj is not None and traj.outcome == "answer"
    assert traj.query == "How many people live in Lyon?"
    assert [s.tool_names for s in traj.steps] == [["lookup"], [], ["lookup"], []]
    assert traj.steps[1].user_input == "And in Paris?"
    assert traj.answer == "About 2.1 million."


@tool
def book(city: str, people: int) -> dict:
    """Book a table."""
    return {"booked": True, "city": city, "people": people}


def test_the_rebuilt_conversation_is_the_live_one(tmp_path: Path) -> None:
    """Messages rebuilt from the store equal the live ones (call ids, calls as written,
    parse-error feedback, follow-ups), so the model reads the same prompt bytes."""
    db = tmp_path / "chats.db"
    fmt = formats.get("xlam2-qwen")
    live_backend = ScriptedBackend(
        [
            fmt.render_assistant(AssistantTurn(answer="For how many people?")),
            '[{"name": "book", "arguments": {"city": "Lyon", "people": 4}',  # unreadable
            fmt.render_assistant(  # "4" is repaired to 4
                AssistantTurn(
                    calls=[ToolCall(name="book", arguments={"city": "Lyon", "people": "4"})]
                )
            ),
            fmt.render_assistant(AssistantTurn(answer="Booked.")),
        ]
    )
    live = Agent(live_backend, tools=[book], system_prompt="Be brief.")
    session = live.session("chat-2", store=db)
    session.send("Book a table in Lyon")
    session.send("4 people")
    live_messages = session.messages
    traj = session.trajectory
    assert traj is not None
    assert traj.steps[1].parse_error and traj.steps[2].calls[0].repairs
    assert any(m.tool_call_id for m in live_messages)

    later_backend = ScriptedBackend.calls(["You're welcome."])
    later = Agent(later_backend, tools=[book], system_prompt="Be brief.")
    continued = later.session("chat-2", store=SQLiteStore(db))
    continued.send("Thanks!")
    rebuilt = continued.messages[: len(live_messages)]
    assert rebuilt == live_messages
    expected = later.format.render([*live_messages, Message.user("Thanks!")], list(later.toolbox))
    assert later_backend.requests[0][0] == expected


def test_two_processes_never_interleave_a_sessions_turns(tmp_path: Path) -> None:
    db = str(tmp_path / "chats.db")
    marker = tmp_path / "marker"
    busy = worker(
        tmp_path,
        id="chat-3",
        store=db,
        messages=["How many people live in Lyon?", "And in Nice?"],
        replies=["Which Lyon?", call("Nice"), "unused"],
        sleep=120,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():  # the second turn's tool is running: the lease is held
            assert busy.poll() is None, busy.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        backend = ScriptedBackend.calls(["It is Nice."])
        here = Agent(backend, tools=[lookup]).session("chat-3", store=db)
        with pytest.raises(SessionBusyError, match="busy"):
            here.send("Hello?")
        assert backend.requests == []  # nothing ran

        busy.send_signal(signal.SIGKILL)  # the holder dies in the middle of its turn
        busy.wait(timeout=30)

        result = here.send("Still there?")  # the dead holder's lease is taken over
    finally:
        if busy.poll() is None:
            busy.kill()
            busy.wait()
    assert result.outcome == "answer" and result.answer == "It is Nice."
    prompt = backend.requests[0][0]
    assert "How many people live in Lyon?" in prompt and "Which Lyon?" in prompt
    # the interrupted turn's message is kept, with an empty reply, before the new one
    assert prompt.index("And in Nice?") < prompt.index("Still there?")
    with SQLiteStore(db) as store:
        traj = store.get("chat-3")
    assert traj is not None and traj.outcome == "answer"
    assert [s.user_input for s in traj.steps] == ["And in Nice?", "Still there?", None]
    assert traj.steps[1].answer == "" and traj.steps[1].notes


def test_a_second_session_object_in_the_same_process_is_refused_while_a_turn_runs() -> None:
    store = MemoryStore()
    slow = ScriptedBackend.calls(["First answer."], delay=0.2)
    fast = ScriptedBackend.calls(["Second answer."])
    one = Agent(slow).session("chat-4", store=store)
    two = Agent(fast).session("chat-4", store=store)
    errors: list[BaseException] = []

    async def main() -> None:
        async def second() -> None:
            await anyio.sleep(0.05)
            try:
                await two.asend("Me too")
            except SessionBusyError as exc:
                errors.append(exc)

        async with anyio.create_task_group() as tg:
            tg.start_soon(one.asend, "Hi")
            tg.start_soon(second)

    anyio.run(main)
    assert len(errors) == 1 and fast.requests == []
    result = two.send("Me too")  # once the turn ended, the other object continues it
    assert result.answer == "Second answer."
    assert "First answer." in fast.requests[0][0]


def test_session_without_an_id_stays_in_memory_and_the_old_signature_works() -> None:
    history = [{"role": "user", "content": "Earlier question"}]
    backend = ScriptedBackend.calls(["Noted."])
    session = Agent(backend).session(history)
    assert not session.durable
    assert session.send("Now this").answer == "Noted."
    assert "Earlier question" in backend.requests[0][0]


class StoreWithoutLeases:
    """A TrajectoryStore that cannot lend leases (a third-party store, say)."""

    def __init__(self) -> None:
        inner = MemoryStore()
        self.start, self.add_step, self.update_step = inner.start, inner.add_step, inner.update_step
        self.finish, self.get, self.query, self.close = (
            inner.finish,
            inner.get,
            inner.query,
            inner.close,
        )
        self._inner = inner

    def __iter__(self) -> Any:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)


def test_a_store_without_leases_cannot_hold_a_durable_session() -> None:
    store = StoreWithoutLeases()
    session = Agent(ScriptedBackend.calls(["Hi"])).session("chat-5", store=store)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="lock"):
        session.send("Hello")


def test_a_chat_backend_reads_the_servers_call_ids_after_a_restart(tmp_path: Path) -> None:
    """Chat APIs pair results with calls by id: the continued conversation keeps the server's."""
    from lamagent.backends.scripted_chat import ScriptedChatBackend

    db = tmp_path / "chats.db"
    server_call = ToolCall(name="lookup", arguments={"city": "Lyon"}, id="srv_call_7")
    first = ScriptedChatBackend([[server_call], "About 513,000."])
    live = Agent(first, tools=[lookup]).session("chat-6", store=db)
    live.send("Population of Lyon?")
    live_messages = live.messages

    later = ScriptedChatBackend(["Paris is bigger."])
    Agent(later, tools=[lookup]).session("chat-6", store=SQLiteStore(db)).send("And Paris?")
    sent = later.requests[0][0]
    assert sent == [*live_messages, Message.user("And Paris?")]
    assert [m.tool_call_id for m in sent if m.role == "tool"] == ["srv_call_7"]
    assert sent[1].tool_calls[0].id == "srv_call_7"


def test_a_lease_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    from lamagent.trajectory.store.liveness import lease_owner, writer_id

    with SQLiteStore(tmp_path / "leases.db") as store:
        mine, other = lease_owner("a"), lease_owner("b")
        store.acquire_lease("chat-7", mine)
        store.acquire_lease("chat-7", mine)  # the holder may take it again
        with pytest.raises(SessionBusyError):
            store.acquire_lease("chat-7", other)  # a live holder: refused
        store.release_lease("chat-7", mine)
        store.acquire_lease("chat-7", other)  # released: free

        host = writer_id().split(":")[0]
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        ghost = f"{host}:{dead.stdout.strip()}:1|ghost"  # a pid whose process has ended
        store.release_lease("chat-7", other)
        store.acquire_lease("chat-7", ghost)
        store.acquire_lease("chat-7", mine)  # the dead holder's lease is taken over
        with pytest.raises(SessionBusyError):
            store.acquire_lease("chat-7", other)
