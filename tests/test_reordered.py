"""A name the model wrote in its own order, as the user wrote it (`lamagent.gate.reordered`).
The real engine is tested in test_user_order_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.reordered import reordered_names
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(**spec: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "look_up",
            "description": "Look a place up.",
            "parameters": {
                "type": "dict",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "description": "The name.", **spec},
                    "days": {"type": "integer", "description": "How many days."},
                },
            },
        }
    )


def _reordered(value: Any, query: str, **spec: Any) -> tuple[Any, list[str]]:
    call = ToolCall(name="look_up", arguments={"name": value, "days": 2})
    [out], notes = reordered_names([call], [_tool(**spec)], query)
    assert out.id == call.id and out.arguments["days"] == 2
    return out.arguments["name"], notes


@pytest.mark.parametrize(
    ("value", "query", "meant"),
    [
        # BFCL simple_python_394's end, drafted by the embedded model
        (
            "Museum of the Louvre",
            "the travel distance from the Eiffel Tower to the Louvre Museum",
            "Louvre Museum",
        ),
        # made up: a person's name turned round, lower-case words, three words
        ("Smith, John", "Book a table for John Smith at eight", "John Smith"),
        ("carbonara pasta", "a recipe for pasta carbonara, please", "pasta carbonara"),
        ("Bank of America Central", "the Central America Bank branch", "Central America Bank"),
    ],
)
def test_the_users_order(value: str, query: str, meant: str) -> None:
    assert _reordered(value, query) == (
        meant,
        [f"look_up.name: {value!r} as {meant!r}, the user's order"],
    )


@pytest.mark.parametrize(
    ("value", "query", "spec"),
    [
        # in the user's order with a word added, or as the user wrote it
        ("the Plaza Hotel", "a room at Plaza Hotel", {}),
        ("Louvre Museum", "the Louvre Museum", {}),
        # the user wrote the value too
        ("Museum of the Louvre", "Louvre Museum, the Museum of the Louvre", {}),
        # numbers in another order: a date in another form
        ("2024-03-12", "from 12/03/2024", {}),
        ("Olympics 2020", "the 2020 Olympics", {}),
        # the words apart, across a clause, with others between
        ("cheese pasta", "pasta with cheese", {}),
        ("Paris France", "France, Paris", {}),
        # two stretches hold the words
        ("York New", "New York and York New", {}),
        ("Bank of America Central", "Central America Bank or America Central Bank", {}),
        # one word, words nobody wrote, an enum, not a string
        ("Louvre", "the Louvre", {}),
        ("Museum of Art", "the Louvre Museum", {}),
        ("Museum Louvre", "the Louvre Museum", {"enum": ["Museum Louvre", "Other"]}),
        (7, "7 days", {}),
    ],
)
def test_left_alone(value: Any, query: str, spec: dict[str, Any]) -> None:
    assert _reordered(value, query, **spec) == (value, [])


def test_a_turn_writes_the_users_order() -> None:
    draft = '[{"name": "look_up", "arguments": {"name": "Museum of the Louvre", "days": 2}}]'
    query = "Open hours of the Louvre Museum for 2 days"
    for shapes, name in ((True, "Louvre Museum"), (False, "Museum of the Louvre")):
        turn = one_turn(
            ScriptedBackend([draft], supports_constraint=True),
            query,
            [_tool()],
            example_shapes=shapes,
        )
        assert turn.turn.calls[0].arguments["name"] == name


def test_a_long_request_and_many_values_take_little_time() -> None:
    query = "the Louvre Museum and " + "a word, " * 25000
    properties = {f"p{i}": {"type": "string"} for i in range(3000)}
    tool = Tool("t", "", {"type": "object", "properties": properties})
    values = {f"p{i}": "Museum of the Louvre" if i % 2 else f"Word of a {i}" for i in range(3000)}
    started = time.perf_counter()
    [out], notes = reordered_names([ToolCall(name="t", arguments=values)], [tool], query)
    assert time.perf_counter() - started < 5
    assert out.arguments["p1"] == "Louvre Museum" and len(notes) == 1500
