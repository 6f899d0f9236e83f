"""Clauses written alike (`lamagent.gate.clauses`): one call per clause where the draft took
the values of one. The drafts are the embedded model's on BFCL cases (named), and made-up
ones for what the data does not show."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.clauses import clause_calls, mended_calls
from lamagent.messages import ToolCall


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
        (  # BFCL parallel_10: pairs listed side by side, only a comma between them
            "Compute the Pythagorean Theorem of two side lengths: 3 and 4, 5 and 12.",
            {"a": 3, "b": 4},
            [{"a": 5, "b": 12}],
        ),
        (  # made up: three pairs, each beside the one before ("; and")
            "Add the fractions 1 and 2; 3 and 4; and 5 and 6.",
            {"x": 1, "y": 2},
            [{"x": 3, "y": 4}, {"x": 5, "y": 6}],
        ),
        (  # BFCL parallel_50: a lower-case word the call took whole is a value
            "How to save game progress at stage 7 in easy mode and stage 3 in hard mode?",
            {"stage": 7, "mode": "easy"},
            [{"stage": 3, "mode": "hard"}],
        ),
        (  # made up: a value written twice, beside the one written once
            "Distance from Paris to Lyon, and from Paris to Nice.",
            {"origin": "Paris", "destination": "Lyon"},
            [{"origin": "Paris", "destination": "Nice"}],
        ),
        (  # BFCL parallel_145: values written once make the clause; the 2 written twice
            # ("rounded to 2 decimal places", twice) does not join it
            "What is the angle between the hour and minute hands of a clock at 3:15, rounded "
            "to 2 decimal places, and how does this compare to the angle at 8:20 and 11:50, "
            "both also rounded to 2 decimal places?",
            {"hours": 3, "minutes": 15, "round_to": 2},
            [
                {"hours": 8, "minutes": 20, "round_to": 2},
                {"hours": 11, "minutes": 50, "round_to": 2},
            ],
        ),
        (  # made up: marks are no distance (16 words and values at most), a stretch may
            # write one word of the clause otherwise ("has", "with"), a plural is its word
            # ("bathroom"), and a value written twice is read at the place between the ones
            # written once (the 3 and the 2)
            "Estimate four houses. The first house is located in Denver, has 3 bedrooms, 2 "
            "bathrooms, and an area of 1500 square feet. The second house is in Austin, with "
            "4 bedrooms, 3 bathrooms, and an area of 2000 square feet. The third house is in "
            "Boise, with 2 bedrooms, 1 bathroom, and an area of 1200 square feet.",
            {"bedrooms": 3, "bathrooms": 2, "area": 1500, "location": "Denver"},
            [
                {"bedrooms": 4, "bathrooms": 3, "area": 2000, "location": "Austin"},
                {"bedrooms": 2, "bathrooms": 1, "area": 1200, "location": "Boise"},
            ],
        ),
        (  # made up: 13 words and values, 19 tokens with the marks
            "We need 2 pizzas (thin crust, extra cheese, no olives, well done, sliced) for "
            "Ann, and 3 pizzas (thin crust, extra cheese, no olives, well done, sliced) for "
            "Bob tonight.",
            {"count": 2, "person": "Ann"},
            [{"count": 3, "person": "Bob"}],
        ),
        (  # made up: a word value and a name, the second clause in other words around it
            "Find the function of ATP in the mitochondria, and then DNA in the nucleus.",
            {"molecule": "ATP", "organelle": "mitochondria"},
            [{"molecule": "DNA", "organelle": "nucleus"}],
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
        (  # values written twice, and only one value written once: no place is nearest
            "Distance from Paris to Lyon or Paris, and from Lyon to Paris.",
            {"origin": "Paris", "destination": "Lyon"},
        ),
        (  # values far apart are no clause (more than 16 words and values between)
            "Send Alice, who moved last spring to a small village far away in the quiet north "
            "of the country, the 'red' box. Send Bob, who moved last spring to a small "
            "village far away in the quiet north of the country, the 'blue' box.",
            {"to": "Alice", "box": "red"},
        ),
        (  # BFCL parallel_multiple_152: "'tolls' and 'highways'" is no route; a shape of
            # one word ("to") is met by no stretch that writes another word in its place
            "I'm planning a road trip and need directions from 'New York City' to 'Los "
            "Angeles'. I would like to avoid 'tolls' and 'highways'.",
            {"start": "New York City", "end": "Los Angeles"},
        ),
        (  # an argument the clause does not set holds one of its values: siblings would
            # keep it
            "Please book 4 seats at 7 pm in Rome, and 2 seats at 9 pm in Milan.",
            {"seats": 4, "city": "Rome", "when": "today at 7 pm"},
        ),
        (  # pairs joined by "and" alone are one list, not pairs side by side
            "Compute the Pythagorean Theorem of 3 and 4 and 5 and 12.",
            {"a": 3, "b": 4},
        ),
        (  # BFCL multiple_8: with a word value every word of the clause must be there
            # ("$400,000 budget" would fill "3 bedroom villa" with "bedroom" left out)
            "Find a 3 bedroom villa for sale within $300,000 to $400,000 budget in San Diego.",
            {"location": "San Diego, CA", "propertyType": "villa", "bedrooms": 3},
        ),
        (  # BFCL simple_python_364: likewise ("near Brooklyn" for "restaurant with
            # Gluten-free")
            "Can I find an Italian restaurant with Gluten-free options near Brooklyn?",
            {"location": "Bronx", "type": "restaurant", "diet_option": "Gluten-free"},
        ),
        (  # a stop word is no value ("all" of "with all labels")
            "Please plot 4 points with all labels, and 2 points with no labels.",
            {"count": 4, "labels": "all"},
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


BMI = (  # BFCL parallel_154
    "Could you calculate the Body Mass Index (BMI) for four individuals? The first person "
    "weighs 75 kilograms and is 180 centimeters tall, the second person weighs 60 kilograms "
    "and is 165 centimeters tall, the third person weighs 80 kilograms and is 175 centimeters "
    "tall, and the fourth person weighs 90 kilograms and is 185 centimeters tall."
)


def test_a_call_that_copied_the_first_clauses_value_takes_its_own() -> None:
    calls = [_call("bmi", weight=w, height=180, system="metric") for w in (75, 60, 80, 90)]
    mended, notes = mended_calls(calls, BMI)
    assert _arguments(mended) == [
        {"weight": w, "height": h, "system": "metric"}
        for w, h in ((75, 180), (60, 165), (80, 175), (90, 185))
    ]
    assert [c.id for c in mended] == [c.id for c in calls]  # the same calls, reshaped
    assert notes[0] == "bmi.height: 180 as 165, as its clause writes" and len(notes) == 3
    # whichever value it copied: the second clause's height, the first's weight
    other = [_call("bmi", weight=75, height=180), _call("bmi", weight=75, height=165)]
    assert mended_calls(other, BMI)[0][1].arguments == {"weight": 60, "height": 165}
    # strings as well: the first clause's city copied into the second
    sales = [
        _call("tax", purchase_amount=30.45, city="Chicago", state="Illinois"),
        _call("tax", purchase_amount=52.33, city="Chicago", state="California"),
    ]
    assert mended_calls(sales, SALES)[0][1].arguments["city"] == "Sacramento"


HOUSES = (  # BFCL parallel_157
    "Could you use the 'predict_house_price' function to compare the estimated prices of four "
    "different houses? The first house is located in New York, has 3 bedrooms, 2 bathrooms, "
    "and an area of 1500 square feet. The second house is in Los Angeles, with 4 bedrooms, 3 "
    "bathrooms, and an area of 2000 square feet. The third house is in Chicago, with 2 "
    "bedrooms, 1 bathroom, and an area of 1200 square feet. The fourth house is in Miami, with "
    "3 bedrooms, 2 bathrooms, and an area of 1800 square feet."
)


def test_a_stretch_is_held_by_the_call_with_one_of_its_own_values() -> None:
    # the embedded model's draft: each later call took its area and copied the rest; the
    # fourth house has the first's bedrooms and bathrooms, so only its area and city are its
    # own, and only the fourth call holds one of them
    calls = [
        _call("price", bedrooms=3, bathrooms=2, area=area, location="New York")
        for area in (1500, 2000, 1200, 1800)
    ]
    mended, notes = mended_calls(calls, HOUSES)
    assert _arguments(mended) == [
        {"bedrooms": 3, "bathrooms": 2, "area": 1500, "location": "New York"},
        {"bedrooms": 4, "bathrooms": 3, "area": 2000, "location": "Los Angeles"},
        {"bedrooms": 2, "bathrooms": 1, "area": 1200, "location": "Chicago"},
        {"bedrooms": 3, "bathrooms": 2, "area": 1800, "location": "Miami"},
    ]
    assert len(notes) == 7  # three for each of the second and third, the fourth's city
    # a call that holds the values the fourth house shares with the first holds nothing of
    # the fourth's own: the fourth call is still the only one that holds the stretch
    other = _call("price", bedrooms=3, bathrooms=2, area=999, location="New York")
    mended, _ = mended_calls([calls[0], calls[3], other], HOUSES)
    assert mended[1].arguments["location"] == "Miami" and mended[2] == other


def test_a_clause_of_sixteen_words_and_values() -> None:
    text = (  # BFCL parallel_90: each trip's clause runs 14 words from its days to its kind
        "Can you generate a travel itinerary for a 7-day trip to Tokyo with a daily budget of "
        "$200 focusing on urban exploration, then do the same for a 10-day trip to Paris with "
        "a daily budget of $150 focusing on history, followed by a 5-day trip to Sydney with "
        "a daily budget of $100 focusing on nature, and finally a 12-day trip to Rome with a "
        "daily budget of $180 focusing on culture?"
    )
    calls = [
        _call("trip", destination=city, days=days, daily_budget=budget, exploration_type="urban")
        for city, days, budget in (("Tokyo", 7, 200), ("Paris", 10, 150), ("Sydney", 5, 100))
    ]
    mended, _ = mended_calls(calls, text)
    assert [c.arguments["exploration_type"] for c in mended] == ["urban", "history", "nature"]


def test_a_value_written_twice_takes_its_place_beside_the_one_written_once() -> None:
    text = (  # BFCL parallel_152 (train): the model copies the 5 into the second call
        "Can you calculate the result of the following mathematical operation: first, raise "
        "the number 3 to the power of 5, then raise the number 2 to the power of 3."
    )
    calls = [_call("math.power", base=3, exponent=5), _call("math.power", base=2, exponent=5)]
    mended, notes = mended_calls(calls, text)
    assert _arguments(mended) == [{"base": 3, "exponent": 5}, {"base": 2, "exponent": 3}]
    assert notes == ["math.power.exponent: 5 as 3, as its clause writes"]


def test_a_word_value_far_from_the_clause_is_not_part_of_it() -> None:
    # BFCL parallel_134: "metric" is written once, far from the weights and heights; the
    # clause is still the weight and the height
    text = BMI + " All measurements are in the metric system."
    calls = [_call("bmi", weight=w, height=180, unit="metric") for w in (75, 60, 80, 90)]
    assert [c.arguments["height"] for c in mended_calls(calls, text)[0]] == [180, 165, 175, 185]


def test_a_call_that_copied_the_first_clauses_word_takes_its_own() -> None:
    text = (  # BFCL parallel_110
        "What is the function of the molecule ATP in the mitochondria and does it have a "
        "specific function within this organelle? Also, can you tell me the function of the "
        "molecule DNA in the nucleus and whether it has a specific function within the nucleus?"
    )
    calls = [
        _call("lookup", molecule="ATP", organelle="mitochondria", specific_function=True),
        _call("lookup", molecule="DNA", organelle="mitochondria", specific_function=True),
    ]
    mended, notes = mended_calls(calls, text)
    assert mended[1].arguments == {
        "molecule": "DNA",
        "organelle": "nucleus",
        "specific_function": True,
    }
    assert notes == ["lookup.organelle: 'mitochondria' as 'nucleus', as its clause writes"]


@pytest.mark.parametrize(
    "second",
    [
        {"weight": 60, "height": 170},  # a value of neither clause: left as drafted
        {"weight": 60, "height": 165},  # already its clause's
        {"weight": 75, "height": 180},  # the first clause again: nothing of another
        # the first clause's values where the clause has them, the second's only elsewhere
        {"weight": 75, "height": 180, "note": "60 kilograms"},
    ],
)
def test_what_is_not_mended(second: dict[str, Any]) -> None:
    calls = [_call("bmi", weight=75, height=180), _call("bmi", **second)]
    assert mended_calls(calls, BMI) == (calls, [])


def test_only_a_later_call_of_the_same_tool_held_by_no_other_is_mended() -> None:
    first = _call("bmi", weight=75, height=180)
    copied = _call("bmi", weight=60, height=180)
    # an earlier call was written before the clause it would have copied from (its own
    # values too far apart to be a clause of their own)
    apart = (
        "The first person weighs 75 kilograms and is 180 centimeters tall, as the nurse wrote "
        "down on the chart at the clinic this morning before lunch. The second person weighs "
        "60 kilograms and is 165 centimeters tall."
    )
    assert mended_calls([copied, first], apart)[1] == []
    assert mended_calls([first, copied], apart)[1] != []
    # another tool's call
    assert mended_calls([first, _call("other", weight=60, height=180)], BMI)[1] == []
    # two calls hold the stretch: which one is meant is not known
    both = [first, copied, _call("bmi", weight=60, height=999)]
    assert mended_calls(both, BMI)[1] == []
    # made earlier for the request: the stretch is done
    assert mended_calls([first, copied], BMI, made=[_call("bmi", weight=60, height=165)])[1] == []
    assert mended_calls([first], BMI) == ([first], [])


def test_through_the_turn_source_with_listed_items() -> None:
    tool = bfcl_tool(
        "calculate_sales_tax",
        "Calculate the sales tax for a given purchase amount in a city.",
        purchase_amount={"type": "float", "description": "The amount."},
        city={"type": "string", "description": "The city."},
        state={"type": "string", "description": "The state."},
    )
    draft = [_call(tool.name, purchase_amount=30.45, city="Chicago", state="Illinois")]
    on = one_turn(
        ScriptedBackend.calls([draft], supports_constraint=True), SALES, [tool], listed_items=True
    )
    assert [c.arguments["city"] for c in on.turn.calls] == ["Chicago", "Sacramento", "Portland"]
    assert on.listed == 2
    off = one_turn(ScriptedBackend.calls([draft], supports_constraint=True), SALES, [tool])
    assert len(off.turn.calls) == 1 and off.listed == 0


def test_the_turn_mends_the_lists_calls_and_notes_it() -> None:
    # the draft took the first person; the weights' cue list adds the others with the first
    # person's height, which their clauses write otherwise
    tool = bfcl_tool(
        "calculate_bmi",
        "Calculate the Body Mass Index.",
        weight={"type": "integer", "description": "Weight in kilograms."},
        height={"type": "integer", "description": "Height in centimeters."},
    )
    draft = [_call(tool.name, weight=75, height=180)]
    on = one_turn(
        ScriptedBackend.calls([draft], supports_constraint=True), BMI, [tool], listed_items=True
    )
    assert [c.arguments["height"] for c in on.turn.calls] == [180, 165, 175, 185]
    assert on.listed == 3 and len(on.reshaped) == 3
