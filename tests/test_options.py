"""A value that names one of the options its description lists, as that option
(`example_shapes`): `described_options` and `named_options` on BFCL's own descriptions, then
the turn source with the scripted backend."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.options import described_options, named_options
from lamagent.gate.signals import singular
from lamagent.messages import ToolCall

VEHICLE = (  # BFCL simple_python_70
    "The type of vehicle. 'gas' refers to a gasoline vehicle, 'diesel' refers to a diesel "
    "vehicle, and 'EV' refers to an electric vehicle."
)
#: BFCL simple_python_341's `suit`.
SUIT = "The card suit. Valid values include: 'spades', 'clubs', 'hearts', 'diamonds'."
CATEGORY = "The societal category the preference data is about. E.g. reading, transportation, food"
DIET = "Preferred dietary consideration like vegan, vegetarian, gluten-free etc. Default is none."
GENDER = "The gender of the team. It can be either 'men' or 'women'. Default is 'men'."
CITY = "The name of the city, such as 'New York' or 'London'."
ROOM = "The room, one of 'Living room' or 'Bathroom'."


@pytest.mark.parametrize(
    ("description", "options"),
    [
        (VEHICLE, ["gas", "diesel", "EV"]),
        (CATEGORY, ["reading", "transportation", "food"]),
        (DIET, ["vegan", "vegetarian", "gluten-free"]),
        (GENDER, ["men", "women"]),  # the default is no option of its own
        (ROOM, ["Living room", "Bathroom"]),  # names, but "one of" closes them
        (CITY, []),  # names the description does not close: examples of a city
        ("The date, in the format 'YYYY-MM-DD'.", []),  # one quoted string
        ("The key of the melody. E.g., 'C' for C major.", []),
        ("A long example: 'the first of many words here' or 'x'.", []),
        ("", []),
    ],
)
def test_the_options_a_description_lists(description: str, options: list[str]) -> None:
    assert described_options(description) == options


def _tool(description: str, kind: str = "string", **extra: Any) -> Any:
    return bfcl_tool(
        "emission",
        "Carbon footprint.",
        kind={"type": kind, "description": description, **extra},
        miles={"type": "integer", "description": "Miles."},
    )


def _named(value: Any, description: str = VEHICLE, **extra: Any) -> tuple[Any, list[str]]:
    calls = [ToolCall(name="emission", arguments={"kind": value, "miles": 1500})]
    out, notes = named_options(calls, [_tool(description, **extra)])
    assert out[0].id == calls[0].id and out[0].arguments["miles"] == 1500
    return out[0].arguments["kind"], notes


@pytest.mark.parametrize(
    ("value", "description", "named"),
    [
        ("gas-powered vehicle", VEHICLE, "gas"),
        ("an EV", VEHICLE, "EV"),
        ("digital_reading", CATEGORY, "reading"),
        ("Strictly Vegan", DIET, "vegan"),
        ("gas", VEHICLE, "gas"),  # an option already
        ("GAS", VEHICLE, "GAS"),  # an option, case aside
        ("gas or diesel", VEHICLE, "gas or diesel"),  # two options: the model's to choose
        ("hybrid", VEHICLE, "hybrid"),  # none
        ("gasoline car", VEHICLE, "gasoline car"),  # "gas" is no whole word of it
        ("London, Ontario", CITY, "London, Ontario"),  # an example city, not an option
        ("women's team", GENDER, "women"),
        ("not gas", VEHICLE, "not gas"),  # the opposite of the option
        ("non-diesel truck", VEHICLE, "non-diesel truck"),
        ("C sharp", "The key: 'C' for C major, 'D' for D major.", "C sharp"),  # one letter
        ("D major", "The mode, one of 'major' or 'minor'.", "major"),
        # words joined by "/" are one: the main job's `convert_units` on "What is 60 mph in
        # km/h?" drafted "km/h", which is no "km"
        ("km/h", 'Its unit, e.g. "km", "pounds", "celsius", "mph".', "km/h"),
        ("speed in m/s", "The unit, one of 'm/s' or 'km/h'.", "m/s"),
        # singular or plural: BFCL simple_python_341 ("a heart card") and _367
        ("heart", SUIT, "hearts"),
        ("Desserts", "Type of the recipe. E.g. dessert, main course, breakfast.", "dessert"),
        ("short stories", "The form, e.g. 'short story', 'novel'.", "short story"),
        ("two hearts or spades", SUIT, "two hearts or spades"),  # two options
        ("glass", "The material, e.g. 'glas', 'wood'.", "glass"),  # no plural ending
    ],
)
def test_a_value_holding_one_option_becomes_it(value: str, description: str, named: str) -> None:
    assert _named(value, description)[0] == named


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("hearts", "heart"),
        ("stories", "story"),
        ("spades", "spade"),
        ("gas", "gas"),
        ("glass", "glass"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("bus", "bus"),
        ("dessert", "dessert"),
    ],
)
def test_a_word_without_its_plural_ending(word: str, one: str) -> None:
    assert singular(word) == one


RECIPE_DIET = "The dietary restrictions, e.g., 'vegan', 'gluten-free'."  # simple_python_353


@pytest.mark.parametrize(
    ("value", "query", "taken"),
    [
        # a placeholder takes the one option the request writes
        ("kind_type", "What are some gluten-free recipes for dinner?", "gluten-free"),
        ("string", "Any VEGAN recipes?", "vegan"),  # a type's name; case aside
        ("{kind}", "A gluten-free one", "gluten-free"),
        # none written, two written, or one right after a "not": left alone
        ("kind_type", "Recipes for dinner?", "kind_type"),
        ("kind_type", "vegan or gluten-free recipes", "kind_type"),
        ("kind_type", "Recipes that are not vegan", "kind_type"),
        ("kind_type", "A place that's not too vegan, for dinner", "kind_type"),
        # a value of the user's (no placeholder) is no slot to fill
        ("paleo", "gluten-free paleo recipes", "paleo"),
        # an option inside a word is none ("vegans" is no "vegan" written)
        ("kind_type", "recipes for vegans", "kind_type"),
    ],
)
def test_a_placeholder_takes_the_option_the_user_wrote(value: str, query: str, taken: str) -> None:
    calls = [ToolCall(name="emission", arguments={"kind": value, "miles": 1})]
    [out], notes = named_options(calls, [_tool(RECIPE_DIET)], query)
    assert out.arguments["kind"] == taken
    assert len(notes) == (taken != value)
    # without the request, nothing to take
    assert named_options(calls, [_tool(RECIPE_DIET)])[0][0].arguments["kind"] == value


def test_a_note_per_value_changed() -> None:
    assert _named("gas-powered vehicle")[1] == [
        "emission.kind: 'gas-powered vehicle' as 'gas', an option the description lists"
    ]


@pytest.mark.parametrize(
    ("kind", "extra"),
    [("string", {"enum": ["gas-powered vehicle", "EV"]}), ("string", {"pattern": ".*"})],
)
def test_a_parameter_the_grammar_keeps_is_left_alone(kind: str, extra: dict[str, Any]) -> None:
    assert _named("gas-powered vehicle", VEHICLE, **extra)[0] == "gas-powered vehicle"


def test_only_strings_are_read() -> None:
    calls = [ToolCall(name="emission", arguments={"kind": ["gas-powered"], "miles": 1})]
    tool = _tool(VEHICLE, kind="array", items={"type": "string"})
    assert named_options(calls, [tool]) == (calls, [])


@pytest.mark.parametrize(("shapes", "kind"), [(True, "gas"), (False, "gas-powered vehicle")])
def test_the_turn_takes_the_option_with_example_shapes(shapes: bool, kind: str) -> None:
    draft = [ToolCall(name="emission", arguments={"kind": "gas-powered vehicle", "miles": 1500})]
    backend = ScriptedBackend.calls([draft], supports_constraint=True)
    query = "What is the carbon footprint of a gas-powered vehicle driving 1500 miles in a year?"
    model_turn = one_turn(backend, query, [_tool(VEHICLE)], example_shapes=shapes)
    assert model_turn.turn.calls[0].arguments["kind"] == kind
    assert bool(model_turn.reshaped) == shapes


def test_the_turn_fills_a_placeholder_with_the_option_the_user_wrote() -> None:
    draft = [ToolCall(name="emission", arguments={"kind": "kind_type", "miles": 1})]
    backend = ScriptedBackend.calls([draft], supports_constraint=True)
    query = "What are some gluten-free recipes for dinner?"
    model_turn = one_turn(backend, query, [_tool(RECIPE_DIET)], example_shapes=True)
    assert model_turn.turn.calls[0].arguments["kind"] == "gluten-free"
