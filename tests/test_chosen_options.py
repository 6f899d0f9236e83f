"""A list of a parameter's options holds those the user chose (`lamagent.gate.chosen_options`).
The real engine is tested in test_chosen_options_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.chosen_options import chosen_options
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(enum: list[str] | None) -> Tool:
    items: dict[str, Any] = {"type": "string"}
    if enum is not None:
        items["enum"] = enum
    return Tool.from_spec(
        {
            "name": "find",
            "description": "Find things.",
            "parameters": {
                "type": "dict",
                "required": ["picks"],
                "properties": {"picks": {"type": "array", "items": items, "description": "."}},
            },
        }
    )


_DIETS = ["Gluten Free", "Dairy Free", "Vegan", "Vegetarian"]
_FACTS = ["Protein", "Calories", "Carbohydrates", "Fat", "Fiber"]
_AREAS = ["Civil", "Divorce", "Immigration", "Business", "Criminal"]


def _chosen(enum: list[str] | None, value: list[Any], query: str) -> list[Any]:
    call = ToolCall(name="find", arguments={"picks": value})
    [out], notes = chosen_options([call], [_tool(enum)], query)
    assert out.id == call.id
    assert (out.arguments["picks"] == value) == (not notes)
    return list(out.arguments["picks"])


@pytest.mark.parametrize(
    ("enum", "value", "query", "kept"),
    [
        (_AREAS, _AREAS, "A lawyer specializing in divorce cases in Chicago.", ["Divorce"]),
        # a word of the named option ("free") is no word of another's
        (_DIETS, _DIETS, "Find a gluten-free cookie recipe.", ["Gluten Free"]),
        # a start of the option's word names it
        (
            _FACTS,
            ["Protein", "Calories", "Carbohydrates", "Fiber"],
            "The protein, calories and carbs in an avocado.",
            ["Protein", "Calories", "Carbohydrates"],
        ),
        # an option the request speaks to by one of its words stays
        (
            ["Opening hours", "Adult tickets", "Child tickets"],
            ["Opening hours", "Child tickets", "Adult tickets"],
            "Opening hours and the tickets for children and adults?",
            ["Opening hours", "Child tickets", "Adult tickets"],
        ),
    ],
)
def test_the_options_the_user_named(
    enum: list[str], value: list[str], query: str, kept: list[str]
) -> None:
    assert _chosen(enum, value, query) == kept


@pytest.mark.parametrize(
    ("enum", "value", "query"),
    [
        # the user named none: the model's choice
        (_DIETS, ["Vegan", "Vegetarian"], "A healthy dinner recipe."),
        # no enum
        (None, ["Gluten Free", "Dairy Free"], "Find a gluten-free recipe."),
        # it would be left empty (the named option is another call's)
        (_DIETS, ["Vegan"], "A gluten-free place here and something else there."),
        # items that are no option stay
        (_DIETS, ["Gluten Free", "organic"], "Find a gluten-free recipe."),
        # "car" is too short a start to name "Carbohydrates"
        (_FACTS, ["Carbohydrates", "Fat"], "The food at the car wash."),
    ],
)
def test_left_alone(enum: list[str] | None, value: list[str], query: str) -> None:
    assert _chosen(enum, value, query) == value


@pytest.mark.parametrize(
    ("enum", "query", "named"),
    [
        # BFCL simple_python_227: the model closed the list at once
        (
            ["strengths", "weaknesses"],
            "Get me strength and weakness traits for ENFJ personality type.",
            ["strengths", "weaknesses"],
        ),
        # made up: in the order the user named them, not the enum's
        (_FACTS, "Only the fat and the protein of an egg", ["Fat", "Protein"]),
    ],
)
def test_an_empty_list_takes_the_options_named(
    enum: list[str], query: str, named: list[str]
) -> None:
    call = ToolCall(name="find", arguments={"picks": []})
    [out], notes = chosen_options([call], [_tool(enum)], query)
    assert out.arguments["picks"] == named
    assert notes == [f"find.picks: [] as {named!r}, the options the user named"]


@pytest.mark.parametrize(
    ("enum", "query"),
    [
        (_FACTS, "Anything about an egg"),  # no option named
        (None, "the fat and the protein"),  # no enum
    ],
)
def test_an_empty_list_left_alone(enum: list[str] | None, query: str) -> None:
    assert _chosen(enum, [], query) == []


def test_a_list_that_writes_an_option_again_is_the_options_named() -> None:
    # BFCL simple_python_369, the embedded model's second draft (the parameter required)
    enum = ["Organic", "Vegetables", "Fruits", "Dairy", "Seafood", "Bakery"]
    query = "Find a grocery store near me with organic fruits and vegetables in Houston."
    call = ToolCall(name="find", arguments={"picks": ["Fruits", "Fruits", "Fruits"]})
    [out], notes = chosen_options([call], [_tool(enum)], query)
    assert out.arguments["picks"] == ["Organic", "Fruits", "Vegetables"]
    assert len(notes) == 1
    # an option written again that the user did not name: the list stays
    assert _chosen(enum, ["Dairy", "Dairy"], query) == ["Dairy", "Dairy"]
    # no option written twice: the options kept are the model's
    assert _chosen(enum, ["Fruits"], query) == ["Fruits"]
