"""The identifier the user gave after an identifier's word (`lamagent.gate.given_ids`). The
real engine is tested in test_given_ids_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lamagent.gate.given_ids import SaidId, given_ids, said_ids
from lamagent.messages import ToolCall
from lamagent.tools import Tool


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("All pending mandates of Parath with ID U123?", ["U123"]),
        ("the DNA molecule with id `DNA123`.", ["DNA123"]),
        ("the building with building Id B1004 for 2nd, 3rd and 4th floors?", ["B1004"]),
        ("my gym session, which is event number 456123, to Thursday at 4:30 PM", ["456123"]),
        # a word that says what kind before the number word: the identifier after both
        ("the victim in the case docket numbered 2022/AL2562 in California?", ["2022/AL2562"]),
        ("order #A-778 and case No. 28473; zip code: 94105.", ["A-778", "28473", "94105"]),
        # a "#" the user wrote as part of the value after "is" stays with it
        ("status of my order? my order ID is #123, and the product", ["#123"]),
        # no digit, or "no" without its full stop: no identifier
        ("the id is abc, and there is no 2nd floor", []),
    ],
)
def test_said_ids(query: str, ids: list[str]) -> None:
    assert [said.value for said in said_ids(query)] == ids


def test_the_word_before_the_identifiers_word() -> None:
    assert said_ids("the order number 12345, then user ID U7") == [
        SaidId("12345", "order"),
        SaidId("U7", "user"),
    ]


def _tool(**props: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "get",
            "description": "Get a record.",
            "parameters": {"type": "dict", "required": list(props), "properties": props},
        }
    )


_ID = {"type": "string", "description": "The identifier."}
_NAME = {"type": "string", "description": "A name."}


def _given(value: Any, query: str, name: str = "user_id", **others: Any) -> Any:
    tool = _tool(**{name: _ID}, **dict.fromkeys(others, _NAME))
    call = ToolCall(name="get", arguments={name: value, **others})
    [out], notes = given_ids([call], [tool], query)
    assert out.id == call.id
    assert (out.arguments[name] == value) == (not notes)
    return out.arguments[name]


@pytest.mark.parametrize(
    ("value", "name", "query", "given"),
    [
        ("{user_id}", "user_id", "Active mandates of the user with ID U123456?", "U123456"),
        ("{{building_id}}}", "building_id", "the building with Id B1004", "B1004"),
        ("", "DNA_id", "the DNA molecule with id `DNA123`.", "DNA123"),
        ("event_456123", "event_identifier", "event number 456123, to Thursday", "456123"),
        ("string", "docket", "the case docket numbered 2022/AL2562", "2022/AL2562"),
    ],
)
def test_an_argument_holding_nothing_takes_the_given_id(
    value: str, name: str, query: str, given: str
) -> None:
    assert _given(value, query, name) == given


@pytest.mark.parametrize(
    ("value", "query"),
    [
        # the model's value is something of the user's, or another value
        ("U999", "the user with ID U123"),
        ("Parath", "mandates of Parath with ID U123"),
        ("account_U123_extra", "the user with ID U123"),
        # two identifiers given: which one?
        ("{user_id}", "the user with ID U123 or ID U456"),
        # none given
        ("{user_id}", "the user called Parath"),
    ],
)
def test_left_alone(value: str, query: str) -> None:
    assert _given(value, query) == value


def test_an_id_another_argument_holds_is_not_given_again() -> None:
    assert _given("", "ID U1 and then ID A7", account="U1") == "A7"
    assert _given("", "user ID U1", account="U1") == ""


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "description": "The identifier."},
        {"type": "string", "enum": ["x", "{user_id}"], "description": "The identifier."},
        {"type": "string", "pattern": "^U[0-9]+$", "description": "The identifier."},
    ],
)
def test_other_types_and_constrained_strings_are_the_grammars(schema: dict[str, Any]) -> None:
    tool = _tool(user_id=schema)
    call = ToolCall(name="get", arguments={"user_id": "{user_id}"})
    assert given_ids([call], [tool], "the user with ID U123")[0] == [call]


def test_only_parameters_named_for_an_identifier() -> None:
    tool = _tool(owner=_NAME)
    call = ToolCall(name="get", arguments={"owner": ""})
    assert given_ids([call], [tool], "the user with ID U123")[0] == [call]


def test_an_id_given_for_another_identifier_parameter_is_not_this_ones() -> None:
    tool = _tool(user_id=_ID, order_id=_ID)
    call = ToolCall(name="get", arguments={"user_id": "{user_id}"})
    # "order number 12345" is the order's: the user's id stays as the model wrote it
    assert given_ids([call], [tool], "Cancel order number 12345.")[0] == [call]
    # a word that names this parameter, or no other one, does not stand in the way
    for query in ("the user number 12345", "the account number 12345", "ID 12345"):
        [out], _ = given_ids([call], [tool], query)
        assert out.arguments["user_id"] == "12345"


def test_a_word_that_names_this_parameter_too_gives_it_here() -> None:
    tool = _tool(user_id=_ID, user_group_id=_ID)
    call = ToolCall(name="get", arguments={"user_id": ""})
    [out], _ = given_ids([call], [tool], "the user ID U7")
    assert out.arguments["user_id"] == "U7"


def test_a_word_that_names_any_other_parameter_takes_the_id_away() -> None:
    tool = _tool(user_id=_ID, order=_NAME)
    call = ToolCall(name="get", arguments={"user_id": "", "order": "latest"})
    assert given_ids([call], [tool], "the order number 12345")[0] == [call]


def test_a_long_request_is_read_in_linear_time() -> None:
    # the word before an identifier's word is read back a bounded way, not by a pattern that
    # tries every start inside a long word (100,000 letters took minutes that way)
    started = time.perf_counter()
    assert said_ids("a" * 100_000) == []
    assert len(said_ids("order number 5 " * 8000)) == 8000
    assert time.perf_counter() - started < 5
