"""Optional number arguments whose values nobody wrote (`lamagent.gate.unwritten_numbers`).
The drafts are the embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.unwritten_numbers import unwritten_numbers
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import TurnRequest, turn_source


def _tool(required: list[str], **kinds: str) -> Tool:
    properties = {n: {"type": k, "description": ""} for n, k in kinds.items()}
    return Tool("t", "", {"type": "object", "properties": properties, "required": required})


FOOTPRINT = _tool(  # BFCL simple_python_195
    ["daily_miles", "meat_meals_per_week", "annual_trash_weight"],
    daily_miles="integer",
    meat_meals_per_week="integer",
    annual_trash_weight="integer",
    flights_per_year="integer",
)


def _left(tool: Tool, sources: list[str], **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = unwritten_numbers([ToolCall(name="t", arguments=draft)], [tool], sources)
    return calls[0].arguments, notes


def test_an_invented_optional_number_is_left_out() -> None:
    query = (
        "Calculate the carbon footprint of my lifestyle, assuming I drive 20 miles a day, "
        "consume 3 meat meals a week, and produce 500 lbs of trash in a year."
    )
    draft = {
        "daily_miles": 20,
        "meat_meals_per_week": 3,
        "annual_trash_weight": 500,
        "flights_per_year": 1000,
    }
    arguments, notes = _left(FOOTPRINT, [query], **draft)
    assert arguments == {k: v for k, v in draft.items() if k != "flights_per_year"}
    assert notes == ["t.flights_per_year: 1000 is written nowhere, left out"]


@pytest.mark.parametrize(
    ("sources", "value"),
    [
        (["a six-sided die, rolled twice"], 6),  # a number in words
        (["deposit $1,000 now"], 1000),  # grouped digits, a currency sign
        (["a gravity of -9.81"], -9.81),
        (["an annual rate of 5%"], 0.05),  # a percentage's fraction
        (["a rate of 0.05"], 5),  # a fraction's percentage
        (["find flights", '{"flights": 12}'], 12),  # a tool's result wrote it
        (["a population of 213 million"], 213000000),  # a magnitude word
        (["revenues of $1.2M"], 1200000),  # a magnitude's letter after a currency sign
        (["two charges of 1e-9 and 2e-9"], 1e-09),  # scientific notation
        (["open until at least 11 PM"], 23),  # a time's hour in 24 hours
    ],
)
def test_a_written_number_stays(sources: list[str], value: Any) -> None:
    tool = _tool(["a"], a="string", n="number")
    assert _left(tool, sources, a="x", n=value) == ({"a": "x", "n": value}, [])


def test_required_booleans_strings_and_lists_stay() -> None:
    tool = _tool(["n"], n="integer", flag="boolean", label="string", items="array")
    draft = {"n": 7, "flag": True, "label": "42", "items": [1, 2]}
    assert _left(tool, ["nothing numeric"], **draft) == (draft, [])


def test_a_tool_the_list_does_not_hold_is_left_alone() -> None:
    calls = [ToolCall(name="other", arguments={"n": 7})]
    assert unwritten_numbers(calls, [FOOTPRINT], ["no numbers"]) == (calls, [])


def test_through_the_turn_source_a_number_of_the_system_prompt_is_written() -> None:
    tool = _tool(["url"], url="string", retries="integer", timeout="integer")
    draft = [ToolCall(name="t", arguments={"url": "a.com", "retries": 5, "timeout": 30})]

    def turn(shapes: bool) -> Any:
        request = TurnRequest(
            messages=[
                Message.system("Fetch pages with 5 retries."),
                Message.user("Fetch a.com please."),
            ],
            tools=[tool],
            params=GenerationParams(example_shapes=shapes),
            tool_choice="required",
            constrained=True,
        )
        backend = ScriptedBackend.calls([draft], supports_constraint=True)
        return anyio.run(lambda: turn_source(backend).next_turn(request))

    on = turn(True)
    assert on.turn.calls[0].arguments == {"url": "a.com", "retries": 5}
    assert on.reshaped == ("t.timeout: 30 is written nowhere, left out",)
    off = turn(False)
    assert off.turn.calls[0].arguments == draft[0].arguments and not off.reshaped


def test_a_number_written_only_inside_another_value_is_left_out() -> None:
    # BFCL simple_python_14: the 3 of "3x^2 + 2x - 1" is the function's
    tool = _tool(["function"], function="string", x_value="float")
    query = "Calculate the derivative of the function 3x^2 + 2x - 1."
    arguments, notes = _left(tool, [query], function="3x^2 + 2x - 1", x_value=3.0)
    assert arguments == {"function": "3x^2 + 2x - 1"}
    assert notes == ["t.x_value: 3.0 is written only inside '3x^2 + 2x - 1', left out"]


@pytest.mark.parametrize(
    ("query", "function"),
    [
        # written beside the function too
        ("The derivative of the function 3x^2 + 2x - 1 at x = 3.", "3x^2 + 2x - 1"),
        # the value that holds it is none of the user's words: the number is the user's
        ("The derivative of 3x^2 + 2x - 1.", "3*x**2 + 2*x - 1"),
    ],
)
def test_a_number_written_beside_the_value_that_holds_it_stays(query: str, function: str) -> None:
    tool = _tool(["function"], function="string", x_value="float")
    draft = {"function": function, "x_value": 3.0}
    assert _left(tool, [query], **draft) == (draft, [])


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "integer", "description": "Entries per page.", "default": 10},  # the schema's
        {"type": "integer", "description": "Amplitude of the wave. Default is 10."},  # stated
        {"type": "integer", "description": "Entries per page.", "default": "10"},  # as text
    ],
)
def test_the_parameters_default_stays(spec: dict[str, Any]) -> None:
    # BFCL live_multiple_147: `perPage` 10 is what leaving it out gives; nobody wrote it
    tool = Tool("t", "", {"type": "object", "properties": {"n": spec}, "required": []})
    assert _left(tool, ["fetch the readings"], n=10) == ({"n": 10}, [])
    arguments, notes = _left(tool, ["fetch the readings"], n=11)  # any other stays unwritten
    assert arguments == {} and notes == ["t.n: 11 is written nowhere, left out"]


POKER = Tool(  # BFCL simple_python_339: "What is the probability of getting a full house?"
    "t",
    "",
    {
        "type": "object",
        "properties": {
            "deck_size": {"type": "integer", "description": "The size of the deck. Default is 52."},
            "hand_size": {"type": "integer", "description": "The size of the hand. Default is 5."},
        },
        "required": ["deck_size", "hand_size"],
    },
)


def test_a_required_number_nobody_wrote_takes_its_stated_default() -> None:
    query = ["What is the probability of getting a full house in poker?"]
    arguments, notes = _left(POKER, query, deck_size=5, hand_size=5)
    assert arguments == {"deck_size": 52, "hand_size": 5}
    assert type(arguments["deck_size"]) is int
    assert notes == ["t.deck_size: 5 is written nowhere, as 52, the default its parameter states"]


@pytest.mark.parametrize(
    ("query", "spec", "value", "taken"),
    [
        # the user wrote it: the user's
        ("a full house from a 5-card hand of a deck", {"description": "Default is 52."}, 5, 5),
        # no default stated, or one that is no number, or a percentage: stays
        ("a full house", {"description": "The size of the deck."}, 5, 5),
        ("a full house", {"description": "Default is all cards."}, 5, 5),
        ("a full house", {"description": "Default is 10%."}, 5, 5),
        ("a full house", {"description": "Default is 1.5x the hand."}, 5, 5),
        # a float default for an integer parameter is no value of its type
        ("a full house", {"description": "Default is 52.5."}, 5, 5),
        # a number parameter takes it as a float, decimals and all ("9.8 m/s^2")
        ("a dropped ball", {"type": "number", "description": "Default is 9.8 m/s^2."}, 5, 9.8),
    ],
)
def test_a_required_number_takes_only_a_stated_number(
    query: str, spec: dict[str, Any], value: Any, taken: Any
) -> None:
    tool = Tool(
        "t",
        "",
        {"type": "object", "properties": {"n": {"type": "integer", **spec}}, "required": ["n"]},
    )
    arguments, _ = _left(tool, [query], n=value)
    assert arguments == {"n": taken} and type(arguments["n"]) is type(taken)


def test_a_required_number_written_inside_another_value_stays() -> None:
    tool = _tool(["function", "x"], function="string", x="integer")
    tool.parameters["properties"]["x"]["description"] = "The point. Default is 1."
    query = ["the derivative of the function 3x^2 + 2x - 1"]
    assert _left(tool, query, function="3x^2 + 2x - 1", x=3)[0]["x"] == 3
