"""Asks joined within one sentence (`lamagent.gate.joined`): the clauses a join opens, those no
call took from, and the turn that drafts each on its own (scripted backend: the loop's side;
the engine's is tests/test_joined_gguf.py)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.joined import joined_clauses, request_clauses
from lamagent.messages import ToolCall
from lamagent.tools import Tool
from lamagent.turns import TurnRequest, turn_source


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def _money(name: str, description: str) -> Tool:
    return bfcl_tool(
        name,
        description,
        company={"type": "string", "description": "The company."},
        amount={"type": "number", "description": "The amount."},
    )


def _numbers(name: str, description: str, *parameters: str) -> Tool:
    return bfcl_tool(
        name,
        description,
        **{p: {"type": "integer", "description": f"The {p}."} for p in parameters},
    )


INVEST = _money("investment.invest", "Invest an amount in a company.")
WITHDRAW = _money("investment.withdraw", "Withdraw an amount from a company.")
FACTORIAL = _numbers("calculate_factorial", "The factorial of a number.", "number")
PRIMES = _numbers("generate_prime", "The prime numbers in a range.", "start", "end")
TOOLS: list[Tool] = [INVEST, WITHDRAW, FACTORIAL, PRIMES]


@pytest.mark.parametrize(
    ("query", "clauses"),
    [
        # a verb that asks, after "and"
        (
            "Calculate the factorial of 8 and generate the prime numbers from 1 to 50.",
            [["Calculate the factorial of 8", "generate the prime numbers from 1 to 50."]],
        ),
        # a question's word; ", then"; "and then"; "and also"
        (
            "How far is it to Paris and how long does it take?",
            [["How far is it to Paris", "how long does it take?"]],
        ),
        (
            "Paint it blue, then show it for 30 seconds",
            [["Paint it blue", "show it for 30 seconds"]],
        ),
        ("Book a room and then find a cab", [["Book a room", "find a cab"]]),
        ("Sell in 2019, Also list those of 2018", [["Sell in 2019", "list those of 2018"]]),
        ("Book a room and also could you find a cab", [["Book a room", "could you find a cab"]]),
        # a word of an offered tool's name that is no verb of the list
        (
            "Invest $2000 in Google and withdraw $1000 from Apple.",
            [["Invest $2000 in Google", "withdraw $1000 from Apple."]],
        ),
        # no join: values or names joined by "and", "can" without "you", a join of one sentence
        ("Find the primes between 1 and 50.", [["Find the primes between 1 and 50."]]),
        ("Find Italian and Chinese restaurants.", [["Find Italian and Chinese restaurants."]]),
        ("Tins and cans and can openers", [["Tins and cans and can openers"]]),
        # a verb joined to a word is no verb ("check-out")
        (
            "Book it with check-in on May 1 and check-out on May 5",
            [["Book it with check-in on May 1 and check-out on May 5"]],
        ),
        (
            "Find cafes in Rome. And find bars in Oslo",
            [["Find cafes in Rome."], ["And find bars in Oslo"]],
        ),
    ],
)
def test_request_clauses(query: str, clauses: list[list[str]]) -> None:
    assert request_clauses(query, TOOLS) == clauses


def test_a_tool_names_word_opens_an_ask_only_when_offered() -> None:
    query = "Invest $2000 in Google and withdraw $1000 from Apple."
    assert request_clauses(query, [INVEST]) == [[query]]


def test_only_the_word_a_tool_name_opens_with_opens_an_ask() -> None:
    # BFCL simple_python_394: "duration" is a word of the tool's name, a thing, not an ask
    maps = bfcl_tool(
        "maps.get_distance_duration",
        "The distance and the time between two places.",
        start_location={"type": "string", "description": "Where from."},
    )
    query = "Tell me the distance and duration from the Eiffel Tower to the Louvre Museum"
    assert request_clauses(query, [maps]) == [[query]]
    assert request_clauses("Distances and duration", [maps, WITHDRAW]) == [
        ["Distances and duration"]
    ]


INVEST_QUERY = "Invest $2000 in Google and withdraw $1000 from Apple."


def test_joined_clauses_are_those_no_call_took_from() -> None:
    withdraw = _call("investment.withdraw", company="Apple", amount=1000)
    assert joined_clauses([withdraw], INVEST_QUERY, TOOLS) == ["Invest $2000 in Google"]
    invest = _call("investment.invest", company="Google", amount=2000)
    assert joined_clauses([invest], INVEST_QUERY, TOOLS) == ["withdraw $1000 from Apple."]
    assert joined_clauses([invest, withdraw], INVEST_QUERY, TOOLS) == []
    # a sentence of one clause is the rules' for sentences, not this one's
    assert joined_clauses([], "Invest $2000 in Google.", TOOLS) == []
    query = f"Find cafes in Rome. {INVEST_QUERY}"
    assert joined_clauses([withdraw], query, TOOLS) == ["Invest $2000 in Google"]


def test_no_clause_is_asked_where_the_calls_hold_nothing_of_the_request() -> None:
    # a draft of its own (a number nobody wrote) answered no ask
    invented = _call("investment.withdraw", company="", amount=12345)
    assert joined_clauses([invented], INVEST_QUERY, TOOLS) == []
    # a mangled value took from no clause, but holds a word of the request: an ask answered
    mangled = _call("investment.withdraw", company="Apple Inc, 1,000,000", amount=1)
    assert joined_clauses([mangled], INVEST_QUERY, TOOLS) == [
        "Invest $2000 in Google",
        "withdraw $1000 from Apple.",
    ]
    # a string of no word of the request holds nothing of it
    other = _call("investment.withdraw", company="Alphabet", amount=1)
    assert joined_clauses([other], INVEST_QUERY, TOOLS) == []


@pytest.mark.parametrize(
    ("clause", "asked"),
    [
        ("withdraw $1000", True),  # a digit
        ("withdraw it from 'savings'", True),  # a quoted string
        ("withdraw it from Apple", True),  # a capitalised word after the first
        ("withdraw it all", False),  # nothing a call could hold
        ("Withdraw it all", False),  # the clause's first word is no value
        ("how much do I have", False),  # "I" is no name
    ],
)
def test_a_clause_that_writes_no_value_is_not_asked(clause: str, asked: bool) -> None:
    invest = _call("investment.invest", company="Google", amount=2000)
    query = f"Invest $2000 in Google and {clause}"
    assert joined_clauses([invest], query, TOOLS) == ([clause] if asked else [])


FACTORIAL_QUERY = "Calculate the factorial of 8 and generate the prime numbers from 1 to 50."
PRIMES_CALL = {"name": "generate_prime", "arguments": {"start": 1, "end": 50}}
FACTORIAL_CALL = {"name": "calculate_factorial", "arguments": {"number": 8}}


def _request(query: str, **kw: Any) -> TurnRequest:
    return listed_request(query, TOOLS, **kw)


def test_a_joined_clause_is_drafted_on_its_own() -> None:
    backend = ScriptedBackend.calls([[PRIMES_CALL], [FACTORIAL_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(FACTORIAL_QUERY)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [PRIMES_CALL, FACTORIAL_CALL]
    assert model_turn.listed == 1
    second = backend.requests[1][0]
    assert "Calculate the factorial of 8" in second  # asked as a request of its own
    assert "from 1 to 50" not in second


@pytest.mark.parametrize("kw", [{"listed_items": False}, {"max_calls": 1}])
def test_joined_clauses_off_or_bounded_by_max_calls(kw: dict[str, Any]) -> None:
    backend = ScriptedBackend.calls([[PRIMES_CALL], [FACTORIAL_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(FACTORIAL_QUERY, **kw)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [PRIMES_CALL]
    assert len(backend.requests) == 1


def test_a_draft_with_nothing_of_its_clause_adds_no_call() -> None:
    again = {"name": "generate_prime", "arguments": {"start": 1, "end": 50}}
    # the clause's draft, then the factorial's tool the request names (`named_asks`), on its
    # clause and on the whole request: a number nobody wrote, each time
    invented = {"name": "calculate_factorial", "arguments": {"number": 9}}
    scripted = [[PRIMES_CALL], [again], [invented], [invented]]
    backend = ScriptedBackend.calls(scripted, supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(FACTORIAL_QUERY)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [PRIMES_CALL]
    assert len(backend.requests) == 4 and model_turn.listed == 0


def test_a_clause_of_a_sentence_asked_whole_is_not_asked_again() -> None:
    # the second sentence writes a number no call holds: the rule for a sentence of its own
    # asks it whole, and its clauses are not asked besides
    query = "Find the primes from 1 to 50. Calculate the factorial of 8 and generate 5 primes."
    backend = ScriptedBackend.calls([[PRIMES_CALL], [FACTORIAL_CALL]], supports_constraint=True)
    anyio.run(lambda: turn_source(backend).next_turn(_request(query)))
    assert len(backend.requests) == 2
    assert "Calculate the factorial of 8 and generate 5 primes." in backend.requests[1][0]
