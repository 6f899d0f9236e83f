"""The record of one tool call: what the model wrote, what verification made of it, what ran.

`CallRecord` links everything that happened to one call by its `call_id`: the call as the model
wrote it, the call after verification and repairs, the error that stopped it (a verification
`CallError` or an execution `ToolError`), the result the model read, and how long the tool ran.
The loop fills one per call, events carry it, and a trajectory `Step` keeps the list. This is a
leaf module (pydantic and `lamagent.messages` only), so verification, execution, events and
trajectories can all share it without importing each other.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field

from lamagent.messages import ToolCall

CallErrorKind = Literal["unknown_tool", "unknown_argument", "missing_argument", "wrong_type"]
"""Why verification rejected a call (the xLAM paper's checks), in the order they are tried."""
CALL_ERROR_KINDS: tuple[str, ...] = get_args(CallErrorKind)

ToolFailureKind = Literal["exception", "timeout", "refused"]
"""Why a verified call gave no result: the tool raised, ran too long, or was not approved."""
TOOL_FAILURE_KINDS: tuple[str, ...] = get_args(ToolFailureKind)

ToolErrorKind = Literal[ToolFailureKind, "duplicate"]
"""What execution reports for a call: a failure, or `duplicate` (the result of an identical
earlier call was reused; not an error, recorded as `CallRecord.duplicate_of`)."""
TOOL_ERROR_KINDS: tuple[str, ...] = get_args(ToolErrorKind)


class CallError(BaseModel):
    """Why a call was rejected, in words the model can act on.

    `kind` is the first problem found (unknown tool, then unknown argument, missing argument,
    wrong type); `argument` is its dotted path (`items[2].name`), None for `unknown_tool`;
    `message` names every problem and the tool's expected parameters.
    """

    kind: CallErrorKind
    tool: str
    argument: str | None = None
    message: str


class ToolError(BaseModel):
    """Why a verified call gave no result: it raised, timed out, or was refused approval."""

    kind: ToolFailureKind
    tool: str
    message: str = ""


class Repair(BaseModel):
    """A safe fix made to an argument before the call ran (kept in the trajectory)."""

    argument: str
    kind: str
    original: Any = None
    repaired: Any = None


CallFailure = Annotated[CallError | ToolError, Field(discriminator="kind")]
"""The one error a call can end with: a verification kind or an execution kind."""


class CallRecord(BaseModel):
    """Everything about one call of one step, linked by `call_id`.

    `call` is the call as the model wrote it (`{"name", "arguments"}`); `verified` the call
    that ran, after verification and repairs (None when verification rejected it); `error` the
    reason it has no real result; `result` the observation the model read (the tool's return
    value, an error observation, or a reused result); `seconds` how long the tool ran (None
    when it did not run); `duplicate_of` the index of the identical earlier call whose result
    was reused (a duplicate is not an error).
    """

    index: int
    call_id: str
    call: dict[str, Any]
    verified: dict[str, Any] | None = None
    error: CallFailure | None = None
    repairs: list[Repair] = Field(default_factory=list)
    result: Any = None
    seconds: float | None = None
    duplicate_of: int | None = None

    @property
    def name(self) -> Any:
        """The tool name as the model wrote it."""
        return self.call.get("name")

    @property
    def effective(self) -> dict[str, Any]:
        """The call as it ran (`verified`) or, when it did not pass verification, as written."""
        return self.verified if self.verified is not None else self.call

    @property
    def settled(self) -> bool:
        """True once the call has an outcome: a result, an error, a run time or a duplicate."""
        return (
            self.result is not None
            or self.error is not None
            or self.seconds is not None
            or self.duplicate_of is not None
        )

    @property
    def error_kind(self) -> str | None:
        """The error's kind (`unknown_tool` ... `refused`), or None."""
        return None if self.error is None else self.error.kind

    def tool_call(self) -> ToolCall:
        """The effective call as a `ToolCall` carrying this record's `call_id`.

        Raises `ValueError` when the recorded call has no string name or no object arguments
        (possible for records imported from files; never for calls the loop recorded).
        """
        data = self.effective
        return ToolCall.from_dict({**data, "id": self.call_id})


__all__ = [
    "CALL_ERROR_KINDS",
    "TOOL_ERROR_KINDS",
    "TOOL_FAILURE_KINDS",
    "CallError",
    "CallErrorKind",
    "CallFailure",
    "CallRecord",
    "Repair",
    "ToolError",
    "ToolErrorKind",
    "ToolFailureKind",
]
