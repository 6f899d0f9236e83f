"""Tools the request names that no call used (`lamagent.gate.named_asks`): which tools are
named, which calls of their drafts are kept, and the turn that drafts each on the whole
request under its own grammar (scripted backend: the loop's side; the engine's is
tests/test_named_asks_gguf.py)."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, call, kind_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.named_asks import (
    MAX_NAMED,
    NamedAsk,
    ToolNames,
    named_asks,
    named_calls,
)
from lamagent.generation import GenerationParams
from lamagent.turns import TurnRequest, turn_source

LIFE = kind_tool("us_history.life_expectancy", year="integer")
GDP = kind_tool("us_history.gdp", year="integer")
HISTORY = [LIFE, GDP]
HISTORY_QUERY = (
    "What was the average life expectancy in the USA in the year 1900 and 1950? "
    "Additionally, what was the Gross Domestic Product (GDP) of the USA in these years?"
)
FORECASTS = [
    kind_tool(f"weather_forecast_{kind}", location="string", days="integer")
    for kind in ("temperature", "humidity", "precipitation")
]
FORECAST_QUERY = (
    "Get temperature and humidity forecast for Boston, USA and precipitation forecast for "
    "Rome, Italy for next 10 days."
)


def _names(asks: list[NamedAsk]) -> list[str]:
    return [ask.tool.name for ask in asks]


def test_a_tool_named_in_a_clause_of_its_own_is_asked_for() -> None:
    calls = [call(LIFE.name, year=1900), call(LIFE.name, year=1950)]
    assert _names(named_asks(calls, HISTORY_QUERY, HISTORY)) == [GDP.name]


def test_tools_named_after_and_beside_a_used_tool_are_asked_for() -> None:
    calls = [call(FORECASTS[0].name, location="Boston, USA", days=10)]
    asks = named_asks(calls, FORECAST_QUERY, FORECASTS)
    assert _names(asks) == [FORECASTS[1].name, FORECASTS[2].name]
    # each asked for by the words from its name to the next tool's
    assert [ask.ask for ask in asks] == [
        "humidity forecast for Boston, USA",
        "precipitation forecast for Rome, Italy for next 10 days.",
    ]


def test_a_clause_naming_two_tools_divides_between_them() -> None:
    update = kind_tool("games.update.find", game="string", platform="string")
    price = kind_tool("games.price.find", game="string", platform="string")
    reviews = kind_tool("games.reviews.find", game="string", region="string")
    query = (
        "Find the latest updates for 'Call of Duty' on the 'Playstation' platform, then find "
        "the current price for the same game on the 'Xbox' platform, and finally find reviews "
        "for the game 'FIFA 21' from the 'American' region?"
    )
    calls = [call(update.name, game="Call of Duty", platform="Playstation")]
    asks = named_asks(calls, query, [update, price, reviews])
    assert {ask.tool.name: ask.ask for ask in asks} == {
        price.name: "find the current price for the same game on the 'Xbox' platform",
        reviews.name: "finally find reviews for the game 'FIFA 21' from the 'American' region?",
    }


def test_a_tool_named_twice_is_asked_for_by_both() -> None:
    calls = [call(FORECASTS[0].name, location="Oslo", days=1)]
    query = "Get the temperature, and the humidity in Boston and humidity in Rome."
    [ask] = named_asks(calls, query, FORECASTS)
    assert ask.ask == "the humidity in Boston and humidity in Rome."


def test_a_used_tool_is_not_asked_for_again() -> None:
    calls = [call(FORECASTS[0].name, location="Boston, USA", days=10)]
    query = "Get the temperature for Boston, and the temperature for Rome."
    assert named_asks(calls, query, FORECASTS) == []
    # a tool named before it in its clause, its piece giving no value of its own: none
    assert named_asks(calls, "Get the humidity and temperature for Boston.", FORECASTS) == []


def test_a_tool_named_in_a_piece_of_its_own_is_asked_for() -> None:
    # one clause, the used tool's ask divided from the other's at "and": each its own piece
    coverage = kind_tool("financial_ratios.interest_coverage", company_name="string")
    growth = kind_tool("sales_growth.calculate", company="string", years="integer")
    query = (
        "Find me the sales growth rate for company XYZ for the last 3 years and also the "
        "interest coverage ratio for the same duration."
    )
    calls = [call(coverage.name, company_name="XYZ")]
    [ask] = named_asks(calls, query, [coverage, growth])
    assert ask.tool.name == growth.name
    assert ask.ask == "Find me the sales growth rate for company XYZ for the last 3 years"
    # undivided (no "and", "then", comma or semicolon between the names): one ask, the
    # used tool's
    undivided = "Find me the interest coverage ratio from the sales growth of company XYZ."
    assert named_asks(calls, undivided, [coverage, growth]) == []
    # a piece of its own that gives no value (no number, no name but the tool's) says what
    # came before or what the ask is for
    for context in (
        "Now that sales growth is known, find the interest coverage ratio of company XYZ.",
        "With the Sales Growth in mind, find the interest coverage ratio of company XYZ.",
    ):
        assert named_asks(calls, context, [coverage, growth]) == []
    # a value of its own: a quoted string, a number
    for own in (
        "Find the sales growth of 'XYZ Corp', and the interest coverage ratio of XYZ.",
        "Find the sales growth over 3 years, and the interest coverage ratio of XYZ.",
    ):
        assert _names(named_asks(calls, own, [coverage, growth])) == [growth.name]


def test_a_tool_named_in_a_clause_of_its_own_is_asked_for_by_the_clause() -> None:
    [ask] = named_asks([call(LIFE.name, year=1900)], HISTORY_QUERY, HISTORY)
    assert ask.ask == (
        "Additionally, what was the Gross Domestic Product (GDP) of the USA in these years?"
    )


def test_a_word_beside_the_used_tools_words_says_what_it_is_for() -> None:
    # "chess" says what the route is for; the user asked for the route
    route = kind_tool("route_planner.calculate_route", start="string", destination="string")
    chess = kind_tool("chess_club_details.find", club="string", city="string")
    query = (
        "What is the fastest route from London to Edinburgh for playing a chess "
        "championship? Also provide an estimate of the distance."
    )
    calls = [call(route.name, start="London", destination="Edinburgh")]
    assert named_asks(calls, query, [route, chess]) == []
    # the same word in a clause of its own asks for it
    asked = "What is the fastest route from London to Edinburgh? Find a chess club there."
    assert _names(named_asks(calls, asked, [route, chess])) == [chess.name]


@pytest.mark.parametrize(
    ("tools", "query", "named"),
    [
        # a word two tools' names share says neither
        (["get_movies", "get_movie_details"], "Which movies are on? The movie details too.", []),
        (["get_movies", "get_movie_details"], "Which movies are on? Then the details.", []),
        # a verb a user asks with, a kind word: no tool's own word
        (["search_hotels", "find_flights"], "Search hotels in Rome. Then find one.", []),
        # an ending of a few letters ("stores"), not a start ("MTNA" of "mtnards")
        (["lowest_price", "store_count"], "The lowest price of it. And how many stores?", [1]),
        (["list_servers", "add_mtnards_server"], "List the servers. The MTNA ones.", []),
        # a word another tool's word starts, or that starts another's: neither tool's own
        (["hotel_booking", "hotels_list"], "Book the hotel. Then the hotels.", []),
        (["hotels_list", "hotel_booking"], "The hotels. Then book the hotel.", []),
        # but a longer ending makes another word: "invest" is not "investment"
        (
            ["investment.withdraw", "investment.invest"],
            "Withdraw $1000 from Apple and invest $2000 in Google.",
            [1],
        ),
        (["investment.withdraw", "investment.invest"], "Withdraw my investment. Then go.", []),
        # a verb a user asks with that is no stop word; a stop word; a word too short
        (["weather_search", "weather_compute"], "Weather search in Oslo. Then compute.", []),
        (["price_quote", "price_over"], "The price quote. Then it is over.", []),
        (["geo_eu", "geo_us"], "Geo eu. Then tell us.", []),
        # an ending of more than three letters makes another word
        (["art_museum", "art_port"], "The art museum. Then the portrait.", []),
        # camelCase, dotted and hyphenated names; case aside
        (["scienceFacts.getDiameter", "scienceFacts.getWeight"], "Diameter. Its WEIGHT?", [1]),
        (["geo-distance", "geo-elevation"], "The distance. Then the elevation of Lima.", [1]),
    ],
)
def test_a_tools_own_words(tools: list[str], query: str, named: list[int]) -> None:
    offered = [kind_tool(name, value="string") for name in tools]
    calls = [call(tools[0], value="x")]
    assert _names(named_asks(calls, query, offered)) == [tools[i] for i in named]


def test_nothing_is_asked_for_without_a_call_or_a_second_tool() -> None:
    assert named_asks([], HISTORY_QUERY, HISTORY) == []
    assert named_asks([call(LIFE.name, year=1900)], HISTORY_QUERY, [LIFE]) == []
    assert named_asks([call(LIFE.name, year=1900)], "", HISTORY) == []


def test_a_request_naming_many_unused_tools_describes_them() -> None:
    kinds = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    tools = [kind_tool(f"do_{kind}", value="string") for kind in kinds]
    calls = [call("do_alpha", value="x")]
    some = "Do alpha. " + " ".join(f"Then {k}." for k in kinds[1 : MAX_NAMED + 1])
    assert len(named_asks(calls, some, tools)) == MAX_NAMED
    every = "Do alpha. " + " ".join(f"Then {k}." for k in kinds[1:])
    assert named_asks(calls, every, tools) == []


def test_named_calls_keep_a_value_of_the_request_and_no_repeat() -> None:
    calls = [call(LIFE.name, year=1900), call(LIFE.name, year=1950)]
    drafted = [
        call(GDP.name, year=1900),
        call(GDP.name, year=1950),  # values other tools' calls hold: kept
        call(GDP.name, year=1950),  # made already
        call(GDP.name, year=2000),  # a number nobody wrote
    ]
    kept = named_calls(drafted, HISTORY_QUERY, calls)
    assert [c.arguments for c in kept] == [{"year": 1900}, {"year": 1950}]
    # a call that holds nothing the request writes is the model's own
    assert named_calls([call(GDP.name, year=1800)], HISTORY_QUERY, calls) == []


def test_named_calls_take_the_numbers_their_text_writes() -> None:
    withdraw = call("investment.withdraw", company="Apple", amount=1000)
    text = "Invest $2000 in Google"
    taken = call("investment.invest", company="Google", amount=1000)
    right = call("investment.invest", company="Google", amount=2000)
    assert named_calls([taken, right], text, [withdraw]) == [right]
    # a text that writes no number takes held ones ("these years")
    calls = [call(LIFE.name, year=1900)]
    gdp = call("economy.gdp", country="USA", year=1900)
    assert named_calls([gdp], "What was the GDP of the USA in these years?", calls) == [gdp]
    # but a call must hold something of its text
    alone = call(GDP.name, year=1900)
    assert named_calls([alone], "What was the GDP of the USA in these years?", calls) == []


def test_named_calls_leave_out_a_string_nobody_wrote() -> None:
    weather = kind_tool("get_weather", city="string")
    query = "First, what's the weather in Lisbon? Second, find me a Thai restaurant in Porto."
    calls = [call(weather.name, city="Lisbon")]
    greek = call("find_restaurant", cuisine="Greek", city="Lisbon")
    thai = call("find_restaurant", cuisine="thai", city="Porto")
    assert named_calls([greek, thai], query, calls) == [thai]


@pytest.mark.parametrize(
    "arguments",
    [
        {"game": "Xbox", "platform": "Xbox"},  # one string in two arguments, case aside
        {"game": "Xbox", "platform": "xbox"},
        {"game": "FIFA 21", "platform": "the reviews"},  # words of the tool's name
        {"game": "Game Reviews", "platform": "Xbox"},
        {"game": "GameReviews", "platform": "Xbox"},
    ],
)
def test_named_calls_leave_out_a_call_that_names_its_tool(arguments: dict[str, str]) -> None:
    query = "Find the price of FIFA 21 on Xbox, then the game reviews (GameReviews) on Xbox."
    calls = [call("games.price.find", game="FIFA 21", platform="Xbox")]
    assert named_calls([call("games.reviews.find", **arguments)], query, calls) == []
    right = call("games.reviews.find", game="FIFA 21", platform="Xbox One")
    assert named_calls([right], query + " On Xbox One.", calls) == [right]


def test_named_calls_leave_out_a_number_written_once_in_two_arguments() -> None:
    # "acceleration" names the tool, but the user wrote 20 once: one argument's at most
    speed = call("kinematics.calculate_speed_from_rest", distance=20, time=4)
    query = (
        "Find out how fast an object was going if it started from rest and traveled a "
        "distance of 20 meters over 4 seconds due to a constant acceleration?"
    )
    twice = call("kinematics.calculate_acceleration", initial_speed=20, final_speed=20, time=4)
    assert named_calls([twice], query, [speed]) == []
    once = call("kinematics.calculate_acceleration", final_speed=20, time=4)
    assert named_calls([once], query, [speed]) == [once]
    # written twice, the number may be both arguments'
    both = query.replace("4 seconds", "20 seconds")
    equal = call("kinematics.calculate_acceleration", initial_speed=20, final_speed=20)
    assert named_calls([equal], both, [speed]) == [equal]


def test_named_calls_read_a_date_written_in_another_form_as_written() -> None:
    # bfcl-eval parallel_multiple_185: the date rule wrote the user's date in the form the
    # parameter's description names
    query = (
        "After that, could you search for ongoing lawsuits related to Google that were filed "
        "in California starting from January 1, 2020?"
    )
    calls = [call("metropolitan_museum.get_top_artworks", number=10)]
    right = call("lawsuit_search", company="Google", start_date="2020-01-01", status="ongoing")
    assert named_calls([right], query, calls) == [right]
    # a date the user did not write is the model's own
    other = call("lawsuit_search", company="Google", start_date="2021-01-01", status="ongoing")
    assert named_calls([other], query, calls) == []


def test_named_calls_read_the_default_a_description_states_as_written() -> None:
    # bfcl-eval parallel_multiple_158
    lyrics = bfcl_tool(
        "get_song_lyrics",
        "Retrieve the lyrics of a song based on the artist's name and song title.",
        song_title={"type": "string", "description": "The title of the song."},
        artist_name={"type": "string", "description": "The name of the artist."},
        lang={
            "type": "string",
            "description": "The language of the lyrics. Default is English.",
            "enum": ["English", "French", "Spanish"],
        },
    )
    query = "I'm a big fan of the Beatles and I'd like to know the lyrics of their song 'Hey Jude'."
    calls = [call("mix_paint_color", color1="red", color2="blue")]
    right = call(lyrics.name, song_title="Hey Jude", artist_name="Beatles", lang="English")
    assert named_calls([right], query, calls, lyrics) == [right]
    # without the tool, or in another language nobody named, the model's own
    assert named_calls([right], query, calls) == []
    french = call(lyrics.name, song_title="Hey Jude", artist_name="Beatles", lang="French")
    assert named_calls([french], query, calls, lyrics) == []
    # "I'd" of "I'd like to know", "I": words that name nothing
    for nobody in ("I'd", "I"):
        drafted = call(lyrics.name, song_title="Hey Jude", artist_name=nobody, lang="English")
        assert named_calls([drafted], query, calls, lyrics) == []


def test_a_name_word_with_a_longer_ending_names_the_tool() -> None:
    query = "Recommend board games for 6. Also game recommendations from Amazon Game Store."
    calls = [call("BoardGameGeek.recommend", category="board games")]
    named = call("AmazonGameStore.recommend", category="game recommendation")
    assert named_calls([named], query, calls) == []


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        # a word that starts like a name word is none of them; camelCase split as written
        ("get_battle_details", {"battle": "Gettysburg"}),
        ("get_signature", {"class_name": "AbstractCellHandler", "method_name": "getCellValue"}),
    ],
)
def test_named_calls_keep_values_that_only_look_like_the_name(
    name: str, arguments: dict[str, str]
) -> None:
    drafted = call(name, **arguments)
    query = "Tell me about Gettysburg. And the signature of AbstractCellHandler.getCellValue."
    assert named_calls([drafted], query, [call("other_tool", value="x")]) == [drafted]


def test_many_tools_and_a_long_request_are_read_quickly() -> None:
    tools = [kind_tool(f"weather_forecast_kind{i}x", location="string") for i in range(3000)]
    tools += [kind_tool(f"tool_{word}", location="string") for word in ("rain", "snow", "hail")]
    query = "Get the rain forecast and snow forecast for Oslo, " * 2000 + "and hail."
    calls = [call("tool_rain", location="Oslo")]
    started = time.perf_counter()
    assert _names(named_asks(calls, query, tools)) == ["tool_snow", "tool_hail"]
    assert time.perf_counter() - started < 5


LIFE_CALL = {"name": LIFE.name, "arguments": {"year": 1900}}
GDP_CALL = {"name": GDP.name, "arguments": {"year": 1900}}


def _request(query: str, **kw: Any) -> TurnRequest:
    return listed_request(query, HISTORY, **kw)


def _drafted(*outputs: list[dict[str, Any]]) -> tuple[Any, ScriptedBackend]:
    backend = ScriptedBackend.calls(list(outputs), supports_constraint=True)
    query = "What were the life expectancy and the gdp in 1900?"
    return anyio.run(lambda: turn_source(backend).next_turn(_request(query))), backend


def _grammar(params: GenerationParams) -> str:
    assert params.constraint is not None
    return json.dumps(params.constraint.json_schema)


def test_a_named_tool_is_drafted_on_the_words_that_ask_for_it_under_its_grammar() -> None:
    model_turn, backend = _drafted([LIFE_CALL], [GDP_CALL])
    assert [c.to_xlam() for c in model_turn.turn.calls] == [LIFE_CALL, GDP_CALL]
    assert model_turn.listed == 1
    (_, first), (second, narrowed) = backend.requests
    assert second.endswith("user\nThe gdp in 1900?<|im_end|><|im_start|>assistant\n")
    assert LIFE.name in _grammar(first) and GDP.name in _grammar(first)
    assert GDP.name in _grammar(narrowed) and LIFE.name not in _grammar(narrowed)


def test_a_named_tool_is_drafted_on_the_whole_request_where_its_words_gave_nothing() -> None:
    invented = {"name": GDP.name, "arguments": {"year": 1800}}
    model_turn, backend = _drafted([LIFE_CALL], [invented], [GDP_CALL])
    assert [c.to_xlam() for c in model_turn.turn.calls] == [LIFE_CALL, GDP_CALL]
    (first, _), _, (third, narrowed) = backend.requests
    assert third == first  # the same prompt: the whole request
    assert LIFE.name not in _grammar(narrowed)


@pytest.mark.parametrize("kw", [{"listed_items": False}, {"max_calls": 1}])
def test_named_asks_off_or_bounded_by_max_calls(kw: dict[str, Any]) -> None:
    query = "What were the life expectancy and the gdp in 1900?"
    backend = ScriptedBackend.calls([[LIFE_CALL], [GDP_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(query, **kw)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [LIFE_CALL]
    assert len(backend.requests) == 1


def test_no_tool_is_asked_for_where_the_tool_choice_names_one() -> None:
    model_turn, backend = _drafted([LIFE_CALL], [GDP_CALL])
    assert len(backend.requests) == 2
    backend = ScriptedBackend.calls([[LIFE_CALL], [GDP_CALL]], supports_constraint=True)
    request = _request("What were the life expectancy and the gdp in 1900?")
    forced = dataclasses.replace(request, tool_choice=LIFE.name)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(forced))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [LIFE_CALL]
    assert len(backend.requests) == 1


def test_the_tools_a_text_names_by_their_own_words() -> None:
    # "forecast" and "weather" are every tool's; "precipitations" writes "precipitation"
    text = "Precipitations forecast for Rome, and the weather forecast for Oslo."
    assert ToolNames(FORECASTS).named(text) == {"weather_forecast_precipitation"}
    assert ToolNames(FORECASTS).named("temperature and humidity") == {
        "weather_forecast_temperature",
        "weather_forecast_humidity",
    }
    assert ToolNames(FORECASTS).named("the weather forecast") == set()


def test_a_clause_is_divided_between_the_tools_it_names() -> None:
    assert ToolNames(FORECASTS).pieces(FORECAST_QUERY) == [
        "Get temperature",
        "humidity forecast for Boston, USA",
        "precipitation forecast for Rome, Italy for next 10 days.",
    ]
    assert ToolNames(FORECASTS).pieces("Get the weather forecast for Oslo, and for Rome.") == [
        "Get the weather forecast for Oslo, and for Rome."
    ]
