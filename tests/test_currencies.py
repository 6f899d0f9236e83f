"""The currencies the user named, as their codes, at the end of the money's way the user put
them (`lamagent.gate.currencies`), and the turns that apply it. The real engine is tested in
test_currencies_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lamagent.gate.currencies import currency_codes, said_currencies
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(name: str, **props: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": f"The {name} tool.",
            "parameters": {"type": "dict", "required": list(props), "properties": props},
        }
    )


_STRING = {"type": "string", "description": "A currency."}
_CONVERT = _tool(
    "convert",
    amount={"type": "number", "description": "How much."},
    from_currency=_STRING,
    to_currency=_STRING,
)
_RATE = _tool("rate", base_currency=_STRING, target_currency=_STRING)


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # the amount's currency is where the money starts; the asked-for one where it ends
        (
            "How many Canadian dollars can I get for 500 US dollars?",
            [("CAD", "end"), ("USD", "start")],
        ),
        ("the rate from British pounds to Japanese yen", [("GBP", "start"), ("JPY", "end")]),
        ("Convert 200 euros to US dollars.", [("EUR", "start"), ("USD", "end")]),
        # the words place one: the other is at the other end
        ("Swap 1.5 million yen into dollars", [("JPY", "start"), ("USD", "end")]),
        ("What are 300 Mexican pesos worth in dollars?", [("MXN", "start"), ("USD", "end")]),
        ("I have €200; what is it in yen?", [("EUR", "start"), ("JPY", "end")]),
        ("Exchange rupees for USD", [("INR", None), ("USD", None)]),
        ("Exchange from euros, then give me dollars", [("EUR", "start"), ("USD", "end")]),
        ("What is 40 EUR worth, in CHF", [("EUR", "start"), ("CHF", "end")]),
        ("Exchange 80 Swiss francs for euros", [("CHF", "start"), ("EUR", "end")]),
        # one currency at both ends, or two at one end: no end
        ("USD to AUD and USD to CAD", [("USD", None), ("AUD", None), ("USD", None), ("CAD", None)]),
        # a name inside a longer one is not read again; capitals only for codes
        ("a Hong Kong dollar", [("HKD", None)]),
        ("use the try method", []),
    ],
)
def test_said_currencies(text: str, said: list[tuple[str, str | None]]) -> None:
    assert [(c.code, c.end) for c in said_currencies(text)] == said


def test_invented_codes_become_the_named_currencies_at_their_ends() -> None:
    calls = [_call("rate", base_currency="BK", target_currency="JPY")]
    text = "Get the exchange rate from British pounds to Japanese yen."
    mended, notes = currency_codes(calls, [_RATE], text)
    assert mended[0].arguments == {"base_currency": "GBP", "target_currency": "JPY"}
    assert notes == ["rate.base_currency: 'BK' as GBP, the currency the user named"]
    assert mended[0].id == calls[0].id


def test_the_users_two_codes_the_other_way_round_are_put_back() -> None:
    calls = [_call("convert", amount=200, from_currency="USD", to_currency="EUR")]
    mended, _ = currency_codes(calls, [_CONVERT], "Convert 200 euros to US dollars.")
    assert mended[0].arguments == {"amount": 200, "from_currency": "EUR", "to_currency": "USD"}


def test_the_amounts_currency_is_the_start_though_named_last() -> None:
    calls = [_call("convert", amount=500, from_currency="C$", to_currency="C$")]
    text = "How many Canadian dollars can I get for 500 US dollars?"
    mended, _ = currency_codes(calls, [_CONVERT], text)
    assert mended[0].arguments["from_currency"] == "USD"
    assert mended[0].arguments["to_currency"] == "CAD"


def test_a_name_of_the_right_currency_becomes_its_code() -> None:
    calls = [_call("convert", amount=1, from_currency="Euro", to_currency="usd")]
    mended, notes = currency_codes(calls, [_CONVERT], "The rate from Euro to Dollar")
    assert mended[0].arguments == {"amount": 1, "from_currency": "EUR", "to_currency": "USD"}
    assert len(notes) == 2


def test_names_stay_where_the_parameter_shows_names() -> None:
    named = {"type": "string", "description": "The currency's name, e.g. 'Euro'."}
    tool = _tool("convert", from_currency=named, to_currency=named)
    calls = [_call("convert", from_currency="Euro", to_currency="BK")]
    mended, _ = currency_codes(calls, [tool], "from euros to British pounds")
    assert mended[0].arguments == {"from_currency": "Euro", "to_currency": "GBP"}


def test_no_end_no_change() -> None:
    calls = [
        _call("rate", base_currency="USD", target_currency="AUD"),
        _call("rate", base_currency="USD", target_currency="XX"),
    ]
    mended, notes = currency_codes(calls, [_RATE], "USD to AUD and USD to CAD")
    assert mended == calls
    assert notes == []


def test_a_parameter_of_no_end_takes_the_one_currency_named() -> None:
    tool = _tool("price", item=_STRING | {"description": "The item."}, currency=_STRING)
    calls = [_call("price", item="flight", currency="dollar sign")]
    mended, _ = currency_codes(calls, [tool], "How much is the flight, in euros?")
    assert mended[0].arguments == {"item": "flight", "currency": "EUR"}
    two, notes = currency_codes(calls, [tool], "The flight in euros or in pounds?")
    assert two == calls
    assert notes == []


def test_a_parameter_named_for_both_ends_is_of_neither() -> None:
    tool = _tool("rate", from_or_to_currency=_STRING)
    calls = [_call("rate", from_or_to_currency="BK")]
    mended, notes = currency_codes(calls, [tool], "from British pounds to yen")
    assert (mended, notes) == (calls, [])


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "enum": ["USD", "EUR", "C$"], "description": "A currency."},
        {"type": "integer", "description": "A currency's number."},
    ],
)
def test_enums_and_other_types_are_left_to_the_grammar(schema: dict[str, Any]) -> None:
    tool = _tool("rate", base_currency=schema, target_currency=_STRING)
    calls = [_call("rate", base_currency="C$", target_currency="JPY")]
    mended, _ = currency_codes(calls, [tool], "from Canadian dollars to yen")
    assert mended[0].arguments["base_currency"] == "C$"


def test_only_parameters_named_for_a_currency() -> None:
    tool = _tool("send", from_account=_STRING, to_account=_STRING)
    calls = [_call("send", from_account="savings", to_account="checking")]
    mended, _ = currency_codes(calls, [tool], "Send 50 dollars from savings to checking")
    assert mended == calls


def test_nothing_named_nothing_written() -> None:
    calls = [_call("rate", base_currency="BK", target_currency="JPY")]
    assert currency_codes(calls, [_RATE], "Get the exchange rate.") == (calls, [])


def test_a_long_request_is_read_in_linear_time() -> None:
    # every currency's words are read back a bounded way: a request of 100,000 characters
    # with 10,000 currencies in it is read at once, not in time that grows as its square
    text = "200 euros to USD and " * 5000
    started = time.perf_counter()
    said = said_currencies(text)
    assert len(said) == 10000
    assert time.perf_counter() - started < 5
