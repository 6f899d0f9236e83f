"""`listed_items` on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model makes one call where the user lists several values
(BFCL held-out parallel_7: "the factorial of 5,10 and 15" gives `{"number": 5}` only); with
`listed_items` the turn holds one call per item, in the user's order, from that one
generation.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import calls_turn

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
