"""Arguments the user asked for and a draft left out (`GenerationParams.mentioned_arguments`).

The evidence (`mentioned_parameters`) on BFCL's own tools and queries, then the turn source
with the scripted backend: a second generation with the parameters required, what is recorded,
and what is left alone. The real engine is tested in test_mentioned_arguments_gguf.py.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from turn_helpers import one_turn

from lamagent import Agent
from lamagent.backends.scripted import ScriptedBackend
from lamagent.formats.grammar import call_list_schema
from lamagent.gate.mentions import (
    amended_tools,
    mentioned_parameters,
    named_switches,
    with_required,
)
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source


def _tool(name: str, description: str, required: list[str], **props: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": description,
            "parameters": {"type": "dict", "required": required, "properties": props},
        }
    )


WEATHER = _tool(  # BFCL live_simple's weather tool
    "get_current_weather",
    "Retrieves the current weather conditions for a specified city and state.",
    ["location"],
    location={"type": "string", "description": "The city and state, such as 'Boston, MA'."},
    unit={
        "type": "string",
        "description": "The unit of temperature for the weather report.",
        "enum": ["celsius", "fahrenheit"],
        "default": "fahrenheit",
    },
)
CIRCLE = _tool(  # BFCL simple_python_7
    "calculate_circumference",
    "Calculates the circumference of a circle with a given radius.",
    ["radius"],
    radius={"type": "integer", "description": "The radius of the circle in the unit given."},
    unit={"type": "string", "description": "The unit of measurement for the radius."},
)
EXPORTS = _tool(  # BFCL live_simple_31-8-1, two of its optional parameters
    "aws.lexv2_models.list_exports",
    "Lists the exports for a bot, bot locale, or custom vocabulary within Amazon Lex.",
    ["botId"],
    botId={"type": "string", "description": "The unique identifier for the bot."},
    sortBy={
        "type": "string",
        "description": "Determines the field to sort the list of exports by. Can be sorted by "
        "'LastUpdatedDateTime' in ascending or descending order.",
        "enum": ["ASC", "DESC"],
    },
    nextToken={
        "type": "string",
        "description": "A token to retrieve the next page of results.",
    },
)
USER = _tool(  # BFCL live_simple_0-0-0
    "get_user_info",
    "Retrieve details for a specific user by their unique identifier.",
    ["user_id"],
    user_id={"type": "integer", "description": "The unique identifier of the user."},
    special={"type": "string", "description": "Any special information.", "default": "none"},
)


def _mentioned(tool: Tool, arguments: dict[str, Any], query: str) -> dict[str, Any]:
    return mentioned_parameters(
        ToolCall(name=tool.name, arguments=arguments), tool, [Message.user(query)]
    )


# -- the evidence ----------------------------------------------------------------------------


def test_an_enum_value_the_user_said_asks_for_its_parameter() -> None:
    query = "What's the weather in Mariposa, CA, in Celsius?"
    # asked for, with the one enum value the user said
    assert _mentioned(WEATHER, {"location": "Mariposa, CA"}, query) == {"unit": ("celsius",)}
    assert _mentioned(WEATHER, {"location": "Mariposa, CA"}, "Weather in Mariposa, CA?") == {}
    # a parameter the call already has is not asked for again
    given = {"location": "Mariposa, CA", "unit": "celsius"}
    assert _mentioned(WEATHER, given, query) == {}


def test_an_option_the_description_lists_and_the_user_said_asks_for_its_parameter() -> None:
    temperature = _tool(  # BFCL simple_python_78
        "average_temperature",
        "Retrieves the average temperature for a specific location over the defined timeframe.",
        ["location", "days"],
        location={"type": "string", "description": "The city, such as Boston."},
        days={"type": "integer", "description": "The number of days."},
        temp_unit={
            "type": "string",
            "description": "The temperature unit ('Celsius' or 'Fahrenheit'). "
            "Default is 'Fahrenheit'.",
        },
    )
    query = "Get the average temperature in Austin for the next 3 days in Celsius."
    arguments = {"location": "Austin", "days": 3}
    # options that are names count here: the user said one, the parameter is spoken to
    assert _mentioned(temperature, arguments, query) == {"temp_unit": ("Celsius",)}
    said = "Get the average temperature in Austin for the next 3 days."
    assert _mentioned(temperature, arguments, said) == {}
    movies = _tool(  # BFCL simple_python_93
        "get_theater_movie_releases",
        "Retrieve the list of movie releases in specific theaters for a specified period.",
        ["location", "timeframe"],
        location={"type": "string", "description": "The location of the theaters."},
        timeframe={"type": "integer", "description": "The number of days."},
        format={
            "type": "string",
            "description": "Format of movies - could be 'IMAX', '2D', '3D', '4DX' etc. "
            "Default is 'all'",
        },
    )
    query = "Fetch me the list of IMAX movie releases in theaters near LA for the next week."
    assert _mentioned(movies, {"location": "LA", "timeframe": 7}, query) == {"format": ("IMAX",)}
    # the option went into another value: data, not a request for the format
    query = "Fetch me the movie releases in theaters near IMAX LA for the next week."
    assert _mentioned(movies, {"location": "IMAX LA", "timeframe": 7}, query) == {}


def test_a_parameter_named_by_the_user_is_asked_for() -> None:
    query = "Details for the user with the ID 7890, who has black as their special request?"
    assert _mentioned(USER, {"user_id": 7890}, query) == {"special": ()}


def test_two_description_words_ask_for_a_parameter_and_one_does_not() -> None:
    query = "Retrieve the exports of bot B12345 in descending order by the last updated date."
    # sortBy's description says "descending", "order", "last", "updated", "date"; nextToken's
    # says only "retrieve"
    # ("desc" of the enum meets "descending": the enum is narrowed to it)
    assert _mentioned(EXPORTS, {"botId": "B12345"}, query) == {"sortBy": ("DESC",)}


def test_a_word_after_a_copied_number_asks_for_a_unit_parameter() -> None:
    query = "What is the circumference of a circle with a radius of 4 inches?"
    # a string parameter without an enum takes the word the user wrote
    assert _mentioned(CIRCLE, {"radius": 4}, query) == {"unit": ("inches",)}
    # no word after the number, or a number the call did not use: no unit asked for
    assert _mentioned(CIRCLE, {"radius": 4}, "The circumference of a circle of radius 4?") == {}
    assert _mentioned(CIRCLE, {"radius": 5}, "A circle's circumference, radius 4 inches") == {}
    # a unit parameter that is not the unit of the argument the number went to asks nothing
    density = _tool(  # BFCL simple_python_48
        "calculate_density",
        "Calculate the density of an object.",
        ["mass", "volume"],
        mass={"type": "integer", "description": "The mass of the object, in kilograms."},
        volume={"type": "integer", "description": "The volume of the object, in cubic meters."},
        unit={"type": "string", "description": "The unit of density. Default is kg/m³"},
    )
    query = "What is the density of an object with a mass of 45 kg and a volume of 15 m³?"
    assert _mentioned(density, {"mass": 45, "volume": 15}, query) == {}


def test_a_number_no_argument_took_asks_for_the_parameter_next_to_it() -> None:
    profile = _tool(  # BFCL simple_python_348
        "create_player_profile",
        "Create a new player profile with character name, class and starting level.",
        ["player_name", "_class"],
        player_name={"type": "string", "description": "The desired name of the player."},
        _class={"type": "string", "description": "The character class for the player"},
        starting_level={"type": "integer", "description": "The starting level for the player"},
    )
    query = "Create a player named 'StarPlayer', class 'Mage', set the starting level to 5."
    arguments = {"player_name": "StarPlayer", "_class": "Mage"}
    # the tool's description says "starting level", but the 5 the user gave it is no value of
    # the call: the parameter is asked for, and a number parameter takes that number
    assert _mentioned(profile, arguments, query) == {"starting_level": (5,)}
    assert _mentioned(profile, {**arguments, "starting_level": 5}, query) == {}
    assert _mentioned(profile, arguments, "Create a player 'StarPlayer', class 'Mage'.") == {}
    # a number its enum does not hold is not narrowed to: the model writes a value it allows
    properties = {
        **profile.parameters["properties"],
        "starting_level": {"type": "integer", "enum": [1, 10], "description": "The starting level"},
    }
    levels = Tool(
        profile.name, profile.description, {**profile.parameters, "properties": properties}
    )
    assert _mentioned(levels, arguments, query) == {"starting_level": ()}
    tickets = _tool(  # BFCL simple_python_288
        "concert_booking.book_ticket",
        "Book concert tickets for a specific artist in a specified city.",
        ["artist", "city"],
        artist={"type": "string", "description": "The artist you want to book tickets for."},
        city={"type": "string", "description": "The city where the concert is."},
        num_tickets={"type": "integer", "description": "Number of tickets required."},
    )
    query = "Get me two tickets for next Eminem concert in New York City."
    arguments = {"artist": "Eminem", "city": "New York City"}
    # a count in words, next to the parameter's name
    assert _mentioned(tickets, arguments, query) == {"num_tickets": (2,)}
    # a count in words says what it counts after it: "two sets" is no significance level
    t_test = _tool(  # BFCL multiple_126
        "t_test",
        "Perform a statistical t-test to check if the means of two independent datasets are "
        "statistically different.",
        ["dataset_A", "dataset_B"],
        dataset_A={"type": "array", "items": {"type": "integer"}, "description": "Dataset A."},
        dataset_B={"type": "array", "items": {"type": "integer"}, "description": "Dataset B."},
        alpha={"type": "number", "description": "Significance level for the test."},
    )
    query = "Find the statistical significance between two set of variables, A 12, 24 and B 15, 30."
    arguments = {"dataset_A": [12, 24], "dataset_B": [15, 30]}
    assert _mentioned(t_test, arguments, query) == {}
    assert _mentioned(t_test, arguments, query.replace("two", "2")) == {"alpha": (2,)}
    # a number a value holds is taken: the 12 of "iPhone 12" is no count of anything
    inventory = _tool(  # BFCL live_multiple_55-22-2
        "inventory_management",
        "Manage inventory-related queries, including checking product availability, stock "
        "levels for different sizes and colors, and bulk availability.",
        ["product_id"],
        product_id={"type": "string", "description": "The unique identifier of the product."},
        color={
            "type": "string",
            "description": "The specific color to check for stock availability.",
        },
    )
    query = "Can you check if the white iPhone 12 still available? Use the prod id iPhone 12"
    assert _mentioned(inventory, {"product_id": "iPhone 12"}, query) == {}
    # a number next to an argument the call wrote is that argument's, wrong or not
    assert _mentioned(CIRCLE, {"radius": 5}, "A circle's circumference, radius 4") == {}
    # a string parameter is asked for, and the model writes the value
    concert = _tool(  # BFCL simple_python_286
        "concert.get_details",
        "Fetch the details for a particular concert based on the artist and location.",
        ["artist", "location"],
        artist={"type": "string", "description": "Name of the artist/band who's performing."},
        location={"type": "string", "description": "City where the concert is taking place."},
        date={
            "type": "string",
            "description": "Date of the concert in 'mm-yyyy' format. Default is the current "
            "month if not specified.",
        },
    )
    query = "Concert details for Beyonce in San Diego next month (2022)."
    assert _mentioned(concert, {"artist": "Beyonce", "location": "San Diego"}, query) == {
        "date": ()
    }


def test_a_date_no_argument_took_asks_for_a_date_parameter() -> None:
    concert = _tool(  # BFCL simple_python_286
        "concert.get_details",
        "Fetch the details for a particular concert based on the artist and location.",
        ["artist", "location"],
        artist={"type": "string", "description": "Name of the artist/band who's performing."},
        location={"type": "string", "description": "City where the concert is taking place."},
        date={"type": "string", "description": "Date of the concert in 'mm-yyyy' format."},
    )
    arguments = {"artist": "Beyonce", "location": "San Diego"}
    # in the form the description names, the user's date is the value
    query = "Concert details for Beyonce in San Diego next month (April 2022)."
    assert _mentioned(concert, arguments, query) == {"date": ("04-2022",)}
    # a date an argument wrote is taken; no date, nothing asked for
    assert _mentioned(concert, {**arguments, "date": "2022-04"}, query) == {}
    assert _mentioned(concert, arguments, "Concert details for Beyonce in San Diego") == {}
    weather = _tool(  # bfcl-eval live_multiple_267-127-2
        "Weather_1_GetWeather",
        "Retrieves the current or historical weather data for a specified city on a given date.",
        ["city"],
        city={"type": "string", "description": "The name of the city."},
        date={"type": "string", "description": "The date, in the format 'YYYY-MM-DD'."},
    )
    query = "Can you tell me what the weather will be like in Vancouver on the April 4th 2023"
    assert _mentioned(weather, {"city": "Vancouver"}, query) == {"date": ("2023-04-04",)}
    # a date without the year the form needs: asked for, the model writes the year
    query = "What will the weather be like in Vancouver on the 4th of April?"
    assert _mentioned(weather, {"city": "Vancouver"}, query) == {"date": ()}
    # no form named: a parameter named a date is asked for, with no value
    booking = _tool(
        "book_table",
        "Book a table.",
        ["restaurant"],
        restaurant={"type": "string", "description": "The restaurant."},
        start_date={"type": "string", "description": "When."},
        note={"type": "string", "description": "A note."},
    )
    query = "Book a table at Nobu for May 5, 2024"
    assert _mentioned(booking, {"restaurant": "Nobu"}, query) == {"start_date": ()}
    # one date for two date parameters: which one is the model's call
    sentiment = _tool(  # bfcl-eval live_simple_71-35-0
        "get_sentiment",
        "The sentiment of posts about a brand.",
        ["brand"],
        brand={"type": "string", "description": "The brand."},
        min_date={"type": "string", "description": "The earliest date, 'YYYY-MM-DD'."},
        max_date={"type": "string", "description": "The latest date, 'YYYY-MM-DD'."},
    )
    query = "How have millennials views of Apple changed since July 2022?"
    assert _mentioned(sentiment, {"brand": "Apple"}, query) == {}
    # a date the user says is today is none asked for
    query = "The forecast for Alameda on the upcoming Wednesday, today is Monday April 25th 2023?"
    assert _mentioned(weather, {"city": "Alameda"}, query) == {}


def test_a_time_no_argument_took_asks_for_a_time_parameter() -> None:
    tickets = _tool(  # bfcl-eval live_multiple_423-141-12
        "Movies_1_BuyMovieTickets",
        "Purchase tickets for a specific movie showtime at a designated theater location.",
        ["movie_name", "number_of_tickets", "location"],
        movie_name={"type": "string", "description": "The title of the movie."},
        number_of_tickets={"type": "integer", "description": "The number of tickets."},
        location={"type": "string", "description": "The city, 'City, State'."},
        show_date={"type": "string", "description": "The date, 'YYYY-MM-DD'."},
        show_time={
            "type": "string",
            "description": "The start time of the movie showing, in 24-hour format 'HH:MM'.",
        },
    )
    arguments = {"movie_name": "The Last Adventure", "number_of_tickets": 2, "location": "SF"}
    query = "Find me two tickets for 'The Last Adventure' for a show around 8:30 pm in SF?"
    assert _mentioned(tickets, arguments, query) == {"show_time": ("20:30",)}
    # a time an argument wrote is taken
    assert _mentioned(tickets, {**arguments, "show_time": "20:30"}, query) == {}
    # with a date too, each in its form
    query = "Two tickets for 'The Last Adventure' on April 15th 2023 at 19:30 in SF"
    assert _mentioned(tickets, arguments, query) == {
        "show_date": ("2023-04-15",),
        "show_time": ("19:30",),
    }


def test_a_parameter_the_tool_lists_is_asked_for_by_its_name() -> None:
    movies = _tool(  # bfcl-eval live_multiple_370-134-15
        "Movies_3_FindMovies",
        "Search for movies based on specific criteria such as director, genre, and cast.",
        [],
        directed_by={"type": "string", "description": "The director of the movie."},
        genre={"type": "string", "description": "The genre of the movie."},
        cast={"type": "string", "description": "The lead actor in the movie."},
    )
    query = (
        "I'm interested in fantasy movies with Danny John-Jules in the cast and directed by "
        "Jim Henson. Could you search for some options?"
    )
    arguments = {"directed_by": "Jim Henson", "genre": "Fantasy"}
    assert _mentioned(movies, arguments, query) == {"cast": ()}
    # not by its description's words the tool's description holds too
    assert _mentioned(movies, arguments, "Fantasy movies directed by Jim Henson") == {}


def test_an_option_the_tool_lists_is_asked_for_when_the_user_names_it() -> None:
    sushi = _tool(  # BFCL simple_python_363
        "restaurant_search.find_closest",
        "Locate the closest sushi restaurant based on certain criteria, such as the presence "
        "of a patio.",
        ["location", "cuisine"],
        location={"type": "string", "description": "The city, for instance Boston, MA"},
        cuisine={"type": "string", "description": "Type of food like Sushi."},
        amenities={
            "type": "array",
            "items": {"type": "string", "enum": ["Patio", "Wi-Fi", "Happy Hour"]},
            "description": "Preferred amenities in the restaurant. Default 'Wi-Fi'.",
        },
    )
    arguments = {"location": "Boston, MA", "cuisine": "Sushi"}
    query = "Find the closest sushi restaurant with a patio in Boston."
    assert _mentioned(sushi, arguments, query) == {"amenities": ("Patio",)}
    # the user named none of the options: the tool's words ask for nothing
    assert _mentioned(sushi, arguments, "Find the closest sushi restaurant in Boston.") == {}


def test_words_copied_into_values_or_explained_by_the_tool_ask_for_nothing() -> None:
    search = _tool(
        "recipes.search",
        "Search recipes by what they are.",
        ["query"],
        query={"type": "string", "description": "What to search for."},
        cuisine={"type": "string", "description": "A cuisine.", "enum": ["french", "thai"]},
    )
    # "french" went into the query: it is data, not a request for the cuisine parameter
    assert _mentioned(search, {"query": "french onion soup"}, "Find french onion soup") == {}
    said = _mentioned(search, {"query": "onion soup"}, "Find onion soup, french")
    assert said == {"cuisine": ("french",)}
    # "recipes" is the tool's own word: it asks for nothing more
    plain = _tool(
        "recipes.search",
        "Search recipes.",
        ["query"],
        query={"type": "string", "description": "What to search for."},
        recipes_limit={"type": "integer", "description": "How many to return."},
    )
    assert _mentioned(plain, {"query": "soup"}, "Search recipes: soup") == {}


def test_with_required_makes_the_grammar_require_a_parameter_with_a_default() -> None:
    amended = with_required(WEATHER, {"unit": ()})
    assert amended.parameters["required"] == ["location", "unit"]
    arguments = call_list_schema([amended])["items"]["properties"]["arguments"]
    assert arguments["required"] == ["location", "unit"]
    assert arguments["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    narrowed = with_required(WEATHER, {"unit": ("fahrenheit",)})
    assert narrowed.parameters["properties"]["unit"]["enum"] == ["fahrenheit"]
    assert WEATHER.parameters["required"] == ["location"]  # the tool itself is unchanged
    assert WEATHER.parameters["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    tools, wanted = amended_tools(
        [ToolCall(name="get_current_weather", arguments={"location": "Oslo"})],
        [WEATHER, CIRCLE],
        [Message.user("Weather in Oslo in fahrenheit")],
    )
    assert wanted == {"get_current_weather": ("unit",)}
    assert tools[1] is CIRCLE and tools[0].parameters["required"] == ["location", "unit"]
    # what the draft wrote is kept: the second generation only adds
    assert tools[0].parameters["properties"]["location"]["enum"] == ["Oslo"]


TTEST = _tool(  # BFCL simple_python_120
    "run_two_sample_ttest",
    "Runs a two sample t-test for two given data groups.",
    ["group1", "group2"],
    group1={"type": "array", "items": {"type": "integer"}, "description": "First group."},
    group2={"type": "array", "items": {"type": "integer"}, "description": "Second group."},
    equal_variance={
        "type": "boolean",
        "description": "Assumption about whether the two samples have equal variance.",
        "default": True,
    },
)
AIRCON = _tool(  # BFCL live_simple_46-19-0, three of its switches
    "ThinQ_Connect",
    "Send a command to control an LG ThinQ appliance, such as an air conditioner.",
    [],
    monitoringEnabled={"type": "boolean", "description": "Whether air quality sensors are on."},
    powerSaveEnabled={"type": "boolean", "description": "Whether power save is on."},
    airCleanEnabled={"type": "boolean", "description": "Whether air cleaning is on."},
)
TTEST_QUERY = "Run a two sample T-test on [3, 4, 5] and [7, 8, 9] assuming equal variance."
AIRCON_QUERY = "Set the wind to medium, with quality monitoring, and disable the power-saving mode."


def _switches(tool: Tool, arguments: dict[str, Any], query: str) -> list[str]:
    return named_switches(
        ToolCall(name=tool.name, arguments=arguments), tool, [Message.user(query)]
    )


def test_a_switch_the_user_names_is_asked_for_on() -> None:
    groups = {"group1": [3, 4, 5], "group2": [7, 8, 9]}
    # written false, or left out: the user named it, so it is asked for
    assert _switches(TTEST, {**groups, "equal_variance": False}, TTEST_QUERY) == ["equal_variance"]
    assert _switches(TTEST, groups, TTEST_QUERY) == ["equal_variance"]
    # written true already, or not named: nothing to ask
    assert _switches(TTEST, {**groups, "equal_variance": True}, TTEST_QUERY) == []
    assert _switches(TTEST, groups, "Run a two sample T-test on [3, 4, 5] and [7, 8, 9].") == []
    # every word of the name but the switch words must be said; a negation before it says off
    assert _switches(AIRCON, {"powerSaveEnabled": False}, AIRCON_QUERY) == ["monitoringEnabled"]
    assert _switches(TTEST, groups, "A t-test, without assuming equal variance") == []
    assert _switches(TTEST, groups, "A t-test: is the variance of the groups the same?") == []
    # the grammar of the second generation writes it true, whatever the draft wrote
    tools, wanted = amended_tools(
        [ToolCall(name=TTEST.name, arguments={**groups, "equal_variance": False})],
        [TTEST],
        [Message.user(TTEST_QUERY)],
    )
    assert wanted == {TTEST.name: ("equal_variance",)}
    assert tools[0].parameters["properties"]["equal_variance"]["enum"] == [True]
    assert tools[0].parameters["properties"]["group1"]["enum"] == [[3, 4, 5]]  # kept


PAYMENT = _tool(  # BFCL live_multiple_894-185-4, its switch
    "Payment_1_MakePayment",
    "Send money to a contact.",
    [],
    amount={"type": "number", "description": "How much."},
    private_visibility={
        "type": "boolean",
        "description": "Whether the transaction is hidden from public feeds.",
        "default": False,
    },
)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("Send $150 to Alice using my debit card. Keep the transaction private.", True),
        ("I need to privately send $50 to my friend Jamie.", True),
        # the second word alone says nothing of what the switch is
        ("Send $150 to Alice; what is the visibility of it?", False),
        # the first word negated: off
        ("Send $150 to Alice, no private transfer.", False),
        ("Send $150 to Alice.", False),
    ],
)
def test_a_switch_of_two_words_is_named_by_its_first(query: str, named: bool) -> None:
    found = _switches(PAYMENT, {"amount": 150, "private_visibility": False}, query)
    assert found == (["private_visibility"] if named else [])


def test_a_longer_switch_name_needs_every_word() -> None:
    tool = _tool(
        "post",
        "Post a message.",
        [],
        private_group_visibility={"type": "boolean", "description": "Hidden or not."},
    )
    assert _switches(tool, {}, "Post it, and keep it private.") == []
    assert _switches(tool, {}, "Post it with private group visibility.") == [
        "private_group_visibility"
    ]


def test_a_list_of_enum_items_is_narrowed_to_the_items_the_user_said() -> None:
    restaurants = _tool(  # BFCL simple_python_77
        "restaurant.find_nearby",
        "Locate nearby restaurants based on specific dietary preferences.",
        ["location"],
        location={"type": "string", "description": "The city and state, e.g. Los Angeles, CA"},
        dietary_preference={
            "type": "array",
            "items": {"type": "string", "enum": ["Vegan", "Vegetarian", "Gluten-free"]},
            "description": "Dietary preference. Default is empty list.",
        },
    )
    query = "Find a nearby restaurant that serves vegan food in Los Angeles."
    call = ToolCall(name=restaurants.name, arguments={"location": "Los Angeles, CA"})
    assert mentioned_parameters(call, restaurants, [Message.user(query)]) == {
        "dietary_preference": ("Vegan",)
    }
    tools, _ = amended_tools([call], [restaurants], [Message.user(query)])
    preference = tools[0].parameters["properties"]["dietary_preference"]
    assert preference["items"]["enum"] == ["Vegan"]
    assert preference["minItems"] == preference["maxItems"] == 1
    assert "enum" not in preference  # the list is not pinned: its items are


# -- the turn source -------------------------------------------------------------------------


def _call(**arguments: Any) -> list[ToolCall]:
    return [ToolCall(name="get_current_weather", arguments=arguments)]


def _turn(backend: ScriptedBackend, query: str, *, on: bool = True, **kw: Any) -> ModelTurn:
    return one_turn(backend, query, [WEATHER], mentioned_arguments=on, **kw)


def test_a_draft_without_the_asked_argument_is_generated_again_with_it_required() -> None:
    backend = ScriptedBackend.calls(
        [_call(location="Oslo"), _call(location="Oslo", unit="celsius")],
        supports_constraint=True,
    )
    model_turn = _turn(backend, "Weather in Oslo, in celsius please")
    assert [c.arguments for c in model_turn.turn.calls] == [{"location": "Oslo", "unit": "celsius"}]
    assert dict(model_turn.mentioned) == {"get_current_weather": ("unit",)}
    first, second = (params.constraint for _, params in backend.requests)
    assert first is not None and second is not None
    assert second.json_schema is not None
    arguments = second.json_schema["items"]["properties"]["arguments"]
    assert arguments["required"] == ["location", "unit"]
    assert arguments["properties"]["unit"]["enum"] == ["celsius"]  # the value the user said
    assert second.json_schema["maxItems"] == 1  # more arguments, never more calls
    assert model_turn.generation.usage.requests == 2  # the draft's tokens are counted too


def test_the_second_generation_calls_the_tools_the_draft_called() -> None:
    # bfcl-eval live_multiple_151-58-5: with `metrics` required, the model called another
    # tool rather than write it
    backend = ScriptedBackend.calls(
        [_call(location="Oslo"), _call(location="Oslo", unit="celsius")],
        supports_constraint=True,
    )
    model_turn = one_turn(
        backend, "Weather in Oslo, in celsius please", [WEATHER, USER], mentioned_arguments=True
    )
    assert dict(model_turn.mentioned) == {"get_current_weather": ("unit",)}
    first, second = (params.constraint for _, params in backend.requests)
    assert first is not None and second is not None
    assert "get_user_info" in json.dumps(first.json_schema)
    assert "get_current_weather" in json.dumps(second.json_schema)
    assert "get_user_info" not in json.dumps(second.json_schema)


def test_the_draft_stays_when_nothing_is_asked_for() -> None:
    backend = ScriptedBackend.calls([_call(location="Oslo")], supports_constraint=True)
    kept = _turn(backend, "Weather in Oslo?")
    assert len(backend.requests) == 1 and not kept.mentioned
    assert [c.arguments for c in kept.turn.calls] == [{"location": "Oslo"}]


def test_the_draft_stays_when_the_second_generation_cannot_be_had() -> None:
    # the scripted engine refuses output its grammar does not allow: the unit is now required
    backend = ScriptedBackend.calls(
        [_call(location="Oslo"), _call(location="Oslo")], supports_constraint=True
    )
    raw: list[str] = []
    request = TurnRequest(
        messages=[Message.user("Weather in Oslo, in celsius")],
        tools=[WEATHER],
        params=GenerationParams(mentioned_arguments=True),
        tool_choice="required",
        constrained=True,
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request, on_raw=raw.append))
    assert len(backend.requests) == 2 and not model_turn.mentioned
    assert [c.arguments for c in model_turn.turn.calls] == [{"location": "Oslo"}]
    assert "".join(raw) == model_turn.generation.text  # the draft's text, once


@pytest.mark.parametrize(("on", "tool_choice"), [(False, "required"), (True, "auto")])
def test_off_or_in_a_turn_that_may_answer_in_text_one_generation(
    on: bool, tool_choice: str
) -> None:
    backend = ScriptedBackend.calls([_call(location="Oslo")], supports_constraint=True)
    _turn(backend, "Weather in Oslo, in celsius", on=on, tool_choice=tool_choice)
    assert len(backend.requests) == 1


def test_the_step_records_what_was_asked_for() -> None:
    backend = ScriptedBackend.calls(
        [_call(location="Oslo"), _call(location="Oslo", unit="celsius"), "Cold."],
        supports_constraint=True,
    )
    seen: list[dict[str, Any]] = []

    def get_current_weather(location: str, unit: str = "fahrenheit") -> str:
        """Weather. Args: location: where. unit: celsius or fahrenheit."""
        seen.append({"location": location, "unit": unit})
        return "2 degrees"

    agent = Agent(
        backend,
        tools=[Tool.from_spec(WEATHER.spec(), get_current_weather)],
        constrained=True,
        tool_choice="required",
        mentioned_arguments=True,
    )
    result = agent.run("Weather in Oslo, in celsius")
    assert seen == [{"location": "Oslo", "unit": "celsius"}]
    first = result.trajectory.steps[0]
    assert first.mentioned == {"get_current_weather": ["unit"]}
    assert result.trajectory.steps[-1].mentioned is None
