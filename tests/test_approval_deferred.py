"""Deferred approval: a run pauses on calls that need approval and resumes after decisions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.agent import Decision
from lamagent.errors import UsageError
from lamagent.trajectory import MemoryStore, SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
PAID: list[dict[str, Any]] = []


@tool(requires_approval=True)
def pay(to: str, amount: float) -> dict:
    """Send money."""
    PAID.append({"to": to, "amount": amount})
    return {"paid": amount, "to": to}


@tool
def balance() -> dict:
    """The account balance."""
    return {"balance": 1000.0}


def paying(*replies: Any) -> ScriptedBackend:
    calls = [
        ToolCall(name="pay", arguments={"to": "ACME", "amount": 250}),
        ToolCall(name="balance"),
    ]
    return ScriptedBackend.calls([calls, *replies])


@pytest.fixture(autouse=True)
def _no_payments() -> None:
    PAID.clear()


def test_a_run_pauses_and_resumes_after_approval() -> None:
    store = MemoryStore()
    backend = paying("Paid ACME 250.")
    agent = Agent(backend, tools=[pay, balance], store=store, approval="defer")

    paused = agent.run("Pay ACME 250")
    assert paused.outcome == "needs_approval" and "pay" in (paused.error or "")
    traj = paused.trajectory
    [waiting] = traj.pending_calls
    assert waiting.name == "pay" and waiting.verified == {
        "name": "pay",
        "arguments": {"to": "ACME", "amount": 250.0},
    }
    assert PAID == [] and traj.steps[0].calls[1].result is None  # nothing ran, not even balance
    stored = store.get(traj.id)
    assert stored is not None and stored.outcome == "needs_approval"
    assert [c.call_id for c in stored.pending_calls] == [waiting.call_id]

    done = agent.resume(traj.id, [Decision.approve(waiting.call_id, by="alice")])
    assert done.outcome == "answer" and done.answer == "Paid ACME 250."
    assert PAID == [{"to": "ACME", "amount": 250.0}]
    step = store.get(traj.id).steps[0]  # type: ignore[union-attr]
    assert [c.result for c in step.calls] == [{"paid": 250.0, "to": "ACME"}, {"balance": 1000.0}]
    [approval] = step.approvals
    assert (approval.call_id, approval.decision, approval.by) == (
        waiting.call_id,
        "approved",
        "alice",
    )
    # the model read both results in the resumed turn
    assert '"paid": 250.0' in backend.requests[-1][0]


def test_a_denial_gives_the_model_the_reason() -> None:
    backend = paying("I did not pay: over the limit.")
    agent = Agent(backend, tools=[pay, balance], approval="defer")
    paused = agent.run("Pay ACME 250")
    [waiting] = paused.trajectory.pending_calls

    done = agent.resume(
        paused.trajectory, {waiting.call_id: Decision.deny(waiting.call_id, "over the limit")}
    )
    assert done.outcome == "answer" and PAID == []
    record = done.trajectory.steps[0].calls[0]
    assert record.error is not None and record.error.kind == "refused"
    assert "over the limit" in backend.requests[-1][0]
    assert done.trajectory.steps[0].approvals[0].reason == "over the limit"


def test_edited_arguments_are_verified_again() -> None:
    store = MemoryStore()
    agent = Agent(paying("Paid 100.", "x"), tools=[pay, balance], store=store, approval="defer")
    paused = agent.run("Pay ACME 250")
    [waiting] = paused.trajectory.pending_calls

    with pytest.raises(UsageError, match="missing"):
        agent.resume(paused.trajectory.id, {})
    with pytest.raises(UsageError, match="unknown"):
        agent.resume(paused.trajectory.id, {waiting.call_id: True, "call_nope": True})

    done = agent.resume(
        paused.trajectory.id,
        [Decision.edit(waiting.call_id, {"to": "ACME", "amount": "100"}, by="bob")],
    )
    assert done.outcome == "answer" and PAID == [{"to": "ACME", "amount": 100.0}]
    record = done.trajectory.steps[0].calls[0]
    assert record.call["arguments"]["amount"] == 250  # as the model wrote it
    assert record.verified == {"name": "pay", "arguments": {"to": "ACME", "amount": 100.0}}
    assert record.repairs  # "100" was coerced, like any call's argument
    assert done.trajectory.steps[0].approvals[0].arguments == {"to": "ACME", "amount": "100"}

    with pytest.raises(UsageError, match="not waiting"):
        agent.resume(paused.trajectory.id, {waiting.call_id: True})


def test_an_edit_that_fails_verification_is_an_error_the_model_reads() -> None:
    backend = paying("Sorry, the amount was wrong.")
    agent = Agent(backend, tools=[pay, balance], approval="defer")
    paused = agent.run("Pay ACME 250")
    [waiting] = paused.trajectory.pending_calls
    done = agent.resume(
        paused.trajectory, [Decision.edit(waiting.call_id, {"to": "ACME", "amount": "lots"})]
    )
    record = done.trajectory.steps[0].calls[0]
    assert PAID == [] and record.error is not None and record.error.kind == "wrong_type"
    assert "amount" in backend.requests[-1][0]


def test_the_inline_hook_still_decides_at_once() -> None:
    agent = Agent(paying("Paid."), tools=[pay, balance], approval=lambda call, t: True)
    result = agent.run("Pay ACME 250")
    assert result.outcome == "answer" and PAID == [{"to": "ACME", "amount": 250.0}]


def test_a_paused_session_continues_with_resume_not_send() -> None:
    session = Agent(paying("Paid."), tools=[pay, balance], approval="defer").session()
    assert session.send("Pay ACME 250").outcome == "needs_approval"
    with pytest.raises(UsageError, match="approval"):
        session.send("Hello?")
    traj = session.trajectory
    assert traj is not None
    result = session.resume({traj.pending_calls[0].call_id: True})
    assert result.outcome == "answer" and len(PAID) == 1


PAUSER = textwrap.dedent(
    """
    import json, sys, time
    from lamagent import Agent, ScriptedBackend, ToolCall, tool

    @tool(requires_approval=True)
    def pay(to: str, amount: float) -> dict:
        '''Send money.'''
        raise SystemExit("this process must never pay")

    payment = ToolCall(name="pay", arguments={"to": "ACME", "amount": 250})
    backend = ScriptedBackend.calls([[payment]])
    agent = Agent(backend, tools=[pay], store=sys.argv[1], approval="defer")
    result = agent.run("Pay ACME 250")
    print(json.dumps({"id": result.trajectory.id, "outcome": result.outcome,
                      "pending": [c.call_id for c in result.trajectory.pending_calls]}), flush=True)
    time.sleep(600)  # killed while it waits
    """
)


def test_another_process_resumes_a_run_whose_process_was_killed(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSER, db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        paused = json.loads(line)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert paused["outcome"] == "needs_approval"

    with SQLiteStore(db) as store:
        waiting = store.get(paused["id"])
        assert waiting is not None and waiting.outcome == "needs_approval"  # not "incomplete"
        assert [c.call_id for c in waiting.pending_calls] == paused["pending"]

        backend = ScriptedBackend.calls(["Paid ACME 250."])
        agent = Agent(backend, tools=[pay], store=store)
        done = agent.resume(paused["id"], {paused["pending"][0]: True}, by="carol")
        assert done.outcome == "answer" and PAID == [{"to": "ACME", "amount": 250.0}]
        final = store.get(paused["id"])
    assert final is not None and final.outcome == "answer"
    assert final.steps[0].approvals[0].by == "carol"
    assert final.steps[0].calls[0].result == {"paid": 250.0, "to": "ACME"}
    assert [s.step_id for s in final.steps] == [1, 2]
    assert '"paid": 250.0' in backend.requests[0][0]
