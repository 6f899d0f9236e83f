"""The action the user asked for in other words than the enum's (`lamagent.gate.actions`). The
real engine is tested in test_actions_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, call, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.actions import action_choices, said_actions
from lamagent.tools import Tool

TODO_ACTIONS = ["add", "delete", "update", "complete"]
SERVERS = ["create", "read", "update", "delete"]


def _tool(options: list[str], **extra: dict[str, Any]) -> Tool:
    return bfcl_tool(
        "todo",
        "Manages a todo list.",
        type={"type": "string", "enum": options, "description": "The action to perform."},
        content={"type": "string", "description": "The todo's content."},
        **extra,
    )


def _chosen(value: str, query: str, options: list[str] = TODO_ACTIONS) -> tuple[str, list[str]]:
    drafted = call("todo", type=value, content="x")
    [out], notes = action_choices([drafted], [_tool(options)], query)
    assert out.id == drafted.id and out.arguments["content"] == "x"
    return str(out.arguments["type"]), notes


@pytest.mark.parametrize(
    ("value", "query", "options", "chosen"),
    [
        # BFCL live_simple_55, _64, _54, _60, live_multiple_90, _92 (as drafted or not)
        ("delete", "can you create todo for 'go for shopping at 9 pm'", TODO_ACTIONS, "add"),
        ("delete", "I need to remember to 'go to Goa'", TODO_ACTIONS, "add"),
        ("add", "Remove the 'todo random' item from my todo list", TODO_ACTIONS, "delete"),
        ("add", "I've completed the task. Mark it as completed.", TODO_ACTIONS, "complete"),
        ("read", "I need to register a new server for our system.", SERVERS, "create"),
        ("delete", "Could you retrieve a list of all the servers?", SERVERS, "read"),
        # inflections; the option's own word
        ("add", "Removing the milk item please", TODO_ACTIONS, "delete"),
        ("add", "Please finish the laundry task", TODO_ACTIONS, "complete"),
        ("delete", "update the dentist todo to 5 pm", TODO_ACTIONS, "update"),
        ("delete", "Change the dentist todo to 5 pm", TODO_ACTIONS, "update"),
        # a quoted todo's words and a negated action say nothing
        ("delete", "add a todo 'remove the trash'", TODO_ACTIONS, "add"),
        ("delete", "don't remove it, just add it", TODO_ACTIONS, "add"),
    ],
)
def test_the_action_the_user_asked_for(
    value: str, query: str, options: list[str], chosen: str
) -> None:
    out, notes = _chosen(value, query, options)
    assert out == chosen
    assert notes == [f"todo.type: {value!r} as {chosen!r}, the action the user asked for"]


@pytest.mark.parametrize(
    ("value", "query", "options"),
    [
        # the action said already; none said; two said
        ("add", "create a todo for the milk", TODO_ACTIONS),
        ("delete", "what is on my list for today", TODO_ACTIONS),
        ("add", "add the new one and delete the old one", TODO_ACTIONS),
        # the words of a quoted todo are no action; a negated one is none
        ("add", "add a todo 'remove the trash'", TODO_ACTIONS),
        ("delete", "a todo 'remove the trash'", TODO_ACTIONS),
        ("delete", "don't remove it", TODO_ACTIONS),
        # "create" says both where the enum holds "add" and "create"
        ("delete", "create a todo for the milk", ["add", "create", "delete"]),
        # an enum of other things too: a permission's "read" is no action
        ("write", "retrieve the permissions", ["read", "write", "delete", "admin"]),
    ],
)
def test_left_alone(value: str, query: str, options: list[str]) -> None:
    assert _chosen(value, query, options) == (value, [])


def test_a_tool_called_twice_and_an_option_another_argument_holds() -> None:
    tool = _tool(TODO_ACTIONS)
    twice = [call("todo", type="delete", content="a"), call("todo", type="delete", content="b")]
    assert action_choices(twice, [tool], "create two todos") == (twice, [])
    held = bfcl_tool(
        "sync",
        "Syncs two lists.",
        local={"type": "string", "enum": TODO_ACTIONS, "description": "Local action."},
        remote={"type": "string", "enum": TODO_ACTIONS, "description": "Remote action."},
    )
    drafted = call("sync", local="delete", remote="add")
    assert action_choices([drafted], [held], "create the todo") == ([drafted], [])


def test_said_actions_in_the_options_order() -> None:
    assert said_actions("remove it, then create another", TODO_ACTIONS) == ["add", "delete"]
    assert said_actions("REMOVE it", ["ADD", "DELETE"]) == ["DELETE"]


@pytest.mark.parametrize("shapes", [True, False])
def test_the_turn_holds_the_action_with_example_shapes(shapes: bool) -> None:
    drafted = call("todo", type="delete", content="go to Goa")
    backend = ScriptedBackend.calls([[drafted]], supports_constraint=True)
    turn = one_turn(
        backend, "I need to remember to 'go to Goa'", [_tool(TODO_ACTIONS)], example_shapes=shapes
    )
    assert turn.turn.calls[0].arguments["type"] == ("add" if shapes else "delete")
