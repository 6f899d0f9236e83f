"""Asks joined within one sentence, each no call took from drafted on its own, on the real
engine with the embedded model (SmolLM2-135M), under the calls-only grammar with the
evaluation's settings (`lamagent.gate.joined`).

BFCL parallel_multiple_16 and _17 (their questions and function docs): one sentence, two asks
("... of 8 and generate the prime numbers from 1 to 50", "... 500 calories and how much
water ... for 2 hours?"). The model writes one ask's call and closes the list; the other
clause, asked on its own, gives its call.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS
from turn_helpers import bfcl_tool, one_turn

from lamagent.tools import Tool

_NOTE = " Note that the provided function is in Python 3 syntax."


def _number(kind: str, description: str) -> dict[str, Any]:
    return {"type": kind, "description": description}


MATH_TOOLS = [
    bfcl_tool(
        "calculate_fibonacci",
        "Calculate the Fibonacci series up to a specific position." + _NOTE,
        position=_number(
            "integer", "The position up to which you want to calculate the Fibonacci series."
        ),
    ),
    bfcl_tool(
        "calculate_factorial",
        "Calculate the factorial of a given number." + _NOTE,
        number=_number("integer", "The number of which you want to calculate the factorial."),
    ),
    bfcl_tool(
        "generate_prime",
        "Generate prime numbers within a given range." + _NOTE,
        start=_number(
            "integer", "The start of the range from which you want to find the prime numbers."
        ),
        end=_number(
            "integer", "The end of the range from which you want to find the prime numbers."
        ),
    ),
]
MATH_QUERY = "Calculate the factorial of 8 and generate the prime numbers from 1 to 50."
PRIMES = {"name": "generate_prime", "arguments": {"start": 1, "end": 50}}
FACTORIAL = {"name": "calculate_factorial", "arguments": {"number": 8}}

HEALTH_TOOLS = [
    bfcl_tool(
        "payment_calculation",
        "Calculate how much a person should pay given the items purchased and their quantities"
        + _NOTE,
        items={
            "type": "array",
            "items": {"type": "string"},
            "description": "List of items purchased.",
        },
        quantities={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Quantity of each item purchased in correspondence with the previous "
            "items list.",
        },
    ),
    bfcl_tool(
        "steps_calorie_calculation",
        "Calculate how many steps you need to walk to burn a specified amount of calories." + _NOTE,
        calorie=_number("float", "The amount of calories to burn."),
    ),
    bfcl_tool(
        "hydration_calculator",
        "Calculate the amount of water to drink in a day given the hours of exercise." + _NOTE,
        exercise_time=_number("float", "The number of hours of exercise."),
    ),
]
HEALTH_QUERY = (
    "How many steps do I need to walk in order to lose 500 calories and how much water do I "
    "need to intake today if I exercise for 2 hours?"
)
STEPS = {"name": "steps_calorie_calculation", "arguments": {"calorie": 500}}
WATER = {"name": "hydration_calculator", "arguments": {"exercise_time": 2}}


@pytest.mark.parametrize(
    ("query", "tools", "drafted", "added"),
    [
        (MATH_QUERY, MATH_TOOLS, PRIMES, FACTORIAL),  # a verb of an ask after "and"
        (HEALTH_QUERY, HEALTH_TOOLS, STEPS, WATER),  # a question's word after "and"
    ],
    ids=["parallel_multiple_16", "parallel_multiple_17"],
)
@pytest.mark.parametrize("listed", [False, True])
def test_the_other_joined_ask_gets_its_call(
    gguf: Any,
    listed: bool,
    query: str,
    tools: list[Tool],
    drafted: dict[str, Any],
    added: dict[str, Any],
) -> None:
    turn = one_turn(
        gguf, query, tools, **{**EVAL_SETTINGS, "example_shapes": True, "listed_items": listed}
    )
    calls = [c.to_xlam() for c in turn.turn.calls]
    assert calls == ([drafted, added] if listed else [drafted])
    assert turn.listed == (1 if listed else 0)
