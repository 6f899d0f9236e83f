"""Values a call took from another tool's ask, given back for its own ask's
(`lamagent.gate.asked_values`), and the turn that gives them back after its drafts (scripted
backend: the loop's side; the engine's is tests/test_asked_values_gguf.py)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, call, kind_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.asked_values import AskedValues, asked_values
from lamagent.gate.named_asks import ToolNames
from lamagent.messages import ToolCall
from lamagent.tools import Tool
from lamagent.turns import turn_source

INVESTMENT = [
    kind_tool("investment.invest", company="string", amount="float"),
    kind_tool("investment.withdraw", company="string", amount="float"),
]
#: The investment, for some years
INVESTMENT_YEARS = [
    kind_tool("investment.invest", company="string", amount="float", years="integer"),
    INVESTMENT[1],
]
INVEST_QUERY = "Invest $2000 in Google and withdraw $1000 from Apple."
INVEST = call("investment.invest", company="Google", amount=1000)
WITHDRAW = call("investment.withdraw", company="Google", amount=1000)


def _given(calls: list[ToolCall], query: str, tools: list[Tool]) -> AskedValues:
    given = asked_values(calls, query, tools)
    assert len(given.calls) + len(given.repeats) == len(calls)
    return given


def _xlam(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [c.to_xlam() for c in calls]


def test_each_call_takes_the_number_and_the_name_its_own_ask_writes() -> None:
    given = _given([INVEST, WITHDRAW], INVEST_QUERY, INVESTMENT)
    assert _xlam(given.calls) == [
        call("investment.invest", company="Google", amount=2000).to_xlam(),
        call("investment.withdraw", company="Apple", amount=1000).to_xlam(),
    ]
    assert isinstance(given.calls[0].arguments["amount"], int)  # as drafted: a whole number
    assert given.notes == [
        "investment.invest.amount: 1000 as 2000, its ask's",
        "investment.withdraw.company: 'Google' as 'Apple', its ask's",
    ]
    assert given.repeats == []


def test_the_right_calls_stay_as_they_are() -> None:
    right = [
        call("investment.invest", company="Google", amount=2000),
        call("investment.withdraw", company="Apple", amount=1000),
    ]
    given = _given(right, INVEST_QUERY, INVESTMENT)
    assert given.calls == right
    assert given.notes == []


SCORES = [
    kind_tool("soccer_scores.get_scores", team="string", league="string", rounds="integer"),
    kind_tool("basketball_scores.get_scores", team="string", league="string", rounds="integer"),
]
SCORES_QUERY = (
    "Can you tell me the scores for the Manchester United soccer team in the English Premier "
    "League for the last 5 rounds and also the scores for the Los Angeles Lakers basketball "
    "team in the NBA for the last 7 rounds?"
)


def test_a_name_of_the_other_ask_gives_way_to_the_one_no_call_used() -> None:
    soccer = call(
        "soccer_scores.get_scores", team="Manchester United", league="Los Angeles Lakers", rounds=5
    )
    basketball = call(
        "basketball_scores.get_scores", team="Los Angeles Lakers", league="NBA", rounds=7
    )
    given = _given([soccer, basketball], SCORES_QUERY, SCORES)
    assert given.calls[0].arguments == {
        "team": "Manchester United",
        "league": "English Premier League",
        "rounds": 5,
    }
    assert given.calls[1] == basketball


def test_two_calls_given_the_same_values_are_one_call() -> None:
    # the soccer ask written twice by the model, each time with a name of the basketball ask
    def soccer(league: str) -> ToolCall:
        return call("soccer_scores.get_scores", team="Manchester United", league=league, rounds=5)

    basketball = call("basketball_scores.get_scores", team="Los Angeles Lakers", rounds=7)
    given = _given([soccer("Los Angeles Lakers"), soccer("NBA"), basketball], SCORES_QUERY, SCORES)
    right = soccer("English Premier League").arguments
    assert [c.arguments for c in given.calls] == [right, basketball.arguments]
    assert [c.arguments for c in given.repeats] == [right]


def test_two_values_of_a_kind_say_nothing_of_which_is_which() -> None:
    # two numbers of the other ask's
    tools = INVESTMENT_YEARS
    query = "Invest $2000 in Google for 3 years and withdraw $1000 from Apple after 8 years."
    both = call("investment.invest", company="Google", amount=1000, years=8)
    assert _given([both, WITHDRAW], query, tools).calls[0] == both
    query = "Invest $2000 in Google and withdraw $1000 from Apple after 8 years."
    assert _given([both, WITHDRAW], query, tools).calls[0] == both  # one number of its own
    # two names of the other ask's, one of its own
    query = (
        "Can you tell me the scores for the soccer team in the English Premier League for the "
        "last 5 rounds and also the scores for the Los Angeles Lakers basketball team in the NBA?"
    )
    soccer = call("soccer_scores.get_scores", team="Los Angeles Lakers", league="NBA", rounds=5)
    assert (
        _given([soccer, call("basketball_scores.get_scores", rounds=5)], query, SCORES).calls[0]
        == soccer
    )
    # two numbers of its own ask no call holds
    query = "Invest $2000 or $2500 in Google and withdraw $1000 from Apple."
    invest = call("investment.invest", company="Google", amount=1000)
    assert _given([invest, WITHDRAW], query, INVESTMENT).calls[0] == invest
    # two names of its own ask no call holds
    query = "Invest $2000 in Google and withdraw $1000 from Apple or Microsoft."
    given = _given([INVEST, WITHDRAW], query, INVESTMENT)
    assert given.calls[1].arguments["company"] == "Google"
    assert given.calls[0].arguments["amount"] == 2000  # the number still: one of each kind


def test_a_value_another_call_holds_is_not_given() -> None:
    # the own ask's 2000 is the other call's
    taken = call("investment.withdraw", company="Apple", amount=2000)
    given = _given([INVEST, taken], INVEST_QUERY, INVESTMENT)
    assert given.calls[0] == INVEST
    # and its Apple
    apple = call("investment.withdraw", company="Apple", amount=500)
    given = _given(
        [call("investment.invest", company="Google", amount=2000), WITHDRAW, apple],
        INVEST_QUERY,
        INVESTMENT,
    )
    assert given.calls[1] == WITHDRAW


def test_a_value_its_own_ask_writes_is_its_own() -> None:
    # 5 years are written in both asks; the amount alone is the withdrawal's
    tools = INVESTMENT_YEARS
    query = "Invest $2000 in Google for 5 years and withdraw $1000 from Apple after 5 years."
    invest = call("investment.invest", company="Google", amount=1000, years=5)
    given = _given(
        [invest, call("investment.withdraw", company="Apple", amount=1000)], query, tools
    )
    assert given.calls[0].arguments == {"company": "Google", "amount": 2000, "years": 5}
    # Google is written in both asks: the withdrawal's Google stays
    query = "Invest $2000 in Google and withdraw $1000 from Google and Apple."
    given = _given(
        [call("investment.invest", company="Google", amount=2000), WITHDRAW], query, INVESTMENT
    )
    assert given.calls[1] == WITHDRAW


def test_a_piece_that_names_the_same_tool_is_the_same_ask_written_on() -> None:
    # parallel_multiple_133: the scale progression named in three sentences, 'minor' in one
    tools = [
        kind_tool(
            "music.generate_scale_progression",
            key="string",
            tempo="integer",
            duration="integer",
            scale_type="string",
        ),
        kind_tool("math.hcf", number1="integer", number2="integer"),
    ]
    query = (
        "Generate a scale progression in the key of 'D' with a tempo of 120 BPM, each note 2 "
        "beats. You are "
        "considering a 'minor' type for this progression. Also find the hcf of 456 and 123."
    )
    scale = call(
        "music.generate_scale_progression", key="D", tempo=120, duration=2, scale_type="minor"
    )
    hcf = call("math.hcf", number1=456, number2=123)
    assert _given([scale, hcf], query, tools).calls == [scale, hcf]


def test_a_tool_two_pieces_name_alike_has_no_ask() -> None:
    # each piece naming the investment writes one of its values: neither is its ask
    tools = INVESTMENT_YEARS
    query = "Invest $2000 in Google. Invest $3000 in Apple. Then withdraw $1000 after 8 years."
    invest = call("investment.invest", company="Google", amount=3000, years=8)
    withdraw = call("investment.withdraw", company="Tesla", amount=1000)
    assert _given([invest, withdraw], query, tools).calls == [invest, withdraw]


def test_a_value_of_a_piece_that_names_no_tool_is_no_other_asks() -> None:
    tools = [
        kind_tool("growth_rate", company_name="string", year1="integer"),
        kind_tool("return_on_equity", company_name="string", net_income="float"),
    ]
    query = (
        "Analyze the company named 'Tech Innovators'. "
        "I want their growth rate from 2018 to 2019 for Acme. "
        "Then their return on equity, where their net income was $100,000."
    )
    growth = call("growth_rate", company_name="Tech Innovators", year1=2018)
    equity = call("return_on_equity", company_name="Tech Innovators", net_income=100000)
    given = _given([growth, equity], query, tools)
    assert given.calls == [growth, equity]


def test_a_number_written_before_the_asks_may_be_any_asks() -> None:
    # the revenue of the growth rate's ask is written in a sentence of its own
    tools = [
        kind_tool("growth_rate", company_name="string", revenue="float"),
        kind_tool("return_on_equity", net_income="float"),
    ]
    query = (
        "In 2017 their revenue was $500,000. I want the growth rate of Acme from 2018. "
        "Then the return on equity, where their net income was $100,000."
    )
    growth = call("growth_rate", company_name="Acme", revenue=500000)
    equity = call("return_on_equity", net_income=100000)
    assert _given([growth, equity], query, tools).calls == [growth, equity]
    # where the growth rate's piece writes it, it is another ask's
    query = (
        "I want the growth rate of Acme from 2018 with revenue $500,000. "
        "Then the return on equity, where their net income was $100,000."
    )
    taken = call("return_on_equity", net_income=500000)
    given = _given([call("growth_rate", company_name="Acme", revenue=2018), taken], query, tools)
    assert given.calls[1].arguments == {"net_income": 100000}


def test_an_ask_runs_on_through_the_sentences_that_name_no_tool() -> None:
    # parallel_multiple_187: the growth rate named in one sentence, its values in the next
    tools = [
        kind_tool("array_sort", list="array", order="string"),
        kind_tool("calculate_cagr", initial_value="integer", final_value="integer"),
    ]
    query = (
        "First, sort the list of numbers [23, 45, 12] in descending order. Lastly, I am "
        "curious about the Compound Annual Growth Rate (CAGR) of an investment I made. The "
        "initial investment value was $5000, the final value turned out to be $15000."
    )
    cagr = call("calculate_cagr", initial_value=23, final_value=15000)
    ordered = call("array_sort", list=[23, 45, 12], order="descending")
    given = _given([cagr, ordered], query, tools)
    assert given.calls[0].arguments == {"initial_value": 5000, "final_value": 15000}
    # where the sentence of its values opens the request, it is every ask's
    query = (
        "The initial investment value was $5000, the final value turned out to be $15000. "
        "First, sort the list of numbers [23, 45, 12] in descending order. Lastly, what is "
        "the Compound Annual Growth Rate (CAGR) of my investment?"
    )
    assert _given([cagr, ordered], query, tools).calls[0] == cagr


def test_names_that_are_no_value_are_not_given() -> None:
    tools = [
        kind_tool("growth_rate", company_name="string", year1="integer"),
        kind_tool("flights.search", origin="string", destination="string"),
        kind_tool("get_info", topic="string"),  # no word of its name is its own
    ]
    borrowed = call("growth_rate", company_name="Boston", year1=2018)
    flight = call("flights.search", origin="Boston", destination="Denver")

    def given(growth_ask: str) -> Any:
        query = f"{growth_ask} Then search flights from Boston to Denver."
        return _given([borrowed, flight], query, tools).calls[0].arguments["company_name"]

    # an opening word, a date, a tool's own words, a quoted tool name: none is a value
    assert given("Finally, the growth rate from 2018.") == "Boston"
    assert given("The growth rate from 2018 to January 18.") == "Boston"
    assert given("The Growth Rate from 2018.") == "Boston"
    assert given("The growth rate from 2018 with 'flights.search'.") == "Boston"
    assert given("The growth rate from 2018 with 'get_info'.") == "Boston"
    assert given("I'd like the growth rate from 2018.") == "Boston"
    assert given("The growth rate from 2018, as I'd like.") == "Boston"
    assert given("The growth rate from 2018, code '180'.") == "Boston"
    # a name is, with the opening word left out of it
    assert given("Finally Acme Corp, the growth rate from 2018.") == "Acme Corp"
    assert given("The growth rate of 'Tech Innovators' from 2018.") == "Tech Innovators"


def test_a_value_that_is_not_a_name_of_the_other_ask_stays() -> None:
    tools = [
        kind_tool("equipment.update", attribute="string", level="integer"),
        kind_tool("guide.search", game="string", condition="string"),
    ]
    query = (
        "In game Battle Reign, update the equipment level to 5 and search a guide for how to "
        "win in snowy weather conditions."
    )
    update = call("equipment.update", attribute="snowy weather conditions", level=5)
    guide = call("guide.search", game="Battle Reign", condition="snowy weather")
    assert _given([update, guide], query, tools).calls[0] == update


def test_options_and_unknown_parameters_are_left_alone() -> None:
    tools = [
        bfcl_tool(
            "investment.invest",
            "Invest.",
            company={"type": "string", "enum": ["Google", "Apple"], "description": "Who."},
            amount={"type": "number", "description": "How much."},
        ),
        INVESTMENT[1],
    ]
    invest = call("investment.invest", company="Apple", amount=2000, note="Apple")
    withdraw = call("investment.withdraw", company="Apple", amount=1000)
    assert _given([invest, withdraw], INVEST_QUERY, tools).calls[0] == invest


def test_a_clause_is_not_cut_at_a_comma_inside_a_number() -> None:
    names = ToolNames(INVESTMENT)
    assert names.pieces("Invest $2,000 in Google and withdraw $1,000 from Apple") == [
        "Invest $2,000 in Google",
        "withdraw $1,000 from Apple",
    ]
    assert names.pieces("Invest $2000 in Google and take $1,000 to withdraw from Apple") == [
        "Invest $2000 in Google",
        "take $1,000 to withdraw from Apple",
    ]
    query = "Invest $2,000 in Google and withdraw $1,000 from Apple."
    given = _given([INVEST, WITHDRAW], query, INVESTMENT)
    assert given.calls[0].arguments["amount"] == 2000


@pytest.mark.parametrize(
    ("calls", "tools"),
    [([INVEST], INVESTMENT), ([INVEST, INVEST], INVESTMENT[:1])],
)
def test_one_call_or_one_tool_keeps_every_value(calls: list[ToolCall], tools: list[Tool]) -> None:
    assert _given(calls, INVEST_QUERY, tools).calls == calls


def test_a_call_whose_tool_no_piece_names_stays() -> None:
    query = "Put $2000 in Google and take $1000 from Apple."
    assert _given([INVEST, WITHDRAW], query, INVESTMENT).calls == [INVEST, WITHDRAW]


def test_many_tools_and_a_long_request_are_read_quickly() -> None:
    tools = [kind_tool(f"weather_kind{i}x", location="string") for i in range(3000)]
    tools += INVESTMENT
    query = "Invest $2000 in Google. " * 2000 + "Then withdraw $1000 from Apple."
    started = time.perf_counter()
    given = _given([INVEST, WITHDRAW], query, tools)
    assert time.perf_counter() - started < 5
    assert given.calls[1].arguments["company"] == "Apple"
    # an ask written on through thousands of sentences that name no tool
    query = "Invest $2000 in Google. " + "It was Monday. " * 3000 + "Withdraw $1000 from Apple."
    started = time.perf_counter()
    given = _given([INVEST, WITHDRAW], query, tools)
    assert time.perf_counter() - started < 5
    assert [c.arguments for c in given.calls] == [
        {"company": "Google", "amount": 2000},
        {"company": "Apple", "amount": 1000},
    ]


def _turn(*outputs: list[dict[str, Any]], **kw: Any) -> Any:
    backend = ScriptedBackend.calls(list(outputs), supports_constraint=True)
    request = listed_request(INVEST_QUERY, INVESTMENT, **kw)
    return anyio.run(lambda: turn_source(backend).next_turn(request))


@pytest.mark.parametrize("listed", [True, False])
def test_the_turn_gives_the_values_back_and_notes_them(listed: bool) -> None:
    # as the model wrote parallel_multiple_24: the withdrawal first, with Google; the draft
    # for the tool the request names that no call used (`investment.invest`) with 1000
    withdraw = call("investment.withdraw", company="Google", amount=1000)
    model_turn = _turn(_xlam([withdraw]), *[_xlam([INVEST])] * 3, listed_items=listed)
    calls = _xlam(model_turn.turn.calls)
    if listed:
        assert calls == [
            call("investment.withdraw", company="Apple", amount=1000).to_xlam(),
            call("investment.invest", company="Google", amount=2000).to_xlam(),
        ]
        assert model_turn.reshaped == (
            "investment.withdraw.company: 'Google' as 'Apple', its ask's",
            "investment.invest.amount: 1000 as 2000, its ask's",
        )
        assert model_turn.listed == 1
    else:  # the rules of `listed_items` are off
        assert calls == _xlam([withdraw])
        assert model_turn.reshaped == ()
