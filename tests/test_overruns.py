"""A value that ran on into another argument's (`lamagent.gate.overruns`). The drafts are the
embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.overruns import overrun_values, unwritten_tails
from lamagent.messages import ToolCall


def _cut(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = overrun_values([ToolCall(name="t", arguments=draft)], query)
    return calls[0].arguments, notes


def _tail_cut(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = unwritten_tails([ToolCall(name="t", arguments=draft)], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("query", "draft", "meant"),
    [
        (  # BFCL simple_python_196 / multiple_144
            "What is the air quality index in London 2022/08/16?",
            {"location": "London 2022/08/16", "date": "2022/08/16"},
            {"location": "London", "date": "2022/08/16"},
        ),
        (  # BFCL simple_python_163: a comma, and words after the value run into
            "Provide me with the property records of my house located at 123 main street, "
            "with parcel number 1234567890 in Santa Clara county.",
            {"address": "123 main street, Santa Clara county", "county": "Santa Clara county"},
            {"address": "123 main street", "county": "Santa Clara county"},
        ),
        (  # BFCL multiple_78: a function word at the cut
            "Get me information about Natural History Museum in London including timings.",
            {"spot": "Natural History Museum in London", "city": "London"},
            {"spot": "Natural History Museum", "city": "London"},
        ),
        (  # BFCL simple_python_345: a number the other argument holds
            "Find the value of a vintage Super Mario Bros. game from 1985 like new.",
            {"game_name": "Super Mario Bros. 1985", "release_year": 1985},
            {"game_name": "Super Mario Bros.", "release_year": 1985},
        ),
        (  # made up: a hyphen
            "Weather for Oslo - tomorrow morning please",
            {"city": "Oslo - tomorrow", "when": "tomorrow"},
            {"city": "Oslo", "when": "tomorrow"},
        ),
    ],
)
def test_the_value_ends_where_the_other_begins(
    query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _cut(query, **draft)
    assert arguments == meant
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("tool", "value", "meant"),
    [
        # BFCL simple_python_141: "Get current Gold price per ounce." drafted the metal with
        # the words that link it to the measure; "price" is what `get_metal_price` is about
        ("get_metal_price", "Gold price per ounce", "Gold"),
        ("get_metal_price", "Gold prices per ounce", "Gold"),
        # another tool's words stay, and so does a word of the tool's name capitalised
        ("get_metal_quote", "Gold price per ounce", "Gold price"),
        ("get_metal_price", "Gold Price per ounce", "Gold Price"),
    ],
)
def test_the_tools_subject_and_linking_words_end_no_value(
    tool: str, value: str, meant: str
) -> None:
    call = ToolCall(name=tool, arguments={"metal": value, "measure": "ounce"})
    query = f"Get current {value}."
    [out], notes = overrun_values([call], query)
    assert out.arguments == {"metal": meant, "measure": "ounce"}
    assert notes == [f"{tool}.metal: {value!r} as {meant!r}, 'measure' holds the rest"]


def test_a_name_the_user_did_not_write_whole_ends_where_the_other_begins() -> None:
    # BFCL simple_python_381: "Hilton Hotel Paris" is no name the user wrote
    query = "Check if any Hilton Hotel is available for two adults in Paris from April 4th?"
    draft = {"location": "Paris", "hotel_chain": "Hilton Hotel Paris"}
    arguments, _ = _cut(query, **draft)
    assert arguments == {"location": "Paris", "hotel_chain": "Hilton Hotel"}
    # written whole, it is one name
    assert _cut("a stay at the Hilton Hotel Paris", **draft) == (draft, [])


def test_the_note_says_which_argument_holds_the_rest() -> None:
    _, notes = _cut(
        "air quality in London 2022/08/16", location="London 2022/08/16", date="2022/08/16"
    )
    assert notes == ["t.location: 'London 2022/08/16' as 'London', 'date' holds the rest"]


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # BFCL multiple_85: "La" is no value ("Liga" was the wrong one)
        ("Real Madrid in La Liga, last 5 rounds", {"team": "Liga", "league": "La Liga"}),
        # BFCL simple_python_170: what is left is another argument's value
        (
            "Find a historical law case about fraud from 2010 to 2015.",
            {"subject": "2010-2015", "from_year": 2010, "to_year": 2015},
        ),
        # no separator: one value ("Liga2021"); a hyphen alone joins a word
        ("the Liga2021 season 2021", {"league": "Liga2021", "season": "2021"}),
        (  # bfcl-eval simple_java_81
            "log to 'test-gc-analysis.log' and 'gc-analysis.log'",
            {"doGC": "test-gc-analysis.log", "gcLogName": "gc-analysis.log"},
        ),
        # a name capitalised throughout (bfcl-eval parallel_multiple_98)
        ("convert 5000 Japanese Yen", {"from_currency": "Yen", "to_currency": "Japanese Yen"}),
        # the other value is not as the user wrote it (case), or not written at all
        (
            "SILVER BUSINESS CHECKING statement",
            {"bank": "SILVER BUSINESS CHECKING", "type": "checking"},
        ),
        ("London next week", {"location": "London 2022/08/16", "date": "2022/08/16"}),
        # what is left is not the user's words
        ("weather in Paris 2022", {"location": "Paree 2022", "year": 2022}),
        # booleans carry no value
        ("London True", {"location": "London True", "flag": True}),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _cut(query, **draft) == (draft, [])


@pytest.mark.parametrize(
    ("query", "draft", "meant"),
    [
        (  # bfcl-eval parallel_multiple_60: a population nobody asked for
            "What is the capital city of Australia, what is the current population of Canada?",
            {"country": "Australia, 100,000,000"},
            {"country": "Australia"},
        ),
        (  # bfcl-eval parallel_multiple_43: a year nobody wrote
            "the average price of a 6 ft x 3 ft bronze sculpture in New York museum",
            {"museum_location": "New York 2020", "material": "bronze"},
            {"museum_location": "New York", "material": "bronze"},
        ),
        (  # made up: a model number the user did not give
            "What is the price of an iPhone in Canada?",
            {"product": "iPhone 12", "country": "Canada"},
            {"product": "iPhone", "country": "Canada"},
        ),
        (  # made up: an amount in dollars, a function word at the cut
            "Send the parcel to Lisbon by air.",
            {"destination": "Lisbon for $30"},
            {"destination": "Lisbon"},
        ),
    ],
)
def test_a_value_that_ran_into_a_number_nobody_wrote_ends_before_it(
    query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    # the turn's drafts read the mangled value as such: only the final list cuts it
    assert _cut(query, **draft) == (draft, [])
    arguments, notes = _tail_cut(query, **draft)
    assert arguments == meant
    assert notes == [
        f"t.{next(iter(draft))}: {next(iter(draft.values()))!r} as "
        f"{next(iter(meant.values()))!r}, a number nobody wrote ends it"
    ]


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # the user wrote the number: in digits, in words, with a magnitude
        ("the Coachella festival in Indio 2024", {"festival": "Indio 2024"}),
        ("a team of twelve in Paris", {"city": "Paris 12"}),
        ("a budget of 2 million in Oslo", {"city": "Oslo, 2000000"}),
        # what is left is not the user's words
        ("in Paree", {"city": "Paris 75"}),
        # a number inside a word, a date or a time: the value's own
        ("the Liga season", {"league": "Liga2021"}),
        ("London next week", {"location": "London 2022-08-16"}),
        ("London tonight", {"location": "London 10:30"}),
        # too little left ("La")
        ("La Liga", {"league": "La 7"}),
    ],
)
def test_a_number_that_ends_a_value_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _tail_cut(query, **draft) == (draft, [])


@pytest.mark.parametrize(
    ("query", "draft", "meant", "tail"),
    [
        (  # bfcl-eval parallel_multiple_100: the user wrote the 30, not "30 days ago"
            "Can you tell me what the stock price prediction for Apple Inc. is for the next "
            "30 days using the ARIMA model?",
            {"company": "Apple Inc. 30 days ago", "days": 30},
            {"company": "Apple Inc.", "days": 30},
            "30 days ago",
        ),
        (  # made up: a zip code the user wrote, run on into words nobody wrote after it
            "Find a hotel in Palo Alto, zip 94301, for two nights.",
            {"city": "Palo Alto, 94301 two nights"},
            {"city": "Palo Alto"},
            "94301 two nights",
        ),
        (  # made up: the longest head the user wrote ("Room 5"), function words dropped
            "Book Room 5 at the Hilton for 3 people tonight.",
            {"room": "Room 5 for 3 guests"},
            {"room": "Room 5"},
            "3 guests",
        ),
    ],
)
def test_a_value_that_ran_into_words_nobody_wrote_from_a_number_on_ends_before_them(
    query: str, draft: dict[str, Any], meant: dict[str, Any], tail: str
) -> None:
    arguments, notes = _tail_cut(query, **draft)
    assert arguments == meant
    name, value = next(iter(draft.items()))
    assert notes == [f"t.{name}: {value!r} as {meant[name]!r}, nobody wrote {tail!r}"]


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # the whole value is the user's words, punctuation aside
        ("Buy tickets for June 30th, 2023 please", {"date": "June 30th 2023"}),
        # the words from the number on are the user's too
        ("Find a hotel in Palo Alto, zip 94301 CA", {"city": "Palo Alto 94301 CA"}),
        ("the forecast for the next 30 days in Apple Inc.", {"company": "Apple Inc. 30 days"}),
        # numbers alone after the value: `overrun_values`', or written in words
        ("a team of twelve people in Paris", {"city": "Paris 12 14"}),
        # a date or a time opens no tail
        ("London next week please", {"location": "London 2022-08-16 morning"}),
        # what is left is not the user's words
        ("in Paree for 3 days", {"city": "Paris 3 days ago"}),
    ],
)
def test_words_from_a_number_on_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _tail_cut(query, **draft) == (draft, [])


@pytest.mark.parametrize(
    ("query", "value", "meant"),
    [
        (  # bfcl-eval parallel_multiple_138: past the call's end, into text
            "I need to find the details of lawsuits involving Apple Inc. from the year 2010.",
            "Apple Inc.}}}] You can use the following JSON array to find the details: [{",
            "Apple Inc.",
        ),
        ("Also calculate the definite integral from 0 to 3.1416 of sin(x).", "sin(x)}", "sin(x)"),
        # the user's brackets are the value's own; the first run nobody wrote ends it
        ("Send {name} to Lisbon", "{name} to Lisbon]}", "{name} to Lisbon"),
    ],
)
def test_a_value_that_ran_past_brackets_nobody_wrote_ends_before_them(
    query: str, value: str, meant: str
) -> None:
    calls, notes = unwritten_tails([ToolCall(name="t", arguments={"a": value, "n": 3})], query)
    assert calls[0].arguments == {"a": meant, "n": 3}
    assert notes == [f"t.a: {value!r} as {meant!r}, a bracket nobody wrote ends it"]


@pytest.mark.parametrize(
    ("query", "value"),
    [
        ("list the items [1, 2] please", "[1, 2]"),  # the user wrote them
        ("the order id please", "{{order_id}}}"),  # what is left is not the user's words
        ("in Paris", "Pa}"),  # too little left
        ("in Paris", "Paris"),
    ],
)
def test_brackets_left_alone(query: str, value: str) -> None:
    drafted = [ToolCall(name="t", arguments={"a": value})]
    calls, notes = unwritten_tails(drafted, query)
    assert (calls[0].arguments, notes) == ({"a": value}, [])


@pytest.mark.parametrize(
    ("query", "value", "meant", "why"),
    [
        # a bracket tail after a number nobody wrote: each cut in turn
        ("the museum in New York", "New York 2020}}]", "New York", "a bracket nobody wrote"),
        # a number nobody wrote, then brackets: one cut, the number's
        ("the museum in New York", "New York, 2020", "New York", "a number nobody wrote"),
    ],
)
def test_tails_one_after_another(query: str, value: str, meant: str, why: str) -> None:
    calls, notes = unwritten_tails([ToolCall(name="t", arguments={"a": value})], query)
    assert calls[0].arguments == {"a": meant}
    assert len(notes) == 1 and notes[0].startswith(f"t.a: {value!r} as {meant!r}, {why}")
