"""Numbered parameters in the order the user wrote their values (`lamagent.gate.ordered`).
The drafts are the embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.ordered import ordered_values
from lamagent.messages import ToolCall


def _ordered(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = ordered_values([ToolCall(name="t", arguments=draft)], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("query", "draft", "meant"),
    [
        (  # BFCL multiple_42
            "Calculate the final temperature when 2 moles of gas at 300 K are mixed with 3 "
            "moles of the same gas at 400 K.",
            {"quantity1": 2, "temperature1": 400, "quantity2": 3, "temperature2": 300},
            {"quantity1": 2, "temperature1": 300, "quantity2": 3, "temperature2": 400},
        ),
        (  # BFCL multiple_3: lists of numbers, letters for indices
            "Compute the Euclidean distance between two points A(3,4) and B(1,2).",
            {"pointA": [1, 2], "pointB": [3, 4]},
            {"pointA": [3, 4], "pointB": [1, 2]},
        ),
        (  # made up: three members, "_1" indices, floats
            "Average of 2.5, then 7.25, and finally 1.5",
            {"value_1": 7.25, "value_2": 1.5, "value_3": 2.5},
            {"value_1": 2.5, "value_2": 7.25, "value_3": 1.5},
        ),
    ],
)
def test_in_the_order_written(query: str, draft: dict[str, Any], meant: dict[str, Any]) -> None:
    arguments, notes = _ordered(query, **draft)
    assert arguments == meant
    assert list(arguments) == list(draft)
    assert len(notes) == 1


def test_the_note_names_the_family() -> None:
    _, notes = _ordered("at 300 K and at 400 K", temperature1=400, temperature2=300)
    assert notes == ["t.temperature1, temperature2: in the order written"]


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # in order already
        ("from 300 K to 400 K", {"temperature1": 300, "temperature2": 400}),
        # a value the user did not write, or wrote twice
        ("from 300 K to 400 K", {"temperature1": 400, "temperature2": 350}),
        ("300 K, 400 K, then 300 K again", {"temperature1": 400, "temperature2": 300}),
        # the same place for both (one list inside the other's numbers)
        ("point (1,2)", {"pointA": [1, 2], "pointB": [1, 2]}),
        # no family: one member, or names that differ otherwise
        ("400 then 300", {"temperature1": 300}),
        ("400 then 300", {"start": 300, "end": 400}),
        # booleans and text are no numbers the user wrote
        ("1 then 0", {"flag1": False, "flag2": True}),
        ("b then a", {"name1": "a", "name2": "b"}),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _ordered(query, **draft) == (draft, [])


def test_a_list_s_items_in_the_order_written() -> None:
    # BFCL simple_python_149
    arguments, notes = _ordered(
        "What's the current stock price of Apple and Microsoft?",
        company_names=["Microsoft", "Apple"],
    )
    assert arguments == {"company_names": ["Apple", "Microsoft"]}
    assert notes == ["t.company_names: items in the order written"]


@pytest.mark.parametrize(
    ("query", "items"),
    [
        ("Apple and Microsoft", ["Apple", "Microsoft"]),  # in order already
        ("Apple and Microsoft", ["Microsoft", "Google", "Apple"]),  # one nobody wrote
        ("Apple, Microsoft, then Apple again", ["Microsoft", "Apple"]),  # written twice
        ("Pineapple and Microsoft", ["Microsoft", "Apple"]),  # not as a whole word
        ("3 and 1", [1, 3]),  # no strings (numbers are the numbered parameters' rule)
    ],
)
def test_a_list_left_alone(query: str, items: list[Any]) -> None:
    assert _ordered(query, items=items) == ({"items": items}, [])
