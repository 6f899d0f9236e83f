"""Options of one parameter the user named together: one call per option where a call took one
(`lamagent.gate.listed_options`), and the turn that adds them (scripted backend: the loop's
side; the real engine's in `test_listed_options_gguf.py`)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, call, listed_request, schema_tool

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.listed_options import option_calls
from lamagent.messages import ToolCall
from lamagent.tools import Tool
from lamagent.turns import turn_source

EVENTS = bfcl_tool(
    "Events_3_FindEvents",
    "Find cultural events.",
    event_type={
        "type": "string",
        "description": "The category of the cultural event.",
        "enum": ["Music", "Theater", "Sports"],
    },
    city={"type": "string", "description": "The city."},
)
RAIN = bfcl_tool(
    "precipitation_stats",
    "Precipitation statistics of a place.",
    location={"type": "string", "description": "The place."},
    time_frame={
        "type": "string",
        "description": "The time frame.",
        "enum": ["six_months", "year", "five_years"],
    },
)
ROOTS = bfcl_tool(
    "solve_quadratic",
    "Solve a quadratic equation.",
    a={"type": "integer", "description": "The squared term's coefficient."},
    b={"type": "integer", "description": "The linear term's coefficient."},
    root_type={
        "type": "string",
        "description": "The roots to return: 'real' for real roots, 'complex' for complex roots.",
    },
)


def _events(query: str, *drafted: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    calls = [call("Events_3_FindEvents", **arguments) for arguments in drafted]
    return [c.arguments for c in option_calls(calls, query, [EVENTS], **kw)]


def test_each_option_named_with_the_one_a_call_took_gets_a_call() -> None:
    query = "Find any music concerts or theater plays happening in Los Angeles this weekend?"
    music = {"event_type": "Music", "city": "Los Angeles"}
    assert _events(query, music) == [music, {"event_type": "Theater", "city": "Los Angeles"}]


def test_options_of_several_words_follow_in_the_order_the_request_names_them() -> None:
    query = (
        "What are the precipitation statistics for the Amazon rainforest for the last six "
        "months, the last year, and the last five years?"
    )
    drafted = call("precipitation_stats", location="Amazon rainforest", time_frame="year")
    calls = option_calls([drafted], query, [RAIN])
    # "year" of "five years" names five_years, not year again
    assert [c.arguments["time_frame"] for c in calls] == ["year", "six_months", "five_years"]
    assert {c.arguments["location"] for c in calls} == {"Amazon rainforest"}


@pytest.mark.parametrize(
    "query",
    [
        "Find music, please. Theater and sports too?",  # another sentence
        "Find music for theater fans in Boston",  # no conjunction between
        "Find music events in Boston or theater",  # three words between
        "Find music, not theater, in Boston",  # a negation
        "Find events in Boston, whether it's music or theater",  # a choice
        "Find events in Boston: either music or theater",  # a choice
        "Find music and theater events, for Los Angeles and Boston respectively",  # pairs
    ],
)
def test_options_not_named_together_add_nothing(query: str) -> None:
    music = {"event_type": "Music", "city": "Los Angeles"}
    assert _events(query, music) == [music]


def test_the_options_named_where_the_call_took_its_values_are_read() -> None:
    query = (
        "The first equation has a = 2 and b = 5, and I want the roots, real or complex. "
        "The second has a = 1 and b = -3, and I only want the real roots."
    )
    first = call("solve_quadratic", a=2, b=5, root_type="real")
    second = call("solve_quadratic", a=1, b=-3, root_type="real")
    calls = option_calls([first, second], query, [ROOTS])
    assert [(c.arguments["a"], c.arguments["root_type"]) for c in calls] == [
        (2, "real"),
        (2, "complex"),
        (1, "real"),
    ]


def test_an_option_the_request_does_not_name_adds_nothing() -> None:
    query = "Precipitation in the Amazon rainforest for the last six months and five years"
    drafted = call("precipitation_stats", location="Amazon rainforest", time_frame="year")
    # the "years" of "five years" names five_years, not year
    assert option_calls([drafted], query, [RAIN]) == [drafted]


def test_names_of_the_option_in_sentences_alike_with_other_options_add_nothing() -> None:
    query = "I want the roots, real or complex. Then I only want the real roots."
    drafted = call("solve_quadratic", root_type="real")  # no other value tells the sentence
    assert option_calls([drafted], query, [ROOTS]) == [drafted]


def test_a_choice_in_another_clause_leaves_the_options_listed() -> None:
    query = "Tell me whether it rains, and find music or theater events in Boston"
    music = {"event_type": "Music", "city": "Boston"}
    assert _events(query, music) == [music, {"event_type": "Theater", "city": "Boston"}]


def test_options_the_model_enumerated_or_made_earlier_are_not_added_again() -> None:
    query = "Find any music, theater or sports events in Boston"
    music = {"event_type": "Music", "city": "Boston"}
    theater = {"event_type": "Theater", "city": "Boston"}
    assert _events(query, music, theater) == [music, theater]
    # an earlier step of the request took one: the model enumerates them itself
    made = [call("Events_3_FindEvents", **theater)]
    assert _events(query, music, made=made) == [music]
    # a call drafted twice gets each option once
    sports = {"event_type": "Sports", "city": "Boston"}
    assert _events(query, music, music) == [music, theater, sports, music]


def test_the_limit_holds_and_the_draft_is_never_cut() -> None:
    query = "Find any music, theater or sports events in Boston"
    music = {"event_type": "Music", "city": "Boston"}
    assert _events(query, music, limit=2) == [music, {"event_type": "Theater", "city": "Boston"}]
    assert _events(query, music, music, limit=1) == [music, music]


def test_options_of_stop_words_only_are_named_nowhere() -> None:
    status = bfcl_tool(
        "displayCarStatus",
        "Show a part's status.",
        option={"type": "string", "description": "The part.", "enum": ["on", "off", "fuel"]},
    )
    drafted = call("displayCarStatus", option="off")
    # the "on" of "my trip on Twitter" names no option beside "Off"
    query = "Post my trip on Twitter, expressing 'Off to Rome!', then show the fuel."
    assert option_calls([drafted], query, [status]) == [drafted]
    query = "Is the engine off, and the fuel low?"
    assert [c.arguments["option"] for c in option_calls([drafted], query, [status])] == [
        "off",
        "fuel",
    ]


def test_numbers_and_lists_of_options_are_left_alone() -> None:
    homes = bfcl_tool(
        "Homes_Search",
        "Search homes.",
        beds={"type": "string", "description": "Bedrooms.", "enum": ["1", "2", "3"]},
        kinds={
            "type": "array",
            "items": {"type": "string", "enum": ["house", "flat"]},
            "description": "Kinds of home.",
        },
    )
    drafted = call("Homes_Search", beds="3", kinds=["house"])
    query = "A house or flat with at least 3 bedrooms and 2 bathrooms"
    assert option_calls([drafted], query, [homes]) == [drafted]


def test_many_options_and_a_long_request_are_read_quickly() -> None:
    options = [f"kind{i} style" for i in range(2000)]
    tool = bfcl_tool(
        "t", "A tool.", kind={"type": "string", "description": "A kind.", "enum": options}
    )
    query = "Find music. " * 3000 + "Find kind1 style or kind2 style."
    started = time.perf_counter()
    calls = option_calls([call("t", kind="kind1 style")], query, [tool])
    assert [c.arguments["kind"] for c in calls] == ["kind1 style", "kind2 style"]
    # options named together thousands of times, and a chain of them thousands long
    query = "Find music and theater in Boston. " * 3000 + ", ".join(["sports"] * 3000)
    music = {"event_type": "Music", "city": "Boston"}
    assert _events(query, music) == [music, {"event_type": "Theater", "city": "Boston"}]
    assert time.perf_counter() - started < 5


def _turn(tools: list[Tool], query: str, *outputs: list[dict[str, Any]], **kw: Any) -> Any:
    backend = ScriptedBackend.calls(list(outputs), supports_constraint=True)
    request = listed_request(query, tools, **kw)
    return anyio.run(lambda: turn_source(backend).next_turn(request))


@pytest.mark.parametrize("listed", [True, False])
def test_the_turn_adds_the_calls_and_counts_them(listed: bool) -> None:
    query = "Find any music concerts or theater plays happening in Boston?"
    music = call("Events_3_FindEvents", event_type="Music", city="Boston")
    model_turn = _turn([EVENTS], query, [music.to_xlam()], listed_items=listed)
    types = [c.arguments["event_type"] for c in model_turn.turn.calls]
    assert types == (["Music", "Theater"] if listed else ["Music"])
    assert model_turn.listed == (1 if listed else 0)


MANDATES = schema_tool(
    "user.mandates",
    {
        "name": {"type": "string", "description": "The user's full name."},
        "status": {
            "type": "string",
            "description": "The status of the mandates.",
            "enum": ["active", "pending", "inactive"],
            "default": "active",
        },
    },
    ["name"],
)


def test_an_option_at_its_default_is_the_call_that_leaves_it_out() -> None:
    # BFCL live_parallel_multiple_23: "pending and active", drafted with "pending" and
    # without a status (active by default): both options are asked already
    query = "I need all pending and active mandates of users parath and bhanu"
    drafted = [
        ToolCall(name="user.mandates", arguments={"name": "parath"}),
        ToolCall(name="user.mandates", arguments={"name": "parath", "status": "pending"}),
    ]
    assert option_calls(drafted, query, [MANDATES]) == drafted
    # drafted with "pending" alone, "active" is still asked for
    pending = option_calls([drafted[1]], query, [MANDATES])
    assert [c.arguments.get("status") for c in pending] == ["pending", "active"]
