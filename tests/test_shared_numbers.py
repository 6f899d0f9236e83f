"""A number the user wrote once that the model gave to two arguments
(`lamagent.gate.shared_numbers`). The drafts are the embedded model's on BFCL cases (named),
and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.shared_numbers import shared_numbers
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(required: list[str], **described: tuple[str, str]) -> Tool:
    """A tool whose parameters are `name=(type, description)`."""
    properties = {n: {"type": t, "description": d} for n, (t, d) in described.items()}
    return Tool("t", "", {"type": "object", "properties": properties, "required": required})


ROE = _tool(  # BFCL simple_python_132 / multiple_128
    ["net_income", "shareholder_equity"],
    net_income=("integer", "The company's net income."),
    shareholder_equity=("integer", "The company's total shareholder's equity."),
    dividends_paid=("integer", "The total dividends paid by the company. Optional."),
)
GROUP = _tool(  # BFCL simple_python_223
    ["total", "extroverts", "introverts"],
    total=("integer", "The total group size."),
    extroverts=("integer", "The number of extroverted members in the group."),
    introverts=("integer", "The number of introverted members in the group."),
)


def _given(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = shared_numbers([ToolCall(name="t", arguments=draft)], [tool], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # the words before $200,000 name the dividends; net income's number is free
            ROE,
            "Calculate the company's return on equity given its net income of $2,000,000, "
            "shareholder's equity of $10,000,000, and dividends paid of $200,000.",
            {"net_income": 200000, "shareholder_equity": 10000000, "dividends_paid": 200000},
            {"net_income": 2000000, "shareholder_equity": 10000000, "dividends_paid": 200000},
        ),
        (
            GROUP,
            "Find social behaviors and patterns in a group size of 50 with extroverted members "
            "being 15 and introverted members being 35.",
            {"total": 15, "extroverts": 15, "introverts": 35},
            {"total": 50, "extroverts": 15, "introverts": 35},
        ),
        (  # made up: the home is the first argument, the other takes the number its words name
            _tool(
                ["width", "height"],
                width=("number", "Banner width."),
                height=("number", "Banner height."),
                copies=("integer", "Number of copies."),
            ),
            "Print a banner with a width of 12.5 inches; its height is 8 inches, 2 copies.",
            {"width": 12.5, "height": 12.5, "copies": 2},
            {"width": 12.5, "height": 8, "copies": 2},
        ),
    ],
)
def test_the_other_argument_takes_its_own_number(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _given(tool, query, **draft)
    assert arguments == meant
    assert [type(v) for v in arguments.values()] == [type(v) for v in meant.values()]
    assert len(notes) == 1


def test_the_note_says_whose_number_it_is() -> None:
    _, notes = _given(
        GROUP, "a group size of 50 with extroverted members being 15", total=15, extroverts=15
    )
    assert notes == ["t.total: 15 is extroverts's, takes 50"]


def test_an_optional_argument_with_no_number_left_is_left_out() -> None:
    tool = _tool(
        ["height"],
        height=("integer", "The height the object is dropped from, in meters."),
        initial_velocity=("integer", "The initial velocity of the object. Default 0."),
    )
    query = "Calculate the final speed of an object dropped from a height of 100 m."
    arguments, notes = _given(tool, query, initial_velocity=100, height=100)
    assert arguments == {"height": 100}
    assert notes == ["t.initial_velocity: 100 is height's, left out"]


def test_a_required_argument_with_no_number_left_stays() -> None:
    tool = _tool(
        ["height", "initial_velocity"],
        height=("integer", "The height the object is dropped from, in meters."),
        initial_velocity=("integer", "The initial velocity of the object."),
    )
    query = "Calculate the final speed of an object dropped from a height of 100 m."
    draft = {"initial_velocity": 100, "height": 100}
    assert _given(tool, query, **draft) == (draft, [])


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # the user wrote the number twice: both arguments may hold it
        ("Book from 2020 to 2020, a group size of 2020.", {"total": 2020, "extroverts": 2020}),
        # the user never wrote it: the model invented both
        ("a group size of 50 with extroverted members being 15", {"total": 7, "extroverts": 7}),
        # the words next to it name neither argument
        ("Find patterns for 15 people, 50 overall.", {"total": 15, "extroverts": 15}),
        # the words next to it name both arguments
        ("15 extroverted members of the total group.", {"total": 15, "extroverts": 15}),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _given(GROUP, query, **draft) == (draft, [])


def test_two_free_numbers_neither_named_leave_the_argument_as_drafted() -> None:
    query = "Patterns with extroverted members being 15, then 50, then 70."
    draft = {"total": 15, "extroverts": 15, "introverts": 3}
    assert _given(GROUP, query, **draft) == (draft, [])


def test_a_number_another_call_holds_is_not_free() -> None:
    query = (
        "A group size of 50 with extroverted members being 15, and then another group with "
        "size 60 where 20 are extroverted."
    )
    calls = [
        ToolCall(name="t", arguments={"total": 15, "extroverts": 15, "introverts": 35}),
        ToolCall(name="t", arguments={"total": 60, "extroverts": 20, "introverts": 40}),
    ]
    out, notes = shared_numbers(calls, [GROUP], query)
    assert out[0].arguments["total"] == 50
    assert out[1] is calls[1]
    assert notes == ["t.total: 15 is extroverts's, takes 50"]


def test_booleans_and_unknown_tools_are_left_alone() -> None:
    calls = [
        ToolCall(name="t", arguments={"total": True, "extroverts": True}),
        ToolCall(name="other", arguments={"a": 15, "b": 15}),
    ]
    out, notes = shared_numbers(calls, [GROUP], "extroverted members being 15 of 50")
    assert out == calls
    assert notes == []
