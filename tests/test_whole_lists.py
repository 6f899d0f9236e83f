"""A value that holds a whole list the user wrote, where the parameter takes one item
(`lamagent.gate.whole_lists`): one call per item. The draft of BFCL parallel_177 is the
embedded model's; the others are made up for what the data does not show. The real engine is
tested in test_whole_lists_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.whole_lists import item_calls
from lamagent.messages import ToolCall
from lamagent.tools import Tool

METALS = "What is the current price per ounce of gold, silver, platinum, and palladium?"


def _metal_tool(name: str = "metal", **schema: Any) -> Tool:
    return bfcl_tool(
        "get_metal_price",
        "Retrieve the current price for a specified metal and measure.",
        **{
            name: {"type": "string", "description": "The metal whose price needs to be fetched."}
            | schema,
            "measure": {"type": "string", "description": "The measure unit for price."},
        },
    )


def _call(**arguments: Any) -> ToolCall:
    return ToolCall(name="get_metal_price", arguments=arguments)


def test_a_string_holding_the_users_whole_list_becomes_one_call_per_item() -> None:
    draft = _call(metal="gold, silver, platinum, palladium", measure="ounce")
    calls, notes = item_calls([draft], METALS, [_metal_tool()])
    assert [c.arguments for c in calls] == [
        {"metal": m, "measure": "ounce"} for m in ("gold", "silver", "platinum", "palladium")
    ]
    assert calls[0].id == draft.id  # the draft's call, in its place
    assert len({c.id for c in calls}) == 4
    assert notes == [
        "get_metal_price.metal: 'gold, silver, platinum, palladium' as 4 calls, one per item"
    ]


@pytest.mark.parametrize(
    "value",
    [
        "gold, silver, platinum and palladium",  # joined as the user joined them
        "Gold; Silver; Platinum; Palladium",  # other separators, other case
    ],
)
def test_the_list_may_be_joined_otherwise(value: str) -> None:
    calls, _ = item_calls([_call(metal=value, measure="ounce")], METALS, [_metal_tool()])
    assert [c.arguments["metal"].casefold() for c in calls] == [
        "gold",
        "silver",
        "platinum",
        "palladium",
    ]


@pytest.mark.parametrize(
    ("value", "tool"),
    [
        ("gold, silver", _metal_tool()),  # part of the list only
        ("gold, silver, platinum, palladium, copper", _metal_tool()),  # more than the list
        ("silver, gold, platinum, palladium", _metal_tool()),  # not in the user's order
        ("gold", _metal_tool()),  # one item: the lists' own rule speaks to that
        # the parameter takes several: a plural name, a description that asks for a list
        ("gold, silver, platinum, palladium", _metal_tool("metals")),
        (
            "gold, silver, platinum, palladium",
            _metal_tool(description="Metals to price, comma-separated."),
        ),
        ("gold, silver, platinum, palladium", _metal_tool(description="A list of metals.")),
    ],
)
def test_what_is_left_whole(value: str, tool: Tool) -> None:
    name = next(iter(tool.parameters["properties"]))
    draft = ToolCall(name="get_metal_price", arguments={name: value, "measure": "ounce"})
    assert item_calls([draft], METALS, [tool]) == ([draft], [])


def test_a_singular_name_that_ends_in_s_takes_one() -> None:
    tool = bfcl_tool(
        "ship",
        "Ship a parcel.",
        address={"type": "string", "description": "Where to."},
    )
    text = "Ship it to Paris, Lyon and Nice."
    calls, _ = item_calls(
        [ToolCall(name="ship", arguments={"address": "Paris, Lyon and Nice"})], text, [tool]
    )
    assert [c.arguments["address"] for c in calls] == ["Paris", "Lyon", "Nice"]


def test_the_turns_limit_leaves_the_call_whole() -> None:
    draft = _call(metal="gold, silver, platinum, palladium", measure="ounce")
    assert item_calls([draft], METALS, [_metal_tool()], limit=3) == ([draft], [])
    assert len(item_calls([draft], METALS, [_metal_tool()], limit=4)[0]) == 4


def test_through_the_turn_source_with_listed_items() -> None:
    output = (
        '[{"name": "get_metal_price", "arguments": '
        '{"metal": "gold, silver, platinum, palladium", "measure": "ounce"}}]'
    )
    off = one_turn(ScriptedBackend([output], supports_constraint=True), METALS, [_metal_tool()])
    assert len(off.turn.calls) == 1
    on = one_turn(
        ScriptedBackend([output], supports_constraint=True),
        METALS,
        [_metal_tool()],
        listed_items=True,
    )
    assert [c.arguments["metal"] for c in on.turn.calls] == [
        "gold",
        "silver",
        "platinum",
        "palladium",
    ]
    assert on.listed == 3
    assert on.reshaped == (
        "get_metal_price.metal: 'gold, silver, platinum, palladium' as 4 calls, one per item",
    )
