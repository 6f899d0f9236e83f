"""Sessions: the user answers the model's question and the run continues in one trajectory."""

from __future__ import annotations

import anyio

from lamagent import Agent, MemoryStore, ScriptedBackend, ToolCall, tool
from lamagent.events import RunFinished, TextDelta


@tool
def book_table(city: str, people: int) -> dict:
    """Book a restaurant table."""
    return {"booked": True, "city": city, "people": people}


def booking_script() -> ScriptedBackend:
    return ScriptedBackend.calls(
        [
            "For how many people, and in which city?",
            [ToolCall(name="book_table", arguments={"city": "Lyon", "people": 4})],
            "Booked a table for 4 in Lyon.",
            "You're welcome!",
        ]
    )


def test_follow_up_continues_the_same_trajectory() -> None:
    store = MemoryStore()
    backend = booking_script()
    session = Agent(backend, tools=[book_table], store=store).session()

    first = session.send("Book me a table")
    assert first.outcome == "answer"
    assert first.answer == "For how many people, and in which city?"

    second = session.send("4 people, Lyon")
    assert second.answer == "Booked a table for 4 in Lyon."
    assert second.steps == 2
    traj = second.trajectory
    assert traj is first.trajectory
    assert traj.query == "Book me a table"
    assert [s.step_id for s in traj.steps] == [1, 2, 3]
    assert traj.steps[0].user_input == "4 people, Lyon"
    assert traj.steps[1].next_observation == [{"booked": True, "city": "Lyon", "people": 4}]
    # the model saw its own question and the user's reply
    prompt = backend.requests[1][0]
    assert "For how many people" in prompt and "4 people, Lyon" in prompt
    roles = [m.role for m in second.messages]
    assert roles == ["user", "assistant", "user", "assistant", "tool", "assistant"]

    stored = store.get(traj.unique_trajectory_id)
    assert stored is not None
    assert len(stored.steps) == 3 and stored.outcome == "answer"
    assert stored.answer == "Booked a table for 4 in Lyon."
    assert stored.steps[0].user_input == "4 people, Lyon"


def test_follow_up_is_persisted_in_sqlite(tmp_path) -> None:
    from lamagent.trajectory import SQLiteStore

    store = SQLiteStore(tmp_path / "runs.db")
    session = Agent(booking_script(), tools=[book_table], store=store).session()
    session.send("Book me a table")
    result = session.send("4 people, Lyon")
    reopened = SQLiteStore(tmp_path / "runs.db")
    stored = reopened.get(result.trajectory.unique_trajectory_id)
    assert stored is not None
    assert stored.steps[0].user_input == "4 people, Lyon"
    assert [s.step_id for s in stored.steps] == [1, 2, 3]
    assert reopened.query(tool="book_table")[0].unique_trajectory_id == stored.unique_trajectory_id


def test_async_session_and_streamed_follow_up() -> None:
    session = Agent(booking_script(), tools=[book_table]).session()

    async def main() -> list[object]:
        await session.asend("Book me a table")
        return [e async for e in session.astream("4 people, Lyon")]

    events = anyio.run(main)
    final = events[-1]
    assert isinstance(final, RunFinished)
    assert final.result.answer == "Booked a table for 4 in Lyon."
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Booked a table for 4 in Lyon."
    assert len(session.messages) == 6
    assert session.trajectory is not None and len(session.trajectory.steps) == 3


def test_each_send_has_its_own_step_limit() -> None:
    backend = ScriptedBackend.calls(["Which city?", "Lyon it is.", "Bye."])
    session = Agent(backend, max_steps=1).session()
    assert session.send("hi").outcome == "answer"
    assert session.send("Lyon").outcome == "answer"
    assert session.send("thanks").answer == "Bye."
    assert session.trajectory is not None
    assert [s.user_input for s in session.trajectory.steps] == ["Lyon", "thanks", None]
