"""Clauses written alike (`lamagent.gate.clauses`): one call per clause where the draft took
the values of one. The drafts are the embedded model's on BFCL cases (named), and made-up
ones for what the data does not show."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.clauses import clause_calls
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def _arguments(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [call.arguments for call in calls]


SALES = (  # BFCL parallel_6
    "Calculate the amount of sales tax to be added on a purchase amount of $30.45 in Chicago, "
    "Illinois, $52.33 in Sacramento, California and $11.23 in Portland, Oregon."
)


def test_each_clause_written_like_the_calls_gives_a_call() -> None:
    draft = _call("tax", purchase_amount=30.45, city="Chicago", state="Illinois")
    assert _arguments(clause_calls([draft], SALES)) == [
        {"purchase_amount": 30.45, "city": "Chicago", "state": "Illinois"},
        {"purchase_amount": 52.33, "city": "Sacramento", "state": "California"},
        {"purchase_amount": 11.23, "city": "Portland", "state": "Oregon"},
    ]


def test_a_value_spanning_several_tokens_maps_to_the_same_place() -> None:
    draft = _call("tax", amount="$30.45", place="Chicago, Illinois")
    assert _arguments(clause_calls([draft], SALES))[1:] == [
        {"amount": "$52.33", "place": "Sacramento, California"},
        {"amount": "$11.23", "place": "Portland, Oregon"},
    ]


@pytest.mark.parametrize(
    ("text", "draft", "added"),
    [
        (  # BFCL parallel_11: the second clause leaves out "location"
            "Predict house price for a house of size 3000 sq ft. in location New York and "
            "4000 sq ft. in Los Angeles using Machine Learning Model.",
            {"location": "New York", "size": 3000},
            [{"location": "Los Angeles", "size": 4000}],
        ),
        (  # BFCL parallel_38: "and" alone says nothing; both clauses follow "between"
            "What's the driving distance between New York and Washington DC, and between Los "
            "Angeles and San Francisco with optional parameter shortest route enabled?",
            {"start_loc": "New York", "end_loc": "Washington DC", "shortest_route": True},
            [{"start_loc": "Los Angeles", "end_loc": "San Francisco", "shortest_route": True}],
        ),
        (  # BFCL parallel_76: pairs in brackets
            "What is the greatest common divisor (GCD) of the two pairs of numbers (45, 60) "
            "and (81, 27)?",
            {"num1": 45, "num2": 60},
            [{"num1": 81, "num2": 27}],
        ),
        (  # made up: a value that runs on past its number, and a clause that adds a word
            "Book a table for 4 people at 7 pm in Rome, and one for 2 people at 9 pm in "
            "lovely Milan.",
            {"people": 4, "time": "7 pm", "city": "Rome"},
            [{"people": 2, "time": "9 pm", "city": "Milan"}],
        ),
        (  # made up: quoted values, and a draft that wrote a number as text
            "Rename 'draft.txt' to 'final.txt' with mode 644, then 'a.md' to 'b.md' with mode 600.",
            {"source": "draft.txt", "target": "final.txt", "mode": "644"},
            [{"source": "a.md", "target": "b.md", "mode": "600"}],
        ),
    ],
)
def test_clauses_found(text: str, draft: dict[str, Any], added: list[dict[str, Any]]) -> None:
    assert _arguments(clause_calls([_call("t", **draft)], text)) == [draft, *added]


@pytest.mark.parametrize(
    ("text", "draft"),
    [
        (  # BFCL parallel_47: two pairs of names joined by "and" are no pair of clauses
            "What is the current ranking of Barcelona and Manchester United in the UEFA "
            "Champions League and La Liga respectively?",
            {"team": "Barcelona", "league": "Manchester United"},
        ),
        (  # one value from the text: the lists of `listed` speak to that
            "Find the factorial of 5, and the factorial of 7.",
            {"number": 5},
        ),
        (  # a value written twice is no clause's
            "Distance from Paris to Lyon, and from Paris to Nice.",
            {"origin": "Paris", "destination": "Lyon"},
        ),
        (  # values far apart are no clause
            "Send Alice, who lives far away in the north of the country, the 'red' box. Send "
            "Bob, who lives far away in the north of the country, the 'blue' box.",
            {"to": "Alice", "box": "red"},
        ),
        (  # an argument the clause does not set holds one of its values: siblings would
            # keep it
            "Please book 4 seats at 7 pm in Rome, and 2 seats at 9 pm in Milan.",
            {"seats": 4, "city": "Rome", "when": "today at 7 pm"},
        ),
    ],
)
def test_what_is_no_clause(text: str, draft: dict[str, Any]) -> None:
    assert _arguments(clause_calls([_call("t", **draft)], text)) == [draft]


def test_a_clause_another_call_holds_is_left_to_it() -> None:
    # the model wrote the second clause itself, in its own words: nothing is added
    calls = [
        _call("tax", purchase_amount=30.45, city="Chicago", state="Illinois"),
        _call("tax", purchase_amount=52.33, city="Sacramento, CA", state="CA"),
    ]
    assert _arguments(clause_calls(calls, SALES)) == [  # a clause's call follows its source
        calls[0].arguments,
        {"purchase_amount": 11.23, "city": "Portland", "state": "Oregon"},
        calls[1].arguments,
    ]
    # another tool's call holds the third clause's city
    other = _call("weather", city="Portland")
    out = clause_calls([calls[0], other], SALES)
    assert [c.arguments.get("city") for c in out] == ["Chicago", "Sacramento", "Portland"]
    assert out[2] is other


def test_calls_made_earlier_and_the_limit() -> None:
    draft = _call("tax", purchase_amount=30.45, city="Chicago", state="Illinois")
    made = [_call("tax", purchase_amount=52.33, city="Sacramento", state="California")]
    assert len(clause_calls([draft], SALES, made)) == 2
    assert len(clause_calls([draft], SALES, limit=2)) == 2
    assert len(clause_calls([draft], SALES, limit=1)) == 1
    assert clause_calls([], SALES) == []


def test_through_the_turn_source_with_listed_items() -> None:
    tool = Tool.from_spec(
        {
            "name": "calculate_sales_tax",
            "description": "Calculate the sales tax for a given purchase amount in a city.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "purchase_amount": {"type": "float", "description": "The amount."},
                    "city": {"type": "string", "description": "The city."},
                    "state": {"type": "string", "description": "The state."},
                },
                "required": ["purchase_amount", "city", "state"],
            },
        }
    )
    draft = [_call(tool.name, purchase_amount=30.45, city="Chicago", state="Illinois")]
    on = one_turn(
        ScriptedBackend.calls([draft], supports_constraint=True), SALES, [tool], listed_items=True
    )
    assert [c.arguments["city"] for c in on.turn.calls] == ["Chicago", "Sacramento", "Portland"]
    assert on.listed == 2
    off = one_turn(ScriptedBackend.calls([draft], supports_constraint=True), SALES, [tool])
    assert len(off.turn.calls) == 1 and off.listed == 0
