"""One model turn for a query, the way the loop asks for it: the tests' shared request builder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio

from lamagent.formats.choice import ToolChoice
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source, with_said_values


def one_turn(
    backend: Any,
    query: str,
    tools: Sequence[Tool],
    *,
    tool_choice: ToolChoice = "required",
    max_calls: int | None = None,
    **params: Any,
) -> ModelTurn:
    """The turn of `backend` for the user's `query`, under the Format's call grammar;
    `params` are `GenerationParams` fields."""
    request = TurnRequest(
        messages=[Message.user(query)],
        tools=list(tools),
        params=GenerationParams(**params),
        tool_choice=tool_choice,
        constrained=True,
        max_calls=max_calls,
    )
    return anyio.run(lambda: turn_source(backend).next_turn(request))


def gate_draft(drafted: ToolCall, query: str, tool: Tool) -> tuple[ModelTurn, ModelTurn]:
    """The call gate's draft of a turn that calls `drafted` for the user's `query` (a scripted
    model, `example_shapes` on), and that turn once the gate has decided to call
    (`with_said_values`)."""
    from lamagent.backends.scripted import ScriptedBackend

    backend = ScriptedBackend.calls([[drafted]], supports_constraint=True)
    request = TurnRequest(
        messages=[Message.user(query)],
        tools=[tool],
        params=GenerationParams(example_shapes=True),
        tool_choice="required",
        constrained=True,
        gate_draft=True,
    )
    draft = anyio.run(lambda: turn_source(backend).next_turn(request))
    return draft, with_said_values(draft, request)


def schema_tool(
    name: str, properties: dict[str, dict[str, Any]], required: Sequence[str] = ()
) -> Tool:
    """A tool whose parameters are `properties` (JSON Schema), `required` of them required:
    for parameters of any name ("name" too) and optional ones."""
    return Tool.from_spec(
        {
            "name": name,
            "parameters": {"type": "object", "properties": properties, "required": list(required)},
        }
    )


def bfcl_tool(name: str, description: str, **properties: dict[str, Any]) -> Tool:
    """A tool from a BFCL-style spec: `properties` are the parameters' schemas (BFCL's type
    words), all of them required."""
    return Tool.from_spec(
        {
            "name": name,
            "description": description,
            "parameters": {"type": "dict", "properties": properties, "required": list(properties)},
        }
    )


def listed_request(query: str, tools: Sequence[Tool], **kw: Any) -> TurnRequest:
    """The calls-only request for the user's `query` with `listed_items` on (`listed_items`
    and `tool_choice` may be given in `kw`, with other `TurnRequest` fields)."""
    return TurnRequest(
        messages=[Message.user(query)],
        tools=list(tools),
        params=GenerationParams(listed_items=kw.pop("listed_items", True)),
        tool_choice=kw.pop("tool_choice", "required"),
        constrained=True,
        **kw,
    )


def call(name: str, **arguments: Any) -> ToolCall:
    """A drafted call of `name` with these arguments."""
    return ToolCall(name=name, arguments=arguments)


def kind_tool(name: str, **parameters: str) -> Tool:
    """A BFCL-style tool whose parameters (all required) have these types ("string",
    "integer", ...) and say only their names."""
    return bfcl_tool(
        name,
        f"The tool {name}.",
        **{p: {"type": kind, "description": f"The {p}."} for p, kind in parameters.items()},
    )
