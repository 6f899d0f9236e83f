"""Calls that took another tool's ask (`lamagent.gate.other_asks`): which calls are left out,
and the turn that leaves them out after its drafts (scripted backend: the loop's side; the
engine's is tests/test_other_asks_gguf.py)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from turn_helpers import call, kind_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.other_asks import other_asks
from lamagent.messages import ToolCall
from lamagent.tools import Tool
from lamagent.turns import turn_source


def _left_out(calls: list[ToolCall], query: str, tools: list[Tool]) -> list[ToolCall]:
    kept, dropped = other_asks(calls, query, tools)
    assert [c for c in calls if c in kept or c in dropped] == calls  # each once, in order
    assert [c for c in calls if c in kept] == kept
    return dropped


INTEGRALS = [
    kind_tool(
        "math.gaussian_integral", function="string", lower_limit="float", upper_limit="float"
    ),
    kind_tool(
        "math.definite_integral", function="string", lower_limit="float", upper_limit="float"
    ),
]
INTEGRAL_QUERY = (
    "Perform Gaussian integral of the function exp(-x^2) from -2 to 2. "
    "Also calculate the definite integral from 0 to 3.1416 of sin(x)."
)
GAUSS = call("math.gaussian_integral", function="exp(-x^2)", lower_limit=-2, upper_limit=2)
DEFINITE = call("math.definite_integral", function="sin(x)", lower_limit=0, upper_limit=3.1416)
TOURED = call("math.definite_integral", function="exp(-x^2)", lower_limit=2, upper_limit=2)


def test_a_tool_called_on_another_tools_clause_is_left_out() -> None:
    calls = [TOURED, DEFINITE, GAUSS]
    assert _left_out(calls, INTEGRAL_QUERY, INTEGRALS) == [TOURED]


def test_numbers_written_in_words_say_whose_clause_a_call_read() -> None:
    tools = [
        kind_tool("math_toolkit.sum_of_multiples", lower_limit="integer", multiples="array"),
        kind_tool("math_toolkit.product_of_primes", count="integer"),
    ]
    query = (
        "Find the sum of all the multiples of 3 and 5 between 1 and 1000. "
        "Also find the product of the first five prime numbers."
    )
    summed = call("math_toolkit.sum_of_multiples", lower_limit=1, multiples=[3, 5])
    three = call("math_toolkit.product_of_primes", count=3)
    five = call("math_toolkit.product_of_primes", count=5)
    assert _left_out([summed, three, five], query, tools) == [three]
    assert _left_out([summed, five, three], query, tools) == [three]


def test_a_tool_whose_every_call_reads_another_tools_clause_keeps_them() -> None:
    # nothing says which of them is the call the user asked the tool for
    calls = [TOURED, GAUSS]
    assert _left_out(calls, INTEGRAL_QUERY, INTEGRALS) == []


def test_a_clause_naming_the_calls_own_tool_keeps_it() -> None:
    query = (
        "Perform Gaussian integral and definite integral of the function exp(-x^2) from -2 "
        "to 2. Also calculate the definite integral from 0 to 3.1416 of sin(x)."
    )
    assert _left_out([TOURED, DEFINITE, GAUSS], query, INTEGRALS) == []


def test_values_no_call_of_the_named_tool_holds_keep_the_call() -> None:
    gauss = call("math.gaussian_integral", function="exp(-x)", lower_limit=5, upper_limit=6)
    assert _left_out([TOURED, DEFINITE, gauss], INTEGRAL_QUERY, INTEGRALS) == []


def test_a_clause_that_names_no_tool_keeps_the_call() -> None:
    query = (
        "Take the function exp(-x^2) from -2 to 2 with the Gaussian integral. "
        "Also calculate the definite integral from 0 to 3.1416 of sin(x). "
        "Then integrate exp(-x^2) from 2 to 2."
    )
    # the third sentence writes its values as often as the first, and names no tool
    assert _left_out([TOURED, DEFINITE, GAUSS], query, INTEGRALS) == []


def test_an_ask_written_on_in_a_sentence_that_names_no_tool_is_its_tools() -> None:
    tools = [
        kind_tool("math.gcd", a="integer", b="integer"),
        kind_tool("math.lcm", a="integer", b="integer"),
    ]
    query = "Find the GCD of 96 and 128. Then the LCM of two numbers. They are 15 and 25."
    gcd, lcm = call("math.gcd", a=96, b=128), call("math.lcm", a=15, b=25)
    toured = call("math.gcd", a=15, b=25)
    # "They are 15 and 25." names no tool: the LCM's ask, written on
    assert _left_out([gcd, lcm, toured], query, tools) == [toured]
    # written on after the GCD's ask, the numbers are the GCD's, and the call stays
    apart = "Find the GCD of 96 and 128. 15 and 25 are numbers. Then the LCM of them."
    assert _left_out([gcd, lcm, toured], apart, tools) == []


def test_a_call_of_no_value_of_the_request_is_kept() -> None:
    bare = call("math.definite_integral", function="cos(y)", lower_limit=7, upper_limit=8)
    assert _left_out([bare, DEFINITE, GAUSS], INTEGRAL_QUERY, INTEGRALS) == []


@pytest.mark.parametrize(
    "query",
    [
        "Gaussian integral of exp(-x^2) from -2 to 2 beside the definite integral of sin(x)",
        "",
    ],
)
def test_a_request_of_one_clause_keeps_every_call(query: str) -> None:
    assert _left_out([TOURED, DEFINITE, GAUSS], query, INTEGRALS) == []


def test_one_call_or_one_tool_keeps_every_call() -> None:
    assert _left_out([TOURED], INTEGRAL_QUERY, INTEGRALS) == []
    assert _left_out([TOURED, DEFINITE], INTEGRAL_QUERY, INTEGRALS[1:]) == []


def test_strings_say_whose_clause_a_call_read() -> None:
    tools = [
        kind_tool("geology.get_era", era_name="string"),
        kind_tool("history.get_event_date", event_name="string"),
    ]
    query = (
        "Could you tell me the estimated date of the Jurassic geological era? Also, could you "
        "provide the date of the signing of the Magna Carta in history?"
    )
    jurassic = call("geology.get_era", era_name="Jurassic")
    toured = call("geology.get_era", era_name="Magna Carta")
    signed = call("history.get_event_date", event_name="magna carta")  # case aside
    assert _left_out([jurassic, toured, signed], query, tools) == [toured]


def test_many_tools_and_a_long_request_are_read_quickly() -> None:
    tools = [kind_tool(f"weather_kind{i}x", location="string") for i in range(3000)]
    tools += [kind_tool(f"tool_{word}", location="string") for word in ("rain", "snow")]
    query = "Get the rain forecast for Oslo. " * 2000 + "Also get the snow forecast for Rome."
    calls = [
        call("tool_rain", location="Oslo"),
        call("tool_rain", location="Rome"),
        call("tool_snow", location="Rome"),
    ]
    started = time.perf_counter()
    assert _left_out(calls, query, tools) == [calls[1]]
    assert time.perf_counter() - started < 5


def _turn(*outputs: list[dict[str, Any]], **kw: Any) -> Any:
    backend = ScriptedBackend.calls(list(outputs), supports_constraint=True)
    request = listed_request(INTEGRAL_QUERY, INTEGRALS, **kw)
    return anyio.run(lambda: turn_source(backend).next_turn(request))


@pytest.mark.parametrize("listed", [True, False])
def test_the_turn_leaves_the_call_out_and_records_it(listed: bool) -> None:
    model_turn = _turn([c.to_xlam() for c in (GAUSS, DEFINITE, TOURED)], listed_items=listed)
    calls = [c.to_xlam() for c in model_turn.turn.calls]
    if listed:
        assert calls == [GAUSS.to_xlam(), DEFINITE.to_xlam()]
        assert [c.to_xlam() for c in model_turn.unasked] == [TOURED.to_xlam()]
    else:  # the rules of `listed_items` are off
        assert calls == [c.to_xlam() for c in (GAUSS, DEFINITE, TOURED)]
        assert model_turn.unasked == ()


def test_values_held_by_a_tool_the_clause_does_not_name_keep_the_call() -> None:
    riemann = kind_tool("math.riemann_sum", function="string", lower_limit="float")
    summed = call("math.riemann_sum", function="exp(-x^2)", lower_limit=-2)
    gauss = call("math.gaussian_integral", function="exp(-x)", lower_limit=5, upper_limit=6)
    calls = [TOURED, DEFINITE, gauss, summed]
    assert _left_out(calls, INTEGRAL_QUERY, [*INTEGRALS, riemann]) == []


def test_a_clause_naming_two_tools_is_read_as_two_pieces() -> None:
    tools = [
        kind_tool("gcd", num1="integer", num2="integer"),
        kind_tool("lcm", num1="integer", num2="integer"),
    ]
    query = (
        "Calculate the Greatest Common Divisor (GCD) of 96 and 128, and the least common "
        "multiple (LCM) of 15 and 25."
    )
    lcm = call("lcm", num1=15, num2=25)
    toured = call("lcm", num1=96, num2=128)
    gcd = call("gcd", num1=96, num2=128)
    assert _left_out([lcm, toured, gcd], query, tools) == [toured]


def test_a_tool_of_another_domain_called_on_the_others_sentence_is_left_out() -> None:
    tools = [
        kind_tool("restaurant.reserve", venue="string", city="string"),
        kind_tool("flight.reserve", origin="string", destination="string"),
    ]
    query = "Reserve a table at Nobu in Miami. Then reserve a flight from Boston to Denver."
    table = call("restaurant.reserve", venue="Nobu", city="Miami")
    flight = call("flight.reserve", origin="Boston", destination="Denver")
    toured = call("restaurant.reserve", venue="Boston", city="Denver")
    assert _left_out([table, flight, toured], query, tools) == [toured]
    # a second table the user asked for in the flight's sentence stays: its values are its own
    query = "Reserve a table at Nobu in Miami. Then reserve a flight to Denver and a table at Zuma."
    zuma = call("restaurant.reserve", venue="Zuma", city="Denver")
    flight = call("flight.reserve", origin="Miami", destination="Denver")
    assert _left_out([table, flight, zuma], query, tools) == []


def test_a_call_of_no_value_stays_where_every_piece_names_another_tool() -> None:
    query = (
        "Gaussian integral of exp(-x^2) from -2 to 2. Also the Gaussian one of sin(x) from 0 to 1."
    )
    definite = call("math.definite_integral", function="sin(x)", lower_limit=0, upper_limit=1)
    bare = call("math.definite_integral", function="cos(y)", lower_limit=7, upper_limit=8)
    assert _left_out([GAUSS, definite, bare], query, INTEGRALS) == []
