"""A name nobody wrote takes the one name of its parameter's kind the user wrote
(`lamagent.gate.kind_names`). The real engine is tested in test_kind_names_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest

from lamagent.gate.kind_names import kind_names
from lamagent.messages import ToolCall
from lamagent.tools import Tool

RANKING = Tool.from_spec(  # BFCL simple_python_319
    {
        "name": "sports_ranking",
        "description": "Fetch the ranking of a specific sports team in a specific league.",
        "parameters": {
            "type": "dict",
            "properties": {
                "team": {"type": "string", "description": "The name of the team."},
                "league": {"type": "string", "description": "The name of the league."},
                "division": {"type": "string", "enum": ["North", "South League"]},
                "season": {"type": "integer", "description": "The season."},
            },
            "required": ["team", "league"],
        },
    }
)
ASK = "What is the ranking of Manchester United in Premier League?"


def _named(value: Any, query: str = ASK, **others: Any) -> tuple[Any, list[str]]:
    arguments = {"team": "Manchester United", "league": value, **others}
    call = ToolCall(name="sports_ranking", arguments=arguments)
    [out], notes = kind_names([call], [RANKING], query, [query])
    assert out.id == call.id
    assert {k: v for k, v in out.arguments.items() if k != "league"} == {
        k: v for k, v in arguments.items() if k != "league"
    }
    return out.arguments["league"], notes


@pytest.mark.parametrize(
    ("value", "query"),
    [
        ("Ligue 1", ASK),
        ("League of Nations", ASK),
        ("Serie A", ASK),
        ("the Bundesliga", ASK),
        # one name, case aside; the kind alone at a sentence's start names none
        ("Ligue 1", "Ranking in the premier league, in the Premier League"),
        ("Ligue 1", "Ranking in Premier League. League Two also"),
    ],
)
def test_a_name_nobody_wrote_takes_the_users_name_of_its_kind(value: str, query: str) -> None:
    taken, notes = _named(value, query)
    assert taken == "Premier League"
    assert notes == [
        f"sports_ranking.league: {value!r} is written nowhere, as 'Premier League', the name "
        "of its kind the user wrote"
    ]


@pytest.mark.parametrize(
    ("value", "query"),
    [
        ("Premier League", ASK),  # the user's already
        ("Manchester League", ASK),  # a word of the user's: not made up whole
        ("Premiership", "What is the ranking of Manchester United in the league?"),  # lower case
        ("Ligue 1", "What is the ranking of Manchester United? League tables, please"),  # alone
        ("Ligue 1", "Is it in Premier League or in Scottish League?"),  # two names
        (7, ASK),  # no string
    ],
)
def test_left_alone(value: Any, query: str) -> None:
    assert _named(value, query) == (value, [])


def test_another_argument_holding_the_name_keeps_it() -> None:
    assert _named("Ligue 1", team="Premier League Champions")[0] == "Ligue 1"


def test_the_article_before_a_name_is_no_part_of_it() -> None:
    tool = Tool.from_spec(
        {
            "name": "hotel_booking",
            "description": "Book a hotel.",
            "parameters": {
                "type": "dict",
                "properties": {"hotel_name": {"type": "string", "description": "The hotel."}},
                "required": ["hotel_name"],
            },
        }
    )
    call = ToolCall(name="hotel_booking", arguments={"hotel_name": "Grand Budapest"})
    # "Book", capitalised as a sentence's first word, is no part of it either
    for query in ("Book a room at The Plaza Hotel in New York", "Book The Plaza Hotel tonight"):
        [out], _ = kind_names([call], [tool], query, [query])
        assert out.arguments == {"hotel_name": "Plaza Hotel"}


def test_an_enum_is_the_grammars() -> None:
    tool = Tool.from_spec(
        {
            "name": "sports_ranking",
            "description": "A team's ranking.",
            "parameters": {
                "type": "dict",
                "properties": {"league": {"type": "string", "enum": ["Ligue 1", "Serie A"]}},
                "required": ["league"],
            },
        }
    )
    call = ToolCall(name="sports_ranking", arguments={"league": "Ligue 1"})
    assert kind_names([call], [tool], ASK, [ASK]) == ([call], [])


def test_a_long_request_is_read_quickly() -> None:
    query = "The club plays in Premier League, week after week. " * 5000
    call = ToolCall(name="sports_ranking", arguments={"team": "x", "league": "Ligue 1"})
    started = time.perf_counter()
    out, _ = kind_names([call] * 200, [RANKING], query, [query])
    assert time.perf_counter() - started < 5.0
    assert {c.arguments["league"] for c in out} == {"Premier League"}
