"""`listed_items` on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model makes one call where the user lists several values
(BFCL held-out parallel_7: "the factorial of 5,10 and 15" gives `{"number": 5}` only); with
`listed_items` the turn holds one call per item, in the user's order, from that one
generation. And where the user asked for one thing, the model often goes on after its call
with a second of its own (BFCL train simple_python_36 and _55): `listed_items` leaves it out.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn, calls_turn

FACTORIAL = {  # BFCL parallel_7's tool
    "name": "math.factorial",
    "description": "Calculate the factorial of a given number.",
    "parameters": {
        "type": "dict",
        "properties": {
            "number": {
                "type": "integer",
                "description": "The number for which factorial needs to be calculated.",
            }
        },
        "required": ["number"],
    },
}


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("Find the factorial of 5,10 and 15.", [5, 10, 15]),
        ("What is the factorial of 4, 6 and 8?", [4, 6, 8]),
    ],
)
def test_one_call_per_listed_number(gguf: Any, query: str, numbers: list[int]) -> None:
    plain = calls_turn(gguf, query, FACTORIAL, copy_bias=3.0)
    assert [c.arguments for c in plain.turn.calls] == [{"number": numbers[0]}]
    listed = calls_turn(gguf, query, FACTORIAL, copy_bias=3.0, listed_items=True)
    assert [c.arguments for c in listed.turn.calls] == [{"number": n} for n in numbers]
    assert listed.listed == len(numbers) - 1
    assert listed.generation.usage.requests == 1  # the same single generation


DISTANCE = {  # BFCL simple_python_36's tool
    "name": "get_shortest_driving_distance",
    "description": "Calculate the shortest driving distance between two locations.",
    "parameters": {
        "type": "dict",
        "properties": {
            "origin": {
                "type": "string",
                "description": "Starting point of the journey. You should format it as city "
                "name like Boston.",
            },
            "destination": {
                "type": "string",
                "description": "End point of the journey. You should format it as city name "
                "like Boston.",
            },
            "unit": {
                "type": "string",
                "description": "Preferred unit of distance (optional, default is 'km').",
            },
        },
        "required": ["origin", "destination"],
    },
}
CELL = {  # BFCL simple_python_55's tool
    "name": "biology.get_cell_info",
    "description": "Retrieve information about the structure and functioning of a specified "
    "type of cell",
    "parameters": {
        "type": "dict",
        "properties": {
            "cell_type": {
                "type": "string",
                "description": "Type of cell you want information about",
            },
            "detailed": {
                "type": "boolean",
                "description": "Indicate if you want a detailed description of the cell",
                "default": "false",
            },
        },
        "required": ["cell_type"],
    },
}


@pytest.mark.parametrize(
    ("query", "tool", "tokens", "first"),
    [
        (
            "Find the shortest driving distance between New York City and Washington D.C.",
            DISTANCE,
            128,
            {"origin": "New York City", "destination": "Washington D.C."},
        ),
        (
            "Find me detailed information about the structure of human cell",
            CELL,
            64,
            {"cell_type": "human cell", "detailed": True},
        ),
    ],
)
def test_a_repeat_nobody_asked_for_is_left_out(
    gguf: Any, query: str, tool: dict[str, Any], tokens: int, first: dict[str, Any]
) -> None:
    plain = calls_turn(gguf, query, tool, copy_bias=3.0, max_tokens=tokens)
    assert len(plain.turn.calls) >= 2 and plain.turn.calls[0].arguments == first
    listed = calls_turn(gguf, query, tool, copy_bias=3.0, max_tokens=tokens, listed_items=True)
    assert [c.arguments for c in listed.turn.calls] == [first]
    assert [c.arguments for c in listed.unasked] == [c.arguments for c in plain.turn.calls[1:]]


def test_a_number_a_name_ends_in_opens_a_list(gguf: Any) -> None:
    # BFCL parallel_24: "Case No 28473 and 64725": the model takes the second number only
    plain = bfcl_turn(gguf, "parallel_24", listed_items=False, example_shapes=True)
    assert [c.arguments["case_number"] for c in plain.turn.calls] == ["64725"]
    listed = bfcl_turn(gguf, "parallel_24", example_shapes=True)
    assert sorted(c.arguments["case_number"] for c in listed.turn.calls) == ["28473", "64725"]
    assert listed.generation.text == plain.generation.text
