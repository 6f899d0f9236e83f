"""Placeholders written where a value goes (`lamagent.gate.placeholders`), on the embedded
model's own outputs (BFCL simple_python_164, _246, _194, _271, multiple_136), and in the turn
rules with `example_shapes`. The real engine is tested in test_placeholders_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.placeholders import is_placeholder, placeholder_values
from lamagent.messages import ToolCall
from lamagent.tools import Tool

DISCOVERY = Tool.from_spec(  # BFCL simple_python_246
    {
        "name": "science_history.get_discovery_details",
        "description": "Retrieve the details of a scientific discovery based on its name.",
        "parameters": {
            "type": "dict",
            "properties": {
                "discovery": {"type": "string", "description": "The name of the discovery."},
                "method_used": {
                    "type": "string",
                    "description": "The method used for the discovery, default value is "
                    "'default' which gives the most accepted method.",
                },
            },
            "required": ["discovery"],
        },
    }
)


@pytest.mark.parametrize(
    ("value", "parameter"),
    [
        ("method_used", "method_used"),
        ("slope_type_1", "slope_type"),  # digits aside
        ("diet_type", "diet"),  # the name's words in a row inside an identifier
        ("theft_crime_type_2020", "crime_type"),
        ("filterValue", "filter"),  # camelCase
        ("string", "type"),  # a type name
        ("array", "traits"),
        ("{{building_id}}}", "building_id"),  # templates
        ("<name>", "player"),
        ("${city}", "location"),
    ],
)
def test_a_value_that_names_its_slot_is_a_placeholder(value: str, parameter: str) -> None:
    assert is_placeholder(value, parameter, {"type": "string"})


@pytest.mark.parametrize(
    ("value", "parameter", "spec"),
    [
        ("Gravity", "discovery", {}),
        ("New York", "city", {}),
        ("type_of_crime", "crime_type", {}),  # the name's words, not in a row
        ("list_exports_by_last_updated_date", "filterName", {}),  # an invented value
        ("number", "sort", {"enum": ["number", "name"]}),  # a type name the enum allows
        ("", "key", {}),
        ("C major", "key", {}),
    ],
)
def test_a_value_is_no_placeholder(value: str, parameter: str, spec: dict[str, Any]) -> None:
    assert not is_placeholder(value, parameter, spec)


def test_an_optional_placeholder_is_left_out_and_noted() -> None:
    call = ToolCall(
        name=DISCOVERY.name, arguments={"discovery": "Gravity", "method_used": "method_used"}
    )
    query = "Who discovered Gravity and what was the method used?"
    calls, notes = placeholder_values([call], [DISCOVERY], [query])
    assert [c.arguments for c in calls] == [{"discovery": "Gravity"}]
    assert calls[0].id == call.id
    assert notes == [f"{DISCOVERY.name}.method_used: 'method_used' names the parameter, left out"]


def test_a_required_placeholder_or_one_the_conversation_wrote_stays() -> None:
    required = ToolCall(name=DISCOVERY.name, arguments={"discovery": "discovery"})
    assert placeholder_values([required], [DISCOVERY], ["What was discovered?"]) == (
        [required],
        [],
    )
    # the user (or a tool's result) wrote the value as it is: data
    written = ToolCall(
        name=DISCOVERY.name, arguments={"discovery": "Gravity", "method_used": "method_used"}
    )
    sources = ["Gravity, with method_used set as in the paper"]
    assert placeholder_values([written], [DISCOVERY], sources) == ([written], [])
    # a call of a tool the list does not hold, and values that are no strings, stay
    other = ToolCall(name="other", arguments={"method_used": "method_used"})
    assert placeholder_values([other], [DISCOVERY], []) == ([other], [])


def test_the_turn_rules_leave_it_out_with_example_shapes_only() -> None:
    from lamagent.formats import get as get_format
    from lamagent.generation import Generation, GenerationParams
    from lamagent.turns import ModelTurn, TurnRequest, with_call_rules

    output = (
        '[{"name": "science_history.get_discovery_details", "arguments": '
        '{"discovery": "Gravity", "method_used": "method_used"}}]'
    )
    query = "Who discovered Gravity and what was the method used?"

    def rules(shapes: bool) -> ModelTurn:
        turn = get_format("xlam2-qwen").parse(output)
        request = TurnRequest(
            messages=[{"role": "user", "content": query}],
            tools=[DISCOVERY],
            params=GenerationParams(example_shapes=shapes),
            tool_choice="required",
            constrained=True,
        )
        return with_call_rules(ModelTurn(turn, Generation(text=output)), request)

    assert rules(False).turn.calls[0].arguments["method_used"] == "method_used"
    shaped = rules(True)
    assert shaped.turn.calls[0].arguments == {"discovery": "Gravity"}
    assert [n for n in shaped.reshaped if "names the parameter" in n]


RECIPES = Tool.from_spec(  # BFCL simple_python_353
    {
        "name": "find_recipes",
        "description": "Find recipes based on dietary restrictions, meal type, and ingredients.",
        "parameters": {
            "type": "dict",
            "properties": {
                "diet": {"type": "string", "description": "The dietary restrictions."},
                "meal_type": {"type": "string", "description": "The type of meal."},
                "ingredients": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The preferred ingredients.",
                },
                "cuisine": {"type": "string", "description": "The cuisine."},
            },
            "required": ["diet", "meal_type"],
        },
    }
)


def test_a_name_nobody_wrote_is_left_out() -> None:
    # the embedded model's draft: an identifier made of words nobody wrote, in a list
    arguments = {"diet": "gluten-free", "meal_type": "dinner", "ingredients": ["dairy_protein"]}
    call = ToolCall(name=RECIPES.name, arguments={**arguments, "cuisine": "north_indian_food"})
    calls, notes = placeholder_values([call], [RECIPES], ["What are some gluten-free recipes?"])
    assert calls[0].arguments == {"diet": "gluten-free", "meal_type": "dinner"}
    assert notes == [
        "find_recipes.ingredients: ['dairy_protein'] is a name nobody wrote, left out",
        "find_recipes.cuisine: 'north_indian_food' is a name nobody wrote, left out",
    ]


@pytest.mark.parametrize(
    "arguments",
    [
        # a word of it the conversation wrote; one word; not joined by "_"
        {"ingredients": ["dairy_protein"], "cuisine": "indian_food"},
        {"ingredients": ["tofu"]},
        {"cuisine": "spicy-thai-curry"},
        {"cuisine": "North Indian food"},
        # one of the list's items is no made-up name
        {"ingredients": ["almond_paste", "rice"]},
        # required arguments stay
        {"meal_type": "late_supper"},
    ],
)
def test_no_name_nobody_wrote(arguments: dict[str, Any]) -> None:
    call = ToolCall(name=RECIPES.name, arguments={"diet": "vegan", "meal_type": "x", **arguments})
    sources = ["Some vegan recipes with dairy or rice, I love indian food"]
    assert placeholder_values([call], [RECIPES], sources) == ([call], [])


EXHIBITION = Tool.from_spec(  # BFCL simple_python_267
    {
        "name": "find_exhibition",
        "description": "Locate the most popular exhibitions based on criteria.",
        "parameters": {
            "type": "dict",
            "properties": {
                "location": {"type": "string", "description": "The city and state."},
                "art_form": {"type": "string", "description": "The form of art."},
                "month": {
                    "type": "string",
                    "description": "The month of exhibition. Default value will return "
                    "upcoming events if not specified.",
                },
                "state": {"type": "string", "description": "The state."},
                "period": {"type": "string", "enum": ["Modern Era", "Old Era"]},
            },
            "required": ["location", "art_form"],
        },
    }
)
EXHIBITION_ASK = "Find the top rated modern sculpture exhibition in New York in the upcoming month."


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("July", "'July' is a name nobody wrote"),
        ("The Autumn Season", "'The Autumn Season' is a name nobody wrote"),
    ],
)
def test_an_optional_name_nobody_wrote_is_left_out(value: str, why: str) -> None:
    arguments = {"location": "New York City, NY", "art_form": "sculpture"}
    call = ToolCall(name="find_exhibition", arguments={**arguments, "month": value})
    calls, notes = placeholder_values([call], [EXHIBITION], [EXHIBITION_ASK])
    assert calls[0].arguments == arguments
    assert notes == [f"find_exhibition.month: {why}, left out"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"month": "June"},  # the conversation wrote it ("in June" below)
        {"month": "PlayStation"},  # in camelCase, written as one word
        {"month": "Next Month"},  # a word of it written
        {"month": "july"},  # no name: a word in lower case
        {"month": "July 2024"},  # a number in it
        {"state": "NY"},  # a code in capitals: the user's place in another form
        {"state": "CA"},
        {"period": "Old Era"},  # an enum's option: the grammar's
        {"art_form": "Cubism"},  # required
    ],
)
def test_a_name_stays(arguments: dict[str, Any]) -> None:
    call = ToolCall(
        name="find_exhibition",
        arguments={"location": "New York City, NY", "art_form": "sculpture", **arguments},
    )
    sources = [EXHIBITION_ASK, "or in June, on the 'PlayStation' platform"]
    assert placeholder_values([call], [EXHIBITION], sources) == ([call], [])
