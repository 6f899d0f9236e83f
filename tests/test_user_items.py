"""A list of the user's words in the user's order, without the model's own additions
(`lamagent.gate.user_items`). The real engine is tested in test_user_order_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.user_items import user_items
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(**items: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "recipe_search",
            "description": "Find a recipe.",
            "parameters": {
                "type": "dict",
                "required": ["ingredients"],
                "properties": {
                    "ingredients": {
                        "type": "array",
                        "items": {"type": "string", **items},
                        "description": "The ingredients.",
                    },
                    "servings": {"type": "integer", "description": "How many."},
                },
            },
        }
    )


def _items(value: Any, query: str, **items: Any) -> tuple[Any, list[str]]:
    call = ToolCall(name="recipe_search", arguments={"ingredients": value, "servings": 2})
    [out], notes = user_items([call], [_tool(**items)], query)
    assert out.id == call.id and out.arguments["servings"] == 2
    return out.arguments["ingredients"], notes


@pytest.mark.parametrize(
    ("value", "query", "meant"),
    [
        # BFCL simple_python_359, drafted by the embedded model
        (
            ["cheese", "pasta", "spaghetti"],
            "Give me a recipe for a vegetarian pasta with cheese for 2 servings.",
            ["pasta", "cheese"],
        ),
        # made up: in order already, an item added; out of order, nothing added; two words
        (["eggs", "flour", "sugar"], "a cake with eggs and flour", ["eggs", "flour"]),
        (["basil", "tomato"], "tomato soup with basil", ["tomato", "basil"]),
        (["olive oil", "garlic"], "garlic fried in olive oil", ["garlic", "olive oil"]),
    ],
)
def test_the_users_items_in_the_users_order(value: list[str], query: str, meant: list[str]) -> None:
    got, notes = _items(value, query)
    assert got == meant
    assert notes == [
        f"recipe_search.ingredients: {value!r} as {meant!r}, the user's items in the user's order"
    ]


@pytest.mark.parametrize(
    ("value", "query", "items"),
    [
        # in the user's order with nothing added
        (["pasta", "cheese"], "pasta with cheese", {}),
        # an item written twice: which place gives the order is open (BFCL live_simple_161)
        (["mask", "fist"], "a fist, a mask and another fist", {}),
        # an item the user wrote in part (BFCL simple_python_370)
        (["bag of rice", "olive oil"], "olive oil and a five pound bag of basmati", {}),
        # a capitalised item nobody wrote may be the model's reading of the user's
        (["Chicago", "Boston", "Los Angeles"], "flights to LA, Boston and Chicago", {}),
        # fewer than two of the user's items
        (["cheese", "spaghetti"], "something with cheese", {}),
        # an item that is no string, an enum's items
        (["pasta", 3], "3 kinds of pasta", {}),
        # an item in the singular is the user's plural (BFCL simple_python_373, train)
        (
            ["apple", "rice", "water"],
            "I want to buy apples, rice, and 12 pack of bottled water from a Walmart",
            {},
        ),
        # numbers the user wrote (BFCL live_simple_28-7-1, the model's list run astray)
        (["90", "30", "12"], "order 30 of these and 90 of those", {}),
        (["cheese", "pasta"], "pasta with cheese", {"enum": ["cheese", "pasta"]}),
    ],
)
def test_left_alone(value: list[Any], query: str, items: dict[str, Any]) -> None:
    assert _items(value, query, **items) == (value, [])


def test_a_turn_holds_the_users_items_once_decided() -> None:
    draft = (
        '[{"name": "recipe_search", "arguments": '
        '{"ingredients": ["cheese", "pasta", "spaghetti"], "servings": 2}}]'
    )
    query = "A vegetarian pasta with cheese for 2 servings."
    for shapes, items in ((True, ["pasta", "cheese"]), (False, ["cheese", "pasta", "spaghetti"])):
        turn = one_turn(
            ScriptedBackend([draft], supports_constraint=True),
            query,
            [_tool()],
            example_shapes=shapes,
        )
        assert turn.turn.calls[0].arguments["ingredients"] == items


def test_a_long_request_and_a_long_list_take_little_time() -> None:
    query = "pasta with cheese and " + " ".join(f"w{i}" for i in range(50000))
    value = ["cheese", "pasta"] + [f"w{i}" for i in range(0, 50000, 20)]
    started = time.perf_counter()
    got, notes = _items(value, query)
    assert time.perf_counter() - started < 5
    assert got[:2] == ["pasta", "cheese"] and len(notes) == 1
