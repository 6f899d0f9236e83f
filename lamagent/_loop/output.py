"""The answer path of a run with a typed output (`Agent(output_type=...)`).

A text answer that already validates ends the run. Otherwise the model is asked for the answer
as JSON (the instruction is the step's `nudge`), and the next turn is an *output turn*: decoded
under the type's JSON Schema where the backend can constrain, read as JSON, validated by
pydantic. An output turn that does not validate is a failed turn (its `parse_error`, with the
validation errors fed back as its `observation`), retried within `Limits.max_retries`.
A run without tools on a constraining backend starts with an output turn.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lamagent._loop.context import LoopContext
from lamagent._loop.state import RunState
from lamagent.messages import Message
from lamagent.output import OutputType, ParsedOutput
from lamagent.trajectory import Step
from lamagent.turns import TurnRequest

#: How a failed output turn's `parse_error` begins (and how a resumed run recognises one).
OUTPUT_PROBLEM = "the answer does not match the output type"


def is_output_turn(ctx: LoopContext, state: RunState) -> bool:
    """Whether the next turn must give the typed answer (read from the recorded steps)."""
    output = ctx.output
    if output is None:
        return False
    steps = state.trajectory.steps
    if not steps or steps[-1].user_input is not None:
        return ctx.output_constrained and not ctx.tools
    last = steps[-1]
    asked = last.nudge == output.instruction()
    retry = (last.parse_error or "").startswith(OUTPUT_PROBLEM)
    return asked or retry


def output_request(ctx: LoopContext, request: TurnRequest) -> TurnRequest:
    """`request` for an output turn: the type's schema instead of the call grammar."""
    assert ctx.output is not None
    return dataclasses.replace(
        request, constraint=ctx.output.constraint, constrained=ctx.output_constrained
    )


@dataclasses.dataclass(frozen=True)
class OutputStep:
    """How an answer step of a typed run ended: a value, a request for JSON, or a failure."""

    answer: str | None = None
    value: Any = None
    failure: str = ""


def settle_output(output: OutputType, state: RunState, step: Step, text: str) -> OutputStep:
    """An output turn's text: the validated answer, or the failure fed back to the model."""
    parsed = output.parse(text)
    if isinstance(parsed, ParsedOutput):
        return _accept(state, step, text.strip(), parsed)
    step.parse_error = f"{OUTPUT_PROBLEM} {output.name}: {parsed}"
    feedback = output.feedback(parsed)
    step.observation = feedback
    state.messages.append(Message.assistant(text))
    state.messages.append(Message.user(feedback))
    return OutputStep(failure=step.parse_error)


def text_answer(output: OutputType, state: RunState, step: Step, answer: str) -> OutputStep:
    """A text answer in a typed run: the value when it already is one, else ask for JSON."""
    parsed = output.parse_text(answer)
    if parsed is not None:
        return _accept(state, step, answer, parsed)
    step.answer = answer
    step.nudge = output.instruction()
    state.messages.append(Message.assistant(answer))
    state.messages.append(Message.user(step.nudge))
    return OutputStep()


def json_answer(
    output: OutputType | None, state: RunState, step: Step, text: str
) -> OutputStep | None:
    """A turn that did not parse as calls but is a valid typed answer (JSON written at once,
    without a grammar), else None."""
    if output is None or not text.strip():
        return None
    parsed = output.parse(text)
    return _accept(state, step, text.strip(), parsed) if isinstance(parsed, ParsedOutput) else None


def _accept(state: RunState, step: Step, answer: str, parsed: ParsedOutput) -> OutputStep:
    step.answer = answer
    step.output = parsed.data
    state.messages.append(Message.assistant(answer))
    return OutputStep(answer=answer, value=parsed.value)


__all__ = [
    "OUTPUT_PROBLEM",
    "is_output_turn",
    "json_answer",
    "output_request",
    "settle_output",
    "text_answer",
]
