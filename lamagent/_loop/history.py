"""The conversation as the model reads it, built from the recorded steps.

The loop appends `step_messages(step)` after each step, and a conversation continued later
(another process, a resumed run) is rebuilt with `rebuild_messages` from the same records, so
the model is shown the same prompt bytes either way: the same text, the same call ids.
"""

from __future__ import annotations

from lamagent.messages import Message, ToolCall, to_messages
from lamagent.records import CallRecord
from lamagent.trajectory import Step, Trajectory


def _as_written(record: CallRecord) -> ToolCall:
    """The call as the model wrote it, with its id (the effective call if that cannot be read)."""
    try:
        return ToolCall.from_dict({**record.call, "id": record.call_id})
    except (ValueError, TypeError):
        return record.tool_call()


def step_messages(step: Step) -> list[Message]:
    """What a finished step adds to the conversation (without the user's follow-up)."""
    out: list[Message] = []
    if step.parse_error is not None:
        out.append(Message.assistant(step.raw_output))
        if step.observation is not None:
            out.append(Message.user(str(step.observation)))
    elif step.calls:
        calls = [_as_written(record) for record in step.calls]
        out.append(Message.assistant(step.thought or None, calls))
        for call, record in zip(calls, step.calls, strict=True):
            out.append(Message.tool(record.result, tool_call_id=call.id, name=call.name))
    else:
        out.append(Message.assistant(step.answer if step.answer is not None else step.raw_output))
    if step.nudge is not None:
        out.append(Message.user(step.nudge))
    return out


def opening_messages(
    system_prompt: str | None, history: list[Message], query: str
) -> list[Message]:
    """The conversation before the first step: system prompt, earlier history, the query."""
    messages: list[Message] = []
    if system_prompt is not None and not (history and history[0].role == "system"):
        messages.append(Message.system(system_prompt))
    messages.extend(history)
    messages.append(Message.user(query))
    return messages


def rebuild_messages(
    trajectory: Trajectory, system_prompt: str | None
) -> tuple[list[Message], int]:
    """The whole conversation of a recorded run, as the loop had it after its last step, and
    the index of the user's latest message in it (the query or the latest follow-up).

    `system_prompt` is the agent's (the trajectory keeps it as `task_instruction`, which
    cannot tell "none" from an empty prompt).
    """
    if system_prompt is None and trajectory.task_instruction:
        system_prompt = trajectory.task_instruction
    history = to_messages(trajectory.metadata.get("history") or [])
    messages = opening_messages(system_prompt, history, trajectory.query)
    latest = len(messages) - 1
    for step in trajectory.steps:
        messages.extend(step_messages(step))
        if step.user_input is not None:
            messages.append(Message.user(step.user_input))
            latest = len(messages) - 1
    return messages, latest


__all__ = ["opening_messages", "rebuild_messages", "step_messages"]
