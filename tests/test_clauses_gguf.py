"""Clauses written alike and numbers as written, on the real engine with the embedded model
(SmolLM2-135M), calls only with the copy bias.

BFCL parallel_6 and _76: the model writes the call of the first clause only (or, for _76, a
second call of its own with a number cut short); with `listed_items` the turn holds one call
per clause, from the same generation. BFCL simple_python_98 and parallel_34: the model stops
copying "30" after the 3 and "1500" after the 150; with `example_shapes` the numbers are as
written (and, for parallel_34, the list "Egypt and Turkey" then gives both calls the year).
BFCL parallel_10, _110 and _152: pairs listed side by side, a lower-case word as a clause's
value, and a value written twice read beside the one written once.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn, calls_turn

SALES_TAX = {  # BFCL parallel_6's tool
    "name": "calculate_sales_tax",
    "description": "Calculate the sales tax for a given purchase amount in a specific city "
    "and state.",
    "parameters": {
        "type": "dict",
        "properties": {
            "purchase_amount": {"type": "float", "description": "The purchase amount."},
            "city": {"type": "string", "description": "The city where the purchase is made."},
            "state": {"type": "string", "description": "The state where the purchase is made."},
        },
        "required": ["purchase_amount", "city", "state"],
    },
}
GCD = {  # BFCL parallel_76's tool
    "name": "math.gcd",
    "description": "Compute the greatest common divisor of two numbers",
    "parameters": {
        "type": "dict",
        "properties": {
            "num1": {"type": "integer", "description": "The first number."},
            "num2": {"type": "integer", "description": "The second number."},
        },
        "required": ["num1", "num2"],
    },
}


@pytest.mark.parametrize(
    ("query", "tool", "calls"),
    [
        (
            "Calculate the amount of sales tax to be added on a purchase amount of $30.45 in "
            "Chicago, Illinois, $52.33 in Sacramento, California and $11.23 in Portland, "
            "Oregon.",
            SALES_TAX,
            [
                {"purchase_amount": 30.45, "city": "Chicago", "state": "Illinois"},
                {"purchase_amount": 52.33, "city": "Sacramento", "state": "California"},
                {"purchase_amount": 11.23, "city": "Portland", "state": "Oregon"},
            ],
        ),
        (
            "What is the greatest common divisor (GCD) of the two pairs of numbers (45, 60) "
            "and (81, 27)?",
            GCD,
            [{"num1": 45, "num2": 60}, {"num1": 81, "num2": 27}],
        ),
    ],
)
def test_one_call_per_clause(
    gguf: Any, query: str, tool: dict[str, Any], calls: list[dict[str, Any]]
) -> None:
    plain = calls_turn(gguf, query, tool, copy_bias=3.0)
    assert plain.turn.calls[0].arguments == calls[0]
    assert [c.arguments for c in plain.turn.calls] != calls
    on = calls_turn(gguf, query, tool, copy_bias=3.0, listed_items=True, example_shapes=True)
    assert [c.arguments for c in on.turn.calls] == calls
    assert on.listed == len(calls) - 1
    assert on.generation.usage.requests == 1


CLOCK = {  # BFCL simple_python_98's tool
    "name": "calculate_clock_angle",
    "description": "Calculate the angle between the hour and minute hands of a clock at a "
    "given time.",
    "parameters": {
        "type": "dict",
        "properties": {
            "hours": {"type": "integer", "description": "The hour on the clock face."},
            "minutes": {"type": "integer", "description": "The minutes on the clock face."},
            "round_to": {
                "type": "integer",
                "description": "The number of decimal places to round the result to, default is 2.",
            },
        },
        "required": ["hours", "minutes"],
    },
}
RELIGION = {  # BFCL parallel_34's tool
    "name": "religion_history.track",
    "description": "Track the historical development of a specific religion in a specific "
    "area within a specific time frame.",
    "parameters": {
        "type": "dict",
        "properties": {
            "region": {
                "type": "string",
                "description": "The geographical area where the religion's history is to be "
                "tracked.",
            },
            "religion": {"type": "string", "description": "The name of the religion."},
            "start_year": {
                "type": "integer",
                "description": "The beginning year of the time frame.",
            },
            "end_year": {"type": "integer", "description": "The ending year of the time frame."},
        },
        "required": ["region", "religion", "start_year", "end_year"],
    },
}


def test_a_number_cut_short_is_completed(gguf: Any) -> None:
    query = "What will be the angle between the hour and minute hands of a clock at 6:30 PM?"
    plain = calls_turn(gguf, query, CLOCK, copy_bias=3.0)
    assert [c.arguments for c in plain.turn.calls] == [{"hours": 6, "minutes": 3}]
    on = calls_turn(gguf, query, CLOCK, copy_bias=3.0, example_shapes=True)
    assert [c.arguments for c in on.turn.calls] == [{"hours": 6, "minutes": 30}]
    assert on.reshaped == ("calculate_clock_angle.minutes: 3 as 30, as written",)


def test_a_completed_number_goes_to_every_listed_call(gguf: Any) -> None:
    query = (
        "I want to know the rise and fall of Christianity in Egypt and Turkey from 100 A.D to "
        "1500 A.D."
    )
    plain = calls_turn(gguf, query, RELIGION, copy_bias=3.0)
    assert [c.arguments["end_year"] for c in plain.turn.calls] == [150]
    on = calls_turn(gguf, query, RELIGION, copy_bias=3.0, listed_items=True, example_shapes=True)
    assert [(c.arguments["region"], c.arguments["end_year"]) for c in on.turn.calls] == [
        ("Egypt", 1500),
        ("Turkey", 1500),
    ]


def test_pairs_side_by_side_and_word_values(gguf: Any) -> None:
    # BFCL parallel_10: "3 and 4, 5 and 12": the model writes the first pair's call only
    plain = bfcl_turn(gguf, "parallel_10", listed_items=False, example_shapes=True)
    assert [c.arguments for c in plain.turn.calls] == [{"a": 3, "b": 4}]
    listed = bfcl_turn(gguf, "parallel_10", example_shapes=True)
    assert [c.arguments for c in listed.turn.calls] == [{"a": 3, "b": 4}, {"a": 5, "b": 12}]
    # BFCL parallel_110: the model writes the ATP call; "the molecule ATP ... the molecule
    # DNA" gives a DNA call, with the first clause's "mitochondria" until the clause "DNA in
    # the nucleus" gives it its own organelle
    plain = bfcl_turn(gguf, "parallel_110", listed_items=False, example_shapes=True)
    assert [c.arguments["organelle"] for c in plain.turn.calls] == ["mitochondria"]
    listed = bfcl_turn(gguf, "parallel_110", example_shapes=True)
    assert [(c.arguments["molecule"], c.arguments["organelle"]) for c in listed.turn.calls] == [
        ("ATP", "mitochondria"),
        ("DNA", "nucleus"),
    ]
    assert listed.generation.text == plain.generation.text


def test_a_value_written_twice_beside_the_one_written_once(gguf: Any) -> None:
    # BFCL parallel_152: "raise the number 3 to the power of 5, then raise the number 2 to the
    # power of 3": the model writes the first call; the cue list "the number 3 ... the number
    # 2" gives the second with the first's 5, until its clause gives it its own 3
    plain = bfcl_turn(gguf, "parallel_152", listed_items=False, example_shapes=True)
    assert [c.arguments for c in plain.turn.calls] == [{"base": 3, "exponent": 5}]
    listed = bfcl_turn(gguf, "parallel_152", example_shapes=True)
    assert [c.arguments for c in listed.turn.calls] == [
        {"base": 3, "exponent": 5},
        {"base": 2, "exponent": 3},
    ]
    assert "math.power.exponent: 5 as 3, as its clause writes" in listed.reshaped
