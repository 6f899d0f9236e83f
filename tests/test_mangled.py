"""A name the model began copying and then wrote its own (`lamagent.gate.mangled`). The real
engine is tested in test_mangled_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import bfcl_tool, call, gate_draft, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.mangled import mangled_names
from lamagent.messages import ToolCall
from lamagent.tools import Tool

SCULPTURE = bfcl_tool(
    "get_sculpture_value",
    "Retrieve the current market value of a particular sculpture by a specific artist.",
    sculpture={"type": "string", "description": "The name of the sculpture."},
    artist={"type": "string", "description": "The name of the artist who created the sculpture."},
)
RODIN = "What is the value of the sculpture 'The Thinker' by Rodin?"
SPORTS = bfcl_tool(
    "sports_stats",
    "Get a player's statistics.",
    player_name={"type": "string", "description": "Name of the player."},
    tournament={"type": "string", "description": "Name of the tournament."},
)


def _named(
    arguments: dict[str, Any], query: str, tool: Tool = SCULPTURE, sources: tuple[str, ...] = ()
) -> tuple[dict[str, Any], list[str]]:
    drafted = call(tool.name, **arguments)
    [out], notes = mangled_names([drafted], [tool], (query, *sources), query)
    assert out.id == drafted.id
    return dict(out.arguments), notes


def _place(parameter: str = "location", **extra: Any) -> Tool:
    return bfcl_tool(
        "find_restaurant",
        "Locate nearby restaurants.",
        **{parameter: {"type": "string", "description": "Where to search.", **extra}},
    )


@pytest.mark.parametrize(
    ("value", "query", "named"),
    [
        # BFCL simple_python_266, _364, _305 (as the embedded model drafted them)
        ("Rousseau", RODIN, "Rodin"),
        ("Bronx", "Can I find an Italian restaurant near Brooklyn?", "Brooklyn"),
        ("Machete", "The overall goals of soccer player Messi", "Messi"),
        # a quoted name the user wrote; a name of several words
        ("Taliban", "Weather in 'Tel Aviv' now?", "Tel Aviv"),
        ("Sonoma Valley", "Restaurants in San Francisco please", "San Francisco"),
    ],
)
def test_a_name_that_opens_as_the_users_is_the_users(value: str, query: str, named: str) -> None:
    parameter = "artist" if query == RODIN else "location"
    tool = SCULPTURE if query == RODIN else _place()
    arguments = {"sculpture": "The Thinker", "artist": value} if query == RODIN else {}
    arguments[parameter] = value
    out, notes = _named(arguments, query, tool)
    assert out[parameter] == named
    assert notes == [
        f"{tool.name}.{parameter}: {value!r} as {named!r}, the name the user wrote that it opens as"
    ]
    assert {k: v for k, v in out.items() if k != parameter} == {
        k: v for k, v in arguments.items() if k != parameter
    }


@pytest.mark.parametrize(
    ("value", "query"),
    [
        # the model's reading of the user's word: a nickname, a typo, initials
        ("Philadelphia", "Concerts in Philly on Wednesday"),
        ("Chicago", "Restaurants in Chcicago"),
        ("Chicago, IL", "Flights to Chi-town tomorrow"),
        ("New York City", "Restaurants near NYC"),
        ("Persia", "The Persian Empire and its kings"),
        # a word the conversation writes, in any form, or the tool's description
        ("Brooklyn Heights", "Restaurants near Brooklyn"),
        ("Cardiology", "Find a cardiologist in Chicago"),  # BFCL parallel_multiple_103
        ("Restaurants", "Restaurants near Brooklyn"),
        ("Nearby", "Restaurants in Newark"),  # the tool's description: "Locate nearby ..."
        ("Searchlight", "Restaurants in Seattle"),  # the parameter's: "Where to search."
        # a name that opens with no unheld name's letter; codes; no capital
        ("Seattle", "Restaurants near Brooklyn"),
        ("BKN", "Restaurants near Brooklyn"),
        ("bronx", "Restaurants near Brooklyn"),
        ("", "Restaurants near Brooklyn"),
        # two names of the user's open with the letter: which one is open
        ("Bronx", "Restaurants near Brooklyn or Boston"),
    ],
)
def test_left_alone(value: str, query: str) -> None:
    out, notes = _named({"location": value}, query, _place())
    assert out["location"] == value and notes == []


def test_a_word_a_tool_result_wrote_is_written() -> None:
    query = "Find a restaurant near Brooklyn."
    result = '{"neighbourhoods": ["Bronx", "Queens"]}'
    assert _named({"location": "Bronx"}, query, _place(), (result,))[0]["location"] == "Bronx"
    assert _named({"location": "Bronx"}, query, _place())[0]["location"] == "Brooklyn"


@pytest.mark.parametrize("extra", [{"enum": ["Bronx", "Brooklyn"]}, {"pattern": "^[A-Z]"}])
def test_a_parameter_the_grammar_keeps(extra: dict[str, Any]) -> None:
    out, _ = _named({"location": "Bronx"}, "Restaurants near Brooklyn", _place(**extra))
    assert out["location"] == "Bronx"


def test_a_name_a_value_holds_or_holds_a_part_of_is_taken() -> None:
    query = "Goals of Messi in La Liga 2020-2021"
    # "La Liga" holds a part of "La Liga 2020-2021": the one name left is "Messi"
    out, _ = _named({"player_name": "Lionel", "tournament": "La Liga"}, query, SPORTS)
    assert out == {"player_name": "Lionel", "tournament": "La Liga"}  # "L" opens no name left
    out, _ = _named({"player_name": "Machete", "tournament": "La Liga"}, query, SPORTS)
    assert out["player_name"] == "Messi"
    # a number the calls hold is no part of a name: "2020" leaves "La Liga 2020-2021" open
    season = bfcl_tool(
        "season_stats",
        "Statistics of a season.",
        league={"type": "string", "description": "The league."},
        year={"type": "integer", "description": "The year."},
    )
    out, _ = _named({"league": "Lunar", "year": 2020}, query, season)
    assert out["league"] == "La Liga 2020-2021"


def test_two_values_that_open_as_one_name_are_left() -> None:
    query = "Goals of Messi in the cup"
    arguments = {"player_name": "Machete", "tournament": "Mascara"}
    assert _named(arguments, query, SPORTS) == (arguments, [])


def test_a_name_another_call_holds_is_taken() -> None:
    tool = _place()
    calls = [call(tool.name, location="Berlin"), call(tool.name, location="Bamberg")]
    query = "Concerts in Berlin and Paris"
    out, notes = mangled_names(calls, [tool], (query,), query)
    assert [c.arguments["location"] for c in out] == ["Berlin", "Bamberg"] and notes == []


@pytest.mark.parametrize("shapes", [True, False])
def test_the_turn_holds_the_users_name_with_example_shapes(shapes: bool) -> None:
    drafted = ToolCall(
        name=SCULPTURE.name, arguments={"sculpture": "The Thinker", "artist": "Rousseau"}
    )
    backend = ScriptedBackend.calls([[drafted]], supports_constraint=True)
    model_turn = one_turn(backend, RODIN, [SCULPTURE], example_shapes=shapes)
    assert model_turn.turn.calls[0].arguments["artist"] == ("Rodin" if shapes else "Rousseau")
    assert any("'Rodin'" in note for note in model_turn.reshaped) == shapes


def test_a_month_or_a_weekday_is_no_name_to_copy() -> None:
    genre = bfcl_tool(
        "concert_find",
        "Find concerts.",
        genre={"type": "string", "description": "The genre."},
    )
    out, notes = _named({"genre": "Festival"}, "Concerts in the park on Friday", genre)
    assert out["genre"] == "Festival" and notes == []
    out, _ = _named({"genre": "Festival"}, "Concerts in the park with Fleetwood Mac", genre)
    assert out["genre"] == "Fleetwood Mac"


def test_the_lists_read_the_users_name() -> None:
    # BFCL parallel_44's draft: "Bamberg" for "Berlin" held no item of "Berlin and Paris"
    tool = _place()
    drafted = call(tool.name, location="Bamberg")
    backend = ScriptedBackend.calls([[drafted]], supports_constraint=True)
    query = "Find concerts near Berlin and Paris"
    turn = one_turn(backend, query, [tool], example_shapes=True, listed_items=True)
    assert [c.arguments["location"] for c in turn.turn.calls] == ["Berlin", "Paris"]


def test_the_call_gates_draft_keeps_the_made_up_name_until_it_has_decided() -> None:
    # a made-up name is evidence against the call: the gate weighs the draft as written
    drafted = call(SCULPTURE.name, sculpture="The Thinker", artist="Rousseau")
    draft, decided = gate_draft(drafted, RODIN, SCULPTURE)
    assert draft.turn.calls[0].arguments["artist"] == "Rousseau"
    assert decided.turn.calls[0].arguments["artist"] == "Rodin"
    assert any("'Rodin'" in note for note in decided.reshaped)


def test_a_name_a_longer_value_holds_is_taken() -> None:
    tool = bfcl_tool(
        "find_cafe",
        "Find a cafe.",
        location={"type": "string", "description": "Where."},
        cafe={"type": "string", "description": "The cafe."},
    )
    out, notes = _named({"location": "Brooklyn, NY", "cafe": "Bramble"}, "Cafes in Brooklyn", tool)
    assert out["cafe"] == "Bramble" and notes == []


EVENT = bfcl_tool(
    "get_event_date",
    "Retrieve the date of a historical event.",
    event={"type": "string", "description": "The name of the historical event."},
)


@pytest.mark.parametrize(
    ("value", "query", "named"),
    [
        # BFCL simple_python_235, as the embedded model drafted it
        ("Talks of Lisbon", "When was the signing of the Treaty of Lisbon?", "Treaty of Lisbon"),
        # the made-up word last, a name of two words in its place, other cases kept
        ("The battle of Harbour", "The battle of Hastings: when?", "The battle of Hastings"),
        ("Trip to Sorrento", "Plan a trip to San Diego in May", "Trip to San Diego"),
        ("Peace of Wessex", "When was the Peace of Westphalia signed?", "Peace of Westphalia"),
    ],
)
def test_a_word_made_up_in_the_users_words_is_the_users_name(
    value: str, query: str, named: str
) -> None:
    out, notes = _named({"event": value}, query, EVENT)
    assert out["event"] == named
    assert notes == [
        f"get_event_date.event: {value!r} as {named!r}, the name the user wrote in the word made up"
    ]


@pytest.mark.parametrize(
    ("value", "query"),
    [
        # a word added to the user's ("Portugal" opens as "Paris"): no words the user wrote
        # in a row once mended
        ("Lisbon, Portugal", "The Treaty of Lisbon, signed in Paris"),
        # a word the conversation writes (in another form), the tool's description; a
        # reading of the name
        ("Signing of Lisbon", "When was the Treaty of Lisbon signed?"),
        ("Date of Lisbon", "The Day of Lisbon"),
        ("Treat of Lisbon", "When was the Treaty of Lisbon?"),
        # two unheld names open with the word's letter; a made-up word not capitalised
        ("Talks of Lisbon", "The Treaty of Lisbon or the Tango of Lisbon?"),
        ("The talks of Lisbon", "When was the Treaty of Lisbon?"),
        # a made-up word where no unheld name opens with its letter
        ("Talks of Lisbon", "When was the Agreement of Lisbon?"),
    ],
)
def test_a_word_made_up_left_alone(value: str, query: str) -> None:
    assert _named({"event": value}, query, EVENT) == ({"event": value}, [])


def test_a_long_conversation_and_many_arguments_take_little_time() -> None:
    query = "Find restaurants near Brooklyn. " + "word " * 50000
    result = '{"places": [' + ", ".join(f'"Place {i}"' for i in range(20000)) + "]}"
    properties = {f"p{i}": {"type": "string", "description": "A place."} for i in range(3000)}
    tool = Tool("t", "Find places.", {"type": "object", "properties": properties})
    drafted = ToolCall(name="t", arguments={f"p{i}": "Bronxville" for i in range(3000)})
    started = time.perf_counter()
    [out], notes = mangled_names([drafted], [tool], (query, result), query)
    assert time.perf_counter() - started < 5
    assert out.arguments == drafted.arguments and notes == []  # 3000 values open as one name
