"""A number argument the user did not give takes the number the user said is its
(`lamagent.gate.named_numbers`). The drafts are the embedded model's on BFCL cases (named), and
made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.mentions import said_numbers
from lamagent.gate.named_numbers import named_numbers
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(**described: tuple[str, str] | dict[str, Any]) -> Tool:
    """A tool whose parameters are `name=(type, description)` or a schema of their own; all
    required."""
    properties = {
        n: d if isinstance(d, dict) else {"type": d[0], "description": d[1]}
        for n, d in described.items()
    }
    return Tool("t", "", {"type": "object", "properties": properties, "required": list(described)})


HOTEL = _tool(  # BFCL simple_python_381
    location=("string", "The city where you want to check hotel availability."),
    check_in_date=("string", "The check-in date in the format YYYY-MM-DD."),
    no_of_adults=("integer", "The number of adults for the hotel booking."),
)
LAWYER = _tool(  # BFCL simple_python_166
    city=("string", "The city and state, e.g. Chicago, IL."),
    fee=("integer", "Hourly fee charged by lawyer"),
)
FUTURE_VALUE = _tool(  # BFCL simple_python_133
    present_value=("integer", "The present value of the investment."),
    annual_interest_rate=("number", "The annual interest rate of the investment."),
    time_years=("integer", "The investment horizon in years."),
)
PAINT = _tool(  # BFCL multiple_159
    coverage_rate=("integer", "The area in square feet that one gallon of paint can cover."),
    length=("integer", "Length of the wall to be painted in feet."),
    height=("integer", "Height of the wall to be painted in feet."),
)
GROWTH = _tool(  # BFCL multiple_12
    year1=("integer", "The initial year."),
    year1_revenue=("integer", "The revenue for the initial year."),
    year2=("integer", "The subsequent year."),
    year2_revenue=("integer", "The revenue for the subsequent year."),
)
PRICING = _tool(  # after BFCL live_simple_113-69-0
    geolocation=("string", "Latitude and longitude."),
    base_price=("number", "The base price for the service."),
    minimum_price=("number", "The lowest price to charge any customer."),
)
NIGHTS = _tool(
    nights=("integer", "How many nights to stay."),
    guests=("integer", "How many guests stay."),
    rooms=("integer", "How many rooms."),
)
STORE = _tool(
    discount=("number", "The discount as a fraction, e.g. 0.1."),
    tax=("integer", "The sales tax in percent."),
)


def _told(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = named_numbers([ToolCall(name="t", arguments=draft)], [tool], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # the year of a date, written once, given to the adults too; "two adults" says
            HOTEL,
            "Check if any Hilton Hotel is available for two adults in Paris from 2023 April "
            "4th to April 8th?",
            {"location": "Paris", "check_in_date": "2023-04-04", "no_of_adults": 2023},
            {"location": "Paris", "check_in_date": "2023-04-04", "no_of_adults": 2},
        ),
        (  # a number nobody wrote; the words before 400 name the fee
            LAWYER,
            "Find a lawyer specializing in divorce cases and charge fee less than 400 dollars "
            "per hour in Chicago.",
            {"city": "Chicago, IL", "fee": 1000},
            {"city": "Chicago, IL", "fee": 400},
        ),
        (  # the description's words name it: "investment"
            FUTURE_VALUE,
            "Predict the future value of a $5000 investment with an annual interest rate of 5% "
            "in 3 years with monthly compounding.",
            {"present_value": 10000, "annual_interest_rate": 0.05, "time_years": 3},
            {"present_value": 5000, "annual_interest_rate": 0.05, "time_years": 3},
        ),
        (  # "investment" is every parameter's word: the "two" of "two different investment
            # opportunities" is no horizon, the "10 years" is (after parallel_172)
            _tool(
                present_value=("integer", "The present value of the investment."),
                annual_interest_rate=("number", "The annual interest rate of the investment."),
                time_years=("integer", "The investment horizon in years."),
            ),
            "You have two different investment opportunities. The first has a present value of "
            "$5000 and an annual interest rate of 5%, held for 10 years.",
            {"present_value": 5000, "annual_interest_rate": 0.05, "time_years": 20},
            {"present_value": 5000, "annual_interest_rate": 0.05, "time_years": 10},
        ),
        (  # made up: a number with a magnitude is taken whole
            _tool(
                revenue=("integer", "The company's yearly revenue in dollars."),
                employees=("integer", "How many people the company employs."),
            ),
            "Estimate the valuation of a startup with yearly revenue of $1.5M and 40 employees.",
            {"revenue": 1500, "employees": 40},
            {"revenue": 1500000, "employees": 40},
        ),
        (  # made up: 2 is written twice, once with a magnitude: the adults' 2 is not 2000000
            _tool(
                adults=("integer", "How many adults travel."),
                budget=("integer", "The budget in yen."),
            ),
            "Plan a trip for 2 adults with a budget of 2 million yen.",
            {"adults": 4, "budget": 2000000},
            {"adults": 2, "budget": 2000000},
        ),
        (  # "50%" is not the 0.5 the user wrote for the window (BFCL live_simple_72-36-0)
            _tool(
                capture_percentage=(
                    "integer",
                    "Filters beats by excluding those below a specified confidence percentile.",
                ),
                confidence_window_size=("number", "The time window in seconds."),
            ),
            "Filter out the beats with a confidence level below 50%? Also, use a 0.5-second "
            "window to ensure the beats are distinct.",
            {"capture_percentage": 0, "confidence_window_size": 0.5},
            {"capture_percentage": 50, "confidence_window_size": 0.5},
        ),
        (  # made up: in words after a word of the parameter's name
            _tool(
                city=("string", "The city."),
                nights=("integer", "How many nights to stay."),
            ),
            "Book me a room in Lisbon for three nights.",
            {"city": "Lisbon", "nights": 5},
            {"city": "Lisbon", "nights": 3},
        ),
        (  # the 2 is written next to another parameter's words only ("years", the time's):
            # not the compounding's, whose words name the 4 (BFCL parallel_170)
            _tool(
                principal=("integer", "The principal amount that the interest is applied to."),
                rate=("number", "The annual interest rate. Enter as a decimal. E.g, 5% is 0.05"),
                time=("integer", "The time the money is invested for in years."),
                n=(
                    "integer",
                    "The number of times that interest is compounded per time period. Default "
                    "is 1.",
                ),
            ),
            "I initially invested $5000 as the principal amount. The bank offers an annual "
            "interest rate of 2.5%. I plan to keep my money in the bank for 10 years. Also, the "
            "interest is compounded quarterly, so it's compounded 4 times in a year. Can you "
            "calculate the compound interest I would get for the first 2 years?",
            {"principal": 5000, "rate": 0.025, "time": 10, "n": 2},
            {"principal": 5000, "rate": 0.025, "time": 10, "n": 4},
        ),
        (  # BFCL simple_python_194: "top three" says the count is of the top results (a
            # count in words is read with the one word before it that says which it is)
            _tool(
                slope_type=("string", "The type of slope like steep, moderate etc."),
                num_results=("integer", "The number of top results needed. Default is 5."),
            ),
            "What are the top three plants suitable for a hill slope in terms of erosion "
            "prevention?",
            {"slope_type": "hill", "num_results": 5},
            {"slope_type": "hill", "num_results": 3},
        ),
        (  # made up: the 3 is the nights', the 1 the room's (the nights keep their 5: the
            # 3 named for them is held, by the rooms' draft, and each argument is read on it)
            NIGHTS,
            "Book 3 nights at the hotel. We are 2 guests and need 1 room.",
            {"nights": 5, "guests": 2, "rooms": 3},
            {"nights": 5, "guests": 2, "rooms": 1},
        ),
    ],
)
def test_a_number_takes_the_one_the_user_said_is_its(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    told, notes = _told(tool, query, **draft)
    assert told == meant
    changed = [n for n in draft if draft[n] != meant[n]]
    assert notes == [f"t.{n}: {draft[n]} is not its, takes {meant[n]}, as said" for n in changed]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        (  # a word said next to three numbers names none: "feet" (after multiple_159, the
            # length's and the rate's descriptions without it, so that "feet" is the
            # height's own word)
            _tool(
                coverage_rate=("integer", "The area one gallon of paint can cover."),
                length=("integer", "Length of the wall to be painted."),
                height=("integer", "Height of the wall to be painted in feet."),
            ),
            "Calculate the total quantity of paint needed to cover a wall of 30 feet by 12 "
            "feet using a specific brand that covers 400 square feet per gallon.",
            {"coverage_rate": 400, "length": 30, "height": 3},
        ),
        (  # "revenues" is both revenues' word: it names neither
            GROWTH,
            "What is the year over year growth rate for company 'Tech Inc' with revenues of "
            "$1M in 2019 and $1.2M in 2020?",
            {"year1": 2019, "year1_revenue": 1200, "year2": 2020, "year2_revenue": 1200},
        ),
        (  # a number the user wrote, no other argument holding it, stays (GCD of 36 and 48)
            _tool(number1=("integer", "First number."), number2=("integer", "Second number.")),
            "Find the Greatest Common Divisor (GCD) of two numbers, say 36 and 48.",
            {"number1": 36, "number2": 48},
        ),
        (  # the number named is another argument's already ("weighs" names the target weight)
            _tool(weight=("integer", "Body mass in kg."), target_weight=("integer", "Goal.")),
            "He weighs 70 kg and wants to reach 65 kg.",
            {"weight": 70, "target_weight": 90},
        ),
        (  # "5%" is held as the discount's fraction: it is no tax the "sales" word names
            STORE,
            "Apply the sales discount of 5% and the tax.",
            {"discount": 0.05, "tax": 3},
        ),
        (  # a percentage's fraction is written: "5%" writes 0.05
            FUTURE_VALUE,
            "Predict the future value of a $5000 investment with an annual interest rate of 5% "
            "in 3 years.",
            {"present_value": 5000, "annual_interest_rate": 0.05, "time_years": 3},
        ),
        (  # two numbers named, each by a word of its own: which one is meant?
            _tool(amount=("number", "The amount to pay, in euros.")),
            "Pay 30 dollars or 28 euros, whichever is less.",
            {"amount": 100},
        ),
        (  # written twice: both arguments may hold it (after live_simple_113-69-0)
            PRICING,
            "For customer 5521 the base is $100 and the floor is $100.",
            {"geolocation": "Los Angeles", "base_price": 100, "minimum_price": 100},
        ),
        (  # written once, another argument holds it, and the words next to it name this one
            # ("lowest"): it may be its
            PRICING,
            "For customer 5521, charge the base price, at lowest $100.",
            {"geolocation": "Los Angeles", "base_price": 100, "minimum_price": 100},
        ),
        (  # an enum that does not hold the named number
            _tool(size={"type": "integer", "enum": [1, 2, 3], "description": "Cup size."}),
            "A coffee in cup size 12, please.",
            {"size": 3},
        ),
        (  # "meters" is the units' word, but the units take no number: the 5 stays the
            # radius's, not the 3 of "three circles" (BFCL parallel_66)
            _tool(
                radius=("integer", "The radius of the circle."),
                units=("string", "The units in which the radius is measured (defaults to meters)."),
            ),
            "What is the total area of three circles, where the first circle has a radius of 5 "
            "meters, the second circle has a radius of 10 meters?",
            {"radius": 5, "units": "meters"},
        ),
        (  # the 3 is said to be the nights', but no number is said to be the rooms'
            NIGHTS,
            "Book 3 nights for 2 guests.",
            {"nights": 3, "guests": 2, "rooms": 3},
        ),
        (  # written next to another parameter's words and this one's: it may be its
            NIGHTS,
            "Book 2 nights for 2 guests, 2 rooms, and 1 more night.",
            {"nights": 2, "guests": 2, "rooms": 2},
        ),
    ],
)
def test_a_number_is_left_as_drafted(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _told(tool, query, **draft) == (draft, [])


def test_a_boolean_a_list_and_a_tool_not_given_are_left() -> None:
    tool = _tool(
        rooms=("integer", "How many rooms."),
        sizes={"type": "array", "items": {"type": "integer"}, "description": "Room sizes."},
        late=("boolean", "Whether check-in is late; 1 for yes."),
    )
    query = "Book two rooms, sizes 20 and 30, with late check-in 1."
    draft = {"rooms": True, "sizes": [5, 6], "late": True}
    assert _told(tool, query, **draft) == (draft, [])
    call = ToolCall(name="other", arguments={"rooms": 7})
    assert named_numbers([call], [tool], "Book two rooms.") == ([call], [])
    assert named_numbers([call], [tool], "Book rooms.") == ([call], [])


@pytest.mark.parametrize(
    ("query", "words"),
    [
        # a count in words is read with the words after it, and the word right before it
        # that says which count it is
        ("the top three plants suitable", {"top", "plant", "suitab"}),
        ("for the next five days", {"next", "day"}),
        # any other word before it says nothing of it ("between two sets of variables")
        ("the level between two sets of variables", {"set"}),
        ("the significance level two", set()),
    ],
)
def test_the_words_said_with_a_count_in_words(query: str, words: set[str]) -> None:
    [(_, said)] = said_numbers(query)
    assert said == words


def test_a_number_another_call_of_the_tool_took_is_that_calls() -> None:
    # BFCL parallel_20: each bank's loan is written; the second call's is not replaced by the
    # first's, which its own call holds
    loan = _tool(
        bank=("string", "The bank."),
        loan_amount=("integer", "The loan amount."),
        annual_income=("integer", "The annual income."),
    )
    query = (
        "Can you check my loan eligibility for a home loan of amount $500,000 from HSBC with "
        "annual income $100,000 and for Wells Fargo for a amount of $700,000 with annual "
        "income of $120,000?"
    )
    calls = [
        ToolCall(
            name="t", arguments={"bank": "HSBC", "loan_amount": 500000, "annual_income": 100000}
        ),
        ToolCall(
            name="t",
            arguments={"bank": "Wells Fargo", "loan_amount": 700000, "annual_income": 120000},
        ),
    ]
    assert named_numbers(calls, [loan], query) == (calls, [])
    # alone, the call's number is read as before: the loan the user named
    [alone], notes = named_numbers(calls[1:], [loan], query)
    assert alone.arguments["loan_amount"] == 500000 and len(notes) == 1


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # BFCL simple_python_42: the user's numbers in the parameters' units (henries, farads)
        (
            "the resonant frequency given capacitance of 100µF and inductance of 50mH.",
            {"inductance": 0.05, "capacitance": 0.0001},
        ),
        # simple_python_35: an hour after noon in 24 hours
        ("a vegan restaurant that opens until at least 11 PM.", {"hours": 23}),
    ],
)
def test_the_users_number_in_another_unit_stays(query: str, draft: dict[str, Any]) -> None:
    tool = _tool(
        inductance=("number", "The inductance in henries."),
        capacitance=("number", "The capacitance in farads."),
        hours=("integer", "The hour the restaurant opens until, in 24 hours."),
    )
    assert _told(tool, query, **draft) == (draft, [])


def test_an_hour_plus_twelve_without_pm_is_no_hour_after_noon() -> None:
    tool = _tool(hours=("integer", "The hour the restaurant opens until, in 24 hours."))
    arguments, notes = _told(tool, "a vegan restaurant that opens until 11.", hours=23)
    assert arguments == {"hours": 11} and len(notes) == 1
