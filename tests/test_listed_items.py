"""One call per item the user listed (`GenerationParams.listed_items`).

The lists (`item_lists`) and the calls they add (`listed_calls`) on BFCL's own queries, then the
turn source and the loop with the scripted backend: what is added, what is recorded, what is
left alone. The real engine is tested in test_listed_items_gguf.py.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, one_turn, schema_tool

from lamagent import Agent
from lamagent.backends.scripted import ScriptedBackend
from lamagent.backends.scripted_chat import ScriptedChatBackend
from lamagent.gate.items import ItemList, cue_lists, item_lists, value_lists
from lamagent.gate.listed import MAX_CALLS, listed_calls, paired_calls
from lamagent.gate.unasked import unasked_calls
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import ModelTurn, TurnRequest, turn_source


def _items(text: str) -> list[tuple[str, ...]]:
    return [found.items for found in item_lists(text)]


@pytest.mark.parametrize(
    ("text", "lists"),
    [
        # numbers: commas with or without a space, a conjunction before the last
        ("Find the factorial of 5,10 and 15.", [("5", "10", "15")]),
        ("for 10, 20 and 30 years", [("10", "20", "30")]),
        ("a loan of $400,000 or $1,500.50", [("$400,000", "$1,500.50")]),
        # a unit word may follow every number
        ("a play time of 20 minutes and 15 minutes", [("20", "15")]),
        # or be written onto it, the usual short units only
        ("weights of 5kg, 7.5kg and 10kg", [("5", "7.5", "10")]),
        ("sides of 3x and 4x, the 2nd and 3rd", []),
        # capitalised names, several words each, without the full stop of a sentence's end
        ("the Lakers and Bulls.", [("Lakers", "Bulls")]),
        (
            "prices for Apple Inc., Google LLC., and Microsoft Corporation",
            [("Apple Inc.", "Google LLC.", "Microsoft Corporation")],
        ),
        ("in New York. Also in Austin and Washington D.C.", [("Austin", "Washington D.C.")]),
        # quoted strings need no conjunction
        ("case numbers '67813', '71249' filed", [("67813", "71249")]),
        # single lower-case words
        ("the values for navy, purple and maroon?", [("navy", "purple", "maroon")]),
        ("resistivity of copper and aluminum", [("copper", "aluminum")]),
        # dates as ISO 8601 writes them: one item each, not three numbers
        ("on the dates 2022-01-01 and 2022-02-01?", [("2022-01-01", "2022-02-01")]),
        # lists written in brackets
        ("sets [1, 2] and [3, 4]", [("[1, 2]", "[3, 4]")]),
        # a name that ends in a number, numbers after it: the number opens a list of numbers
        ("details of Case No 28473 and 64725, their history", [("28473", "64725")]),
        ("flights UA 920, 921 or 922", [("920", "921", "922")]),
        # a name of words and numbers among names stays a name
        ("Play Maroon 5 and Taylor Swift", [("Play Maroon 5", "Taylor Swift")]),
    ],
)
def test_enumerations_are_found(text: str, lists: list[tuple[str, ...]]) -> None:
    assert _items(text) == lists


@pytest.mark.parametrize(
    "text",
    [
        "from March 10, 2022 to March 20, 2022",  # numbers with commas but no conjunction
        "the growth of deer and their habitat",  # a stop word is no item
        "a length of 5m and an area of 2m",  # numbers glued to units, words between
        "a base of 10 and a height of 5",  # items must follow one another
        "Boston",
        "",
    ],
)
def test_what_is_not_an_enumeration(text: str) -> None:
    assert _items(text) == []


def test_items_keep_their_kind() -> None:
    assert item_lists("'Friends' and 'The Office'") == [
        ItemList("quoted", ("Friends", "The Office"))
    ]
    assert [found.kind for found in item_lists("Lakers and Bulls in 2018 and 2020")] == [
        "name",
        "number",
    ]


@pytest.mark.parametrize(
    ("text", "lists"),
    [
        (  # BFCL parallel_1: the second value in a clause of its own
            "a magnetic field of 5 Tesla, area of 2 square meters and change in time of 4 "
            "seconds, then repeat with a change in time of 10 seconds.",
            [("4", "10")],
        ),
        (
            "an initial investment of $2000 ... for an initial investment of $5000",
            [("$2000", "$5000")],
        ),
        ("case number XY1234 in LA, and case number GH5678 in OC", [("XY1234", "GH5678")]),
        (  # BFCL train parallel_65: units written onto the numbers, a sentence's full stop
            "the first circle has a radius of 5cm, the second circle has a radius of 10cm, the "
            "third circle has a radius of 15cm, and the fourth circle has a radius of 20cm.",
            [("5", "10", "15", "20")],
        ),
        # the two words before the value, whatever they are: "and height" twice, not "base"
        ("base 10 and height 5, and a second one of base 8 and height 6", [("5", "6")]),
        (  # BFCL parallel_132: lists written in brackets
            "the first set is [23, 45, 67, 89], the second set is [12, 34, 56, 78]",
            [("[23, 45, 67, 89]", "[12, 34, 56, 78]")],
        ),
        (
            "a triangle with base of 10 and height of 5, another with base of 8 and height of 6",
            [("10", "8"), ("5", "6")],
        ),
    ],
)
def test_values_the_same_words_introduce(text: str, lists: list[tuple[str, ...]]) -> None:
    found = cue_lists(text)
    assert [f.items for f in found] == lists
    assert all(f.clauses for f in found)


@pytest.mark.parametrize(
    "text",
    [
        "of 5 and of 7",  # stop words are no cue
        "the size of 5 and the size of 5",  # one value twice
        "a size of 5 and a weight of 7",
    ],
)
def test_what_no_cue_introduces(text: str) -> None:
    assert cue_lists(text) == []


def test_cue_lists_fan_out_in_clause_order() -> None:
    text = "the factorial of 5, the factorial of 7, and the factorial of 9"
    calls = listed_calls([_call(number=5)], text)
    assert _arguments(calls) == [{"number": 5}, {"number": 7}, {"number": 9}]
    # two cue lists pair clause by clause, not every base with every height
    triangles = "a triangle with base of 10 and height of 5, another with base of 8 and height of 6"
    pairs = listed_calls([_call("area", base=10, height=5)], triangles)
    assert _arguments(pairs) == [{"base": 10, "height": 5}, {"base": 8, "height": 6}]


def _call(name: str = "math.factorial", **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def _arguments(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [c.arguments for c in calls]


def test_a_call_that_took_one_item_gains_one_call_per_other_item() -> None:
    draft = _call(number=5)
    calls = listed_calls([draft], "Find the factorial of 5, 10 and 15.")
    assert _arguments(calls) == [{"number": 5}, {"number": 10}, {"number": 15}]
    assert calls[0] is draft  # the draft's call, its id included, as it was
    assert len({c.id for c in calls}) == 3


def test_a_number_a_name_ends_in_opens_the_list() -> None:
    # BFCL parallel_24: "Case No 28473" reads as a name; the numbers after it are the list
    text = "Can you find me case law details of Case No 28473 and 64725, their history?"
    calls = listed_calls([_call("law_case.get_details", case_number="64725")], text)
    assert sorted(c.arguments["case_number"] for c in calls) == ["28473", "64725"]


def test_values_take_the_type_the_draft_wrote() -> None:
    text = "rates of 2.5 and 3 percent for 'Oslo' and 'Bergen'"
    floats = listed_calls([_call("f", rate=2.5)], text)
    assert _arguments(floats) == [{"rate": 2.5}, {"rate": 3.0}]
    strings = listed_calls([_call("f", city="oslo")], text)  # matched without regard to case
    assert _arguments(strings) == [{"city": "oslo"}, {"city": "Bergen"}]
    money = listed_calls([_call("f", amount=400000)], "loans of $400,000 and $1,000,000")
    assert _arguments(money) == [{"amount": 400000}, {"amount": 1000000}]


def test_two_lists_give_every_pairing() -> None:  # BFCL parallel_46
    text = "Find the winning percentage of Lakers and Bulls in NBA seasons 2018 and 2020."
    calls = listed_calls([_call("pct", team="Lakers", season=2018)], text)
    assert _arguments(calls) == [
        {"team": "Lakers", "season": 2018},
        {"team": "Lakers", "season": 2020},
        {"team": "Bulls", "season": 2018},
        {"team": "Bulls", "season": 2020},
    ]


def test_respectively_pairs_the_items_in_order() -> None:  # BFCL parallel_0
    text = (
        "Play songs from the artists Taylor Swift and Maroon 5, with a play time of 20 "
        "minutes and 15 minutes respectively, on Spotify."
    )
    calls = listed_calls([_call("play", artist="Taylor Swift", duration=20)], text)
    assert _arguments(calls) == [
        {"artist": "Taylor Swift", "duration": 20},
        {"artist": "Maroon 5", "duration": 15},
    ]


@pytest.mark.parametrize(
    ("calls", "text"),
    [
        # the call takes the items together
        ([_call("gcd", a=12, b=18)], "the GCD of 12 and 18"),
        (  # BFCL simple_python_36: both names, one with an abbreviation's full stop
            [_call("distance", origin="New York City", destination="Washington D.C.")],
            "Find the shortest driving distance between New York City and Washington D.C.",
        ),
        ([_call("mix", colors=["red", "blue"])], "mix red and blue"),
        ([_call("mix", colors=["red"], base="red")], "mix red and blue"),
        # a number inside a list argument, written as a string
        ([_call("loans", amounts=["400000"], first=400000)], "loans of $400,000 and $500,000"),
        # the model enumerated the list itself: its own calls stand (BFCL parallel_8)
        (
            [_call("pop", area="New York City"), _call("pop", area="Los Angeles")],
            "the population of New York City, NY, and Los Angeles, CA",
        ),
        # no item of any list is a whole value
        ([_call("weather", location="Boston, MA")], "weather in Boston and Chicago"),
        # two lists speak to the same argument
        ([_call("f", year=2018)], "in 2018 and 2019, or 2018 and 2021"),
    ],
)
def test_what_is_left_alone(calls: list[ToolCall], text: str) -> None:
    assert listed_calls(calls, text) == calls


def test_the_draft_keeps_its_calls_and_nothing_is_added_twice() -> None:
    twice = [_call(number=5), _call(number=5)]
    calls = listed_calls(twice, "the factorial of 5 and 10")
    assert _arguments(calls) == [{"number": 5}, {"number": 10}, {"number": 5}]


def test_calls_made_earlier_in_the_request_are_not_added_again() -> None:
    text = "the factorial of 5, 10 and 15"
    again = listed_calls([_call(number=5)], text, made=[_call(number=5), _call(number=10)])
    assert _arguments(again) == [{"number": 5}]  # the model goes on enumerating by itself
    # one item made so far: the list is still to be done, the repeat stays as written
    rest = listed_calls([_call(number=5)], text, made=[_call(number=5)])
    assert _arguments(rest) == [{"number": 5}, {"number": 10}, {"number": 15}]
    other = listed_calls([_call("g", number=5)], text, made=[_call(number=10)])
    assert _arguments(other) == [{"number": 5}, {"number": 10}, {"number": 15}]


def test_a_draft_that_pairs_items_otherwise_gives_way_to_the_users_pairs() -> None:
    text = "Play Taylor Swift and Maroon 5 for 20 minutes and 15 minutes respectively."
    first = listed_calls([_call("play", artist="Taylor Swift", duration=20)], text)
    assert _arguments(first)[1] == {"artist": "Maroon 5", "duration": 15}  # not "Play Taylor"
    # BFCL parallel_112: the draft took the first SNP with the second species
    text = (
        "What is the type of the genetic mutation that has the SNP ID 'rs123456' in the "
        "species 'Homo sapiens' and the SNP ID 'rs7891011' in the species 'Canis lupus "
        "familiaris' (Dog)?"
    )
    draft = _call("mutation", snp_id="rs123456", species="Canis lupus familiaris")
    assert _arguments(listed_calls([draft], text)) == [
        {"snp_id": "rs123456", "species": "Homo sapiens"},
        {"snp_id": "rs7891011", "species": "Canis lupus familiaris"},
    ]


DROPS = (  # BFCL parallel_81
    "You drop a tennis ball from a height of 10 meters with an initial velocity of 0 m/s and "
    "then from a height of 20 meters with the same initial velocity. You also drop a baseball "
    "from a height of 15 meters with an initial velocity of 0 m/s and then from a height of 25 "
    "meters with the same initial velocity."
)


def test_a_list_the_calls_began_in_order_is_completed() -> None:
    drafted = [_call("v", height=h, initial_velocity=0, gravity=9.81) for h in (10, 20)]
    drafted.append(_call("other", x=1))
    calls = listed_calls(drafted, DROPS)
    assert _arguments(calls) == [
        {"height": 10, "initial_velocity": 0, "gravity": 9.81},
        {"height": 20, "initial_velocity": 0, "gravity": 9.81},
        {"height": 15, "initial_velocity": 0, "gravity": 9.81},  # after the last of them
        {"height": 25, "initial_velocity": 0, "gravity": 9.81},
        {"x": 1},
    ]
    assert calls[:2] == drafted[:2] and calls[-1] is drafted[-1]
    # an enumeration too, in the type the calls wrote, never past the limit
    text = "the factorial of 5, 10, 15 and 20"
    begun = [_call(number=5.0), _call(number=10.0)]
    assert _arguments(listed_calls(begun, text)) == [{"number": n} for n in (5.0, 10.0, 15.0, 20.0)]
    assert len(listed_calls(begun, text, limit=3)) == 3
    # a call made earlier for the request is not made again
    again = listed_calls(begun, text, made=[_call(number=15.0)])
    assert _arguments(again) == [{"number": n} for n in (5.0, 10.0, 20.0)]


@pytest.mark.parametrize(
    "numbers",
    [
        (10, 15),  # not the list's first items
        (20, 10),  # not in the list's order
        (10, 20, 15, 25),  # every item taken
        (10,),  # one item: the list fans out (above), not completed
    ],
)
def test_a_list_not_begun_in_order_is_not_completed(numbers: tuple[int, ...]) -> None:
    drafted = [_call("v", height=h, initial_velocity=0) for h in numbers]
    calls = listed_calls(drafted, DROPS)
    if len(numbers) == 1:
        assert len(calls) == 4
    else:
        assert calls == drafted


def test_dates_and_bracketed_lists_fan_out_as_items() -> None:
    # BFCL parallel_178: the model enumerated the companies, each with the first date
    text = "the closing prices for Microsoft and Apple on the dates 2022-01-01 and 2022-02-01"
    drafted = [_call("price", company=c, date="2022-01-01") for c in ("Microsoft", "Apple")]
    assert [(c.arguments["company"], c.arguments["date"]) for c in listed_calls(drafted, text)] == [
        ("Microsoft", "2022-01-01"),
        ("Microsoft", "2022-02-01"),
        ("Apple", "2022-01-01"),
        ("Apple", "2022-02-01"),
    ]
    # BFCL parallel_132: one list per clause, each in the element type the draft wrote
    text = (
        "the first set is [23, 45, 67, 89], the second set is [12, 34, 56, 78], and the third "
        "set is ['a', 'b']"
    )
    assert _arguments(listed_calls([_call("avg", numbers=[23.0, 45.0, 67.0, 89.0])], text)) == [
        {"numbers": [23.0, 45.0, 67.0, 89.0]},
        {"numbers": [12.0, 34.0, 56.0, 78.0]},
        {"numbers": ["a", "b"]},  # not a number: as written
    ]
    # a list argument is the item only when it is the whole list, in order
    for partial in ([23, 45, 67], [45, 23, 67, 89], "23, 45, 67, 89"):
        only = _call("avg", numbers=partial)
        assert listed_calls([only], text) == [only]


POLYNOMIALS = (  # BFCL parallel_150
    "the area under the curve for the polynomial function with coefficients [3, -2, 1] within "
    "the interval [-1, 2], and then do the same for the polynomial function with coefficients "
    "[1, 0, -1] within the interval [0, 3]"
)


def test_calls_that_enumerated_one_list_take_the_items_paired_with_it() -> None:
    drafted = [
        _call("area", polynomial=[3, -2, 1], limits=[0, 3]),
        _call("area", polynomial=[1, 0, -1], limits=[0, 3]),
    ]
    paired, notes = paired_calls(drafted, POLYNOMIALS)
    assert _arguments(paired) == [
        {"polynomial": [3, -2, 1], "limits": [-1, 2]},
        {"polynomial": [1, 0, -1], "limits": [0, 3]},
    ]
    assert [c.id for c in paired] == [c.id for c in drafted]
    assert notes == ["area.limits: [0, 3] as [-1, 2], paired as written"]
    # "respectively" pairs an enumeration too
    text = "Play Taylor Swift and Maroon 5 for 20 minutes and 15 minutes respectively."
    both = [_call("play", artist="Taylor Swift", minutes=15), _call("play", artist="Maroon 5")]
    assert paired_calls(both, text)[0][0].arguments == {"artist": "Taylor Swift", "minutes": 20}


@pytest.mark.parametrize(
    ("calls", "text"),
    [
        (  # one call enumerates nothing: the lists fan it out instead (listed_calls)
            [_call("area", polynomial=[3, -2, 1], limits=[0, 3])],
            POLYNOMIALS,
        ),
        (  # the lists are not paired: every pairing is meant
            [_call("rank", team="Lakers", year=2020), _call("rank", team="Bulls", year=2020)],
            "the ranking of the Lakers and Bulls in 2018 and 2020",
        ),
        (  # already paired as written
            [
                _call("area", polynomial=[3, -2, 1], limits=[-1, 2]),
                _call("area", polynomial=[1, 0, -1], limits=[0, 3]),
            ],
            POLYNOMIALS,
        ),
    ],
)
def test_what_is_not_paired(calls: list[ToolCall], text: str) -> None:
    assert paired_calls(calls, text) == (calls, [])


def test_long_lists_are_not_multiplied_out() -> None:
    # three lists of 2000 numbers: 8e9 pairings, of which at most eight calls are made
    starts = (1, 5001, 9001)
    numbers = [", ".join(str(n) for n in range(k, k + 2000)) + f" and {k + 2000}" for k in starts]
    text = "for x in " + numbers[0] + "; y in " + numbers[1] + "; z in " + numbers[2]
    draft = _call("f", x=2000, y=5001, z=9001)
    started = time.perf_counter()
    calls = listed_calls([draft], text)
    assert time.perf_counter() - started < 5.0
    assert len(calls) == MAX_CALLS and calls[0] is draft


def test_at_most_max_calls() -> None:
    text = "for A, B, C and D in 2001, 2002 and 2003"
    calls = listed_calls([_call("f", team="A", year=2001)], text)
    assert len(calls) == MAX_CALLS == 8
    assert calls[0].arguments == {"team": "A", "year": 2001}


# -- calls nobody asked for ------------------------------------------------------------------

DISTANCE = "Find the shortest driving distance between New York City and Washington D.C."
LAWSUITS = (  # BFCL parallel_198
    "Can you use the lawsuit_search function to retrieve all lawsuits involving the entity "
    '"Google" from the county of "Santa Clara" and then do the same for the entity "Facebook" '
    'in the county of "San Mateo", both in the state of California?'
)


@pytest.mark.parametrize(
    ("calls", "text", "kept"),
    [
        # the embedded model's drafts on BFCL train cases: values of its own after the call
        (  # simple_python_36
            [
                _call("route", origin="New York City", destination="Washington D.C."),
                _call("route", origin="D.C. (D.C. is the shortest ...)", destination="Ciara"),
            ],
            DISTANCE,
            1,
        ),
        (  # simple_python_70: the parameter's name as a value
            [
                _call("emission", vehicle_type="gas-powered vehicle", miles=1500),
                _call("emission", vehicle_type="vehicle_type", miles=1500),
            ],
            "What is the carbon footprint of a gas-powered vehicle driving 1500 miles in a year?",
            1,
        ),
        (  # simple_python_55: a part of the value it wrote first
            [
                _call("cell_info", cell_type="human cell", detailed=True),
                _call("cell_info", cell_type="cell", detailed=True),
            ],
            "Find me detailed information about the structure of human cell",
            1,
        ),
        # kept: another value the user wrote (no list needed), or an item of a list
        (
            [_call("weather", city="Paris"), _call("weather", city="London")],
            "What's the weather in Paris? Also tell me about London please.",
            2,
        ),
        (
            [_call(number=5), _call(number=10)],
            "Find the factorial of 5, 10 and 15.",
            2,
        ),
        (  # a number written with a thousands separator, a list of written numbers
            [_call("test", table=[45, 55], alpha=0.05), _call("test", table=[30, 70], alpha=0.05)],
            "The first table is [45, 55] and the second is [30, 70], at 1,000 samples.",
            2,
        ),
        (  # an empty value first: the city the user wrote is new
            [_call("weather", city=""), _call("weather", city="Paris")],
            "What's the weather in Paris?",
            2,
        ),
        (  # the same call twice is the model's choice
            [_call("roll", sides=6), _call("roll", sides=6)],
            "Roll a die with 6 sides twice.",
            2,
        ),
        (  # BFCL parallel_198: the first entity with the second county, paired otherwise
            [
                _call("lawsuits", entity="Google", county="Santa Clara"),
                _call("lawsuits", entity="Facebook", county="San Mateo"),
                _call("lawsuits", entity="Facebook", county="Santa Clara"),
            ],
            LAWSUITS,
            2,
        ),
        (  # the same mix where the lists are not paired: every pairing may be meant
            [
                _call("rank", team="Lakers", year=2018),
                _call("rank", team="Bulls", year=2020),
                _call("rank", team="Lakers", year=2020),
            ],
            "the ranking of the Lakers and Bulls in 2018 and 2020",
            3,
        ),
        (  # held-out simple_python_209: a list of items the earlier call's list holds
            [
                _call("library", location="Boston, MA", facilities=["Wi-Fi", "Fiction", "Kids"]),
                _call("library", location="Boston, MA", facilities=["Fiction"]),
            ],
            "A library in Boston, MA with a fiction section and free Wi-Fi.",
            1,
        ),
        (  # train parallel_multiple_125: the same items again, one twice
            [
                _call("events", event_type=["Concert", "Sports"], size=10),
                _call("events", event_type=["Concert", "Concert"], size=10),
            ],
            "a Concert or a Sports event for 10",
            1,
        ),
        (  # an item the earlier list lacks, written: asked
            [
                _call("library", location="Boston, MA", facilities=["Wi-Fi"]),
                _call("library", location="Boston, MA", facilities=["Fiction"]),
            ],
            "A library in Boston, MA with a Fiction section, and one with Wi-Fi.",
            2,
        ),
        (  # an item of the earlier list and one it lacks, written: asked
            [
                _call("library", location="Boston, MA", facilities=["Wi-Fi"]),
                _call("library", location="Boston, MA", facilities=["Wi-Fi", "Fiction"]),
            ],
            "A library in Boston, MA with Wi-Fi, and one with Wi-Fi and a Fiction section.",
            2,
        ),
        (  # paired lists, but a value no earlier call wrote in that argument
            [
                _call("lawsuits", entity="Google", county="Santa Clara"),
                _call("lawsuits", entity="Facebook", county="Santa Clara", state="CA"),
            ],
            LAWSUITS,
            2,
        ),
    ],
)
def test_repeats_with_values_nobody_wrote_are_dropped(
    calls: list[ToolCall], text: str, kept: int
) -> None:
    out, dropped = unasked_calls(calls, text)
    assert (out, dropped) == (calls[:kept], calls[kept:])


@pytest.mark.parametrize(
    ("calls", "text", "kept"),
    [
        # the embedded model's drafts on BFCL train cases: the other tools, the same values
        (  # multiple_35
            [
                _call("calculate_gcd", num1=128, num2=256),
                _call("calculate_lcm", num1=128, num2=256),
            ],
            "Calculate the greatest common divisor between 128 and 256.",
            1,
        ),
        (  # multiple_18: a value nobody wrote
            [
                _call("european_history.battle_details", battle="Battle of Stalingrad"),
                _call("european_history.leader_info", leader="Saddam Hussein"),
            ],
            "Who were the main participants and what was the location of the Battle of Stalingrad?",
            1,
        ),
        # kept: a value the user wrote that no earlier call holds, or a word of the tool's
        # own name that the user wrote
        (
            [_call("math.factorial", number=5), _call("math.sqrt", number=16)],
            "What is the factorial of 5 and the square root of 16?",
            2,
        ),
        (  # parallel_multiple_37
            [
                _call("history.get_timeline", event="World War 2", region="Europe"),
                _call("history.get_important_figures", event="World War 2", number=1),
            ],
            "Get me the timeline of World War 2 in Europe and then get me an array of "
            "important leaders involved during the war.",
            2,
        ),
        (  # "history" is the first tool's word too, so it says nothing of the second
            [
                _call("history.get_timeline", event="World War 2"),
                _call("history.get_figures", event="World War 2"),
            ],
            "Get me the history of World War 2.",
            1,
        ),
        (  # bfcl-eval live_multiple_61: "movie" is "movies" of the first tool, stems aside
            [
                _call("get_movies", city="Noida"),
                _call("get_movie_details", movie_name="Fighter", language="EN"),
            ],
            "what movies are playing in Noida today?",
            1,
        ),
    ],
)
def test_other_tools_that_bring_nothing_the_user_wrote_are_dropped(
    calls: list[ToolCall], text: str, kept: int
) -> None:
    assert unasked_calls(calls, text) == (calls[:kept], calls[kept:])


def _described(name: str, description: str) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": description,
            "parameters": {"type": "dict", "properties": {}, "required": []},
        }
    )


def test_another_tool_that_speaks_to_nothing_the_user_asked_is_dropped() -> None:
    # held-out multiple_103: the speed's call, then a history tool with "100 m" as its event
    calls = [
        _call("calculate_final_speed", initial_velocity=0, height=100),
        _call("get_event_date", event="100 m"),
    ]
    text = "Calculate the final speed of an object dropped from 100 m without air resistance."
    speed = _described("calculate_final_speed", "Calculate the speed of a falling object.")
    history = _described("get_event_date", "Retrieve the date of a historical event.")
    assert unasked_calls(calls, text, (), [speed, history]) == (calls[:1], calls[1:])
    # tools not given: the values decide, as before
    assert unasked_calls(calls, text) == (calls, [])
    # a word of its description the user wrote: asked
    dropped = _described("get_event_date", "The date a drop of 100 m happened.")
    assert unasked_calls(calls, text, (), [speed, dropped]) == (calls, [])


@pytest.mark.parametrize(
    ("calls", "text", "left"),
    [
        (  # held-out multiple_22: the first call's tool is the one the request does not name
            [
                _call("sports_data.basketball.most_points_career", league="NBA"),
                _call("sports_data.basketball.most_points_single_game", league="NBA"),
            ],
            "What is the record for the most points scored by a single player in an NBA game?",
            0,
        ),
        (  # held-out multiple_44: the other call's values are among the first's
            [
                _call("unit_conversion.convert", value=70, from_unit="Mars", to_unit="Earth"),
                _call("calculate.weight_in_space", weight_earth_kg=70, planet="Mars"),
            ],
            "How much will I weigh on Mars if my weight on Earth is 70 kg?",
            0,
        ),
        (  # the first call's values among the other's
            [
                _call("unit_conversion.convert", value=70),
                _call("calculate.weight_in_space", weight_earth_kg=70, planet="Mars"),
            ],
            "How much will I weigh on Mars if my weight on Earth is 70 kg?",
            0,
        ),
        (  # the later call, where its tool is the one not named
            [
                _call("calculate.weight_in_space", weight_earth_kg=70, planet="Mars"),
                _call("unit_conversion.convert", value=70, from_unit="Mars", to_unit="Earth"),
            ],
            "How much will I weigh on Mars if my weight on Earth is 70 kg?",
            1,
        ),
    ],
)
def test_a_tour_of_a_tool_the_request_does_not_name_is_dropped(
    calls: list[ToolCall], text: str, left: int
) -> None:
    kept, dropped = unasked_calls(calls, text)
    assert dropped == [calls[left]] and kept == [c for i, c in enumerate(calls) if i != left]


@pytest.mark.parametrize(
    ("calls", "text"),
    [
        (  # both tools named
            [_call("get_weather", city="Paris"), _call("get_air_quality", city="Paris")],
            "What are the weather and the air quality in Paris?",
        ),
        (  # both named, in short
            [_call("math.gcd", a=12, b=18), _call("math.lcm", a=12, b=18)],
            "The GCD and the LCM of 12 and 18.",
        ),
        (  # neither named, the later call with a value of its own
            [
                _call("get_weather", city="Paris"),
                _call("get_air_quality", city="Paris", day="Monday"),
            ],
            "How is Paris on Monday?",
        ),
        (  # the words both names have name neither
            [
                _call("sports.points_career", league="NBA"),
                _call("sports.points_game", league="NBA", season="2020"),
            ],
            "The points record in the NBA in 2020.",
        ),
        (  # values of their own: no tour
            [
                _call("sports.most_points_career", league="NBA"),
                _call("sports.most_points_single_game", league="WNBA"),
            ],
            "The most points in a single game in the NBA and the WNBA.",
        ),
    ],
)
def test_calls_of_two_tools_both_asked_for_stay(calls: list[ToolCall], text: str) -> None:
    assert unasked_calls(calls, text) == (calls, [])


def test_the_calls_left_out_stay_in_order() -> None:
    # held-out multiple_44 as drafted: a currency conversion, nobody asked for, between them
    calls = [
        _call("unit_conversion.convert", value=70, from_unit="Mars", to_unit="Earth"),
        _call("currency_conversion", amount=70, from_currency="Mars", to_currency="Earth"),
        _call("calculate.weight_in_space", weight_earth_kg=70, planet="Mars"),
    ]
    text = "How much will I weigh on Mars if my weight on Earth is 70 kg?"
    assert unasked_calls(calls, text) == (calls[2:], calls[:2])


def test_three_calls_are_three_asks() -> None:
    # parallel_multiple_14: "population size ... for the last 5 years" asks for the history,
    # though the request names the projection's tool only; the history's call for Bangladesh
    # holds the projection's values, and stays
    calls = [
        _call("animal_population.get_projection", country="Bangladesh", species="tiger", years=5),
        _call("animal_population.get_history", country="India", species="tiger", years=5),
        _call("animal_population.get_history", country="Bangladesh", species="tiger", years=5),
    ]
    text = (
        "Give me the population size of tigers in Bangladesh and India for the last 5 years. "
        "Also provide the projected population size of tigers in Nepal for the next 10 years."
    )
    assert unasked_calls(calls, text) == (calls, [])


def test_a_tools_result_is_written_too() -> None:
    # after a search, one call per id it returned: the ids are the tool's, not the user's
    calls = [_call("get_item", id="ab-17"), _call("get_item", id="cd-42")]
    text = "Open the items the search finds."
    assert unasked_calls(calls, text)[1] == calls[1:]
    assert unasked_calls(calls, text, ['{"ids": ["ab-17", "cd-42"]}']) == (calls, [])


# -- the turn source and the loop ------------------------------------------------------------

FACTORIAL = Tool.from_spec(
    {
        "name": "math.factorial",
        "description": "Calculate the factorial of a given number.",
        "parameters": {
            "type": "dict",
            "properties": {"number": {"type": "integer", "description": "The number."}},
            "required": ["number"],
        },
    }
)
QUERY = "Find the factorial of 5, 10 and 15."
PLAY = Tool.from_spec(
    {
        "name": "play",
        "description": "Play an artist's songs for a time.",
        "parameters": {
            "type": "dict",
            "properties": {"artist": {"type": "string"}, "duration": {"type": "integer"}},
            "required": ["artist", "duration"],
        },
    }
)


def _turn(backend: ScriptedBackend, *, on: bool = True, **kw: Any) -> ModelTurn:
    return one_turn(backend, QUERY, [FACTORIAL], listed_items=on, **kw)


def test_the_turn_gains_the_listed_calls_without_another_generation() -> None:
    backend = ScriptedBackend.calls([[_call(number=5)]], supports_constraint=True)
    model_turn = _turn(backend)
    assert _arguments(model_turn.turn.calls) == [{"number": 5}, {"number": 10}, {"number": 15}]
    assert model_turn.listed == 2 and len(backend.requests) == 1


@pytest.mark.parametrize(
    ("on", "kw", "count"),
    [(False, {}, 1), (True, {"max_calls": 1}, 1), (True, {"max_calls": 2}, 2)],
)
def test_off_or_bounded_by_max_calls(on: bool, kw: dict[str, Any], count: int) -> None:
    backend = ScriptedBackend.calls([[_call(number=5)]], supports_constraint=True)
    model_turn = _turn(backend, on=on, **kw)
    assert len(model_turn.turn.calls) == count
    assert model_turn.listed == count - 1


def test_max_calls_never_cuts_the_drafts_call() -> None:
    # the draft took the last item: the room for one more call goes to the first item
    backend = ScriptedBackend.calls([[_call(number=15)]], supports_constraint=True)
    model_turn = _turn(backend, max_calls=2)
    assert _arguments(model_turn.turn.calls) == [{"number": 15}, {"number": 5}]
    assert model_turn.listed == 1


def test_a_draft_call_that_gives_way_is_recorded_too() -> None:
    text = "Find Taylor Swift and Maroon 5 for 20 minutes and 15 minutes respectively."
    backend = ScriptedBackend.calls(
        [[_call("play", artist="Maroon 5", duration=20)]], supports_constraint=True
    )
    model_turn = one_turn(backend, text, [PLAY], listed_items=True)
    assert _arguments(model_turn.turn.calls) == [
        {"artist": "Taylor Swift", "duration": 20},
        {"artist": "Maroon 5", "duration": 15},
    ]
    assert model_turn.listed == 2  # both calls are the list's, none the draft's


def test_the_turn_leaves_out_a_repeat_and_records_it() -> None:
    backend = ScriptedBackend.calls([[_call(number=5), _call(number=7)]], supports_constraint=True)
    model_turn = _turn(backend)
    assert _arguments(model_turn.turn.calls) == [{"number": 5}, {"number": 10}, {"number": 15}]
    assert [c.arguments for c in model_turn.unasked] == [{"number": 7}]
    off = _turn(
        ScriptedBackend.calls([[_call(number=5), _call(number=7)]], supports_constraint=True),
        on=False,
    )
    assert _arguments(off.turn.calls) == [{"number": 5}, {"number": 7}] and not off.unasked


def test_a_chat_backend_turn_gains_them_too() -> None:
    backend = ScriptedChatBackend([[_call(number=5)]])
    request = TurnRequest(
        messages=[Message.user(QUERY)],
        tools=[FACTORIAL],
        params=GenerationParams(listed_items=True),
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request))
    assert _arguments(model_turn.turn.calls) == [{"number": 5}, {"number": 10}, {"number": 15}]


def test_the_loop_runs_every_call_and_the_step_records_how_many_were_added() -> None:
    backend = ScriptedBackend.calls(
        [[_call(number=5), _call(number=5000)], "Done."], supports_constraint=True
    )
    seen: list[int] = []

    def factorial(number: int) -> int:
        """The factorial. Args: number: the number."""
        seen.append(number)
        return 1

    agent = Agent(
        backend,
        tools=[Tool.from_spec(FACTORIAL.spec(), factorial)],
        constrained=True,
        tool_choice="required",
        listed_items=True,
    )
    result = agent.run(QUERY)
    assert sorted(seen) == [5, 10, 15]
    first = result.trajectory.steps[0]
    assert first.listed == 2 and len(first.calls) == 3
    assert first.unasked == [{"name": "math.factorial", "arguments": {"number": 5000}}]
    assert result.trajectory.steps[-1].listed is None
    assert result.trajectory.steps[-1].unasked is None


def test_a_later_step_of_the_same_request_does_not_fan_out_again() -> None:
    # the model calls factorial(5) again after the results: the loop's own repeat, not a list
    backend = ScriptedBackend.calls(
        [[_call(number=5)], [_call(number=5)], "Done."], supports_constraint=True
    )
    seen: list[int] = []

    def factorial(number: int) -> int:
        """The factorial. Args: number: the number."""
        seen.append(number)
        return 1

    agent = Agent(backend, tools=[Tool.from_spec(FACTORIAL.spec(), factorial)], listed_items=True)
    result = agent.run(QUERY)
    assert [len(step.calls) for step in result.trajectory.steps[:2]] == [3, 1]
    assert sorted(seen) == [5, 5, 10, 15]


def test_the_turn_pairs_before_it_fans_out_and_notes_it() -> None:
    area = bfcl_tool(
        "area",
        "The area under a polynomial's curve.",
        polynomial={"type": "array", "items": {"type": "integer"}},
        limits={"type": "array", "items": {"type": "integer"}},
    )
    drafted = [
        _call("area", polynomial=[3, -2, 1], limits=[0, 3]),
        _call("area", polynomial=[1, 0, -1], limits=[0, 3]),
    ]
    backend = ScriptedBackend.calls([drafted], supports_constraint=True)
    model_turn = one_turn(backend, POLYNOMIALS, [area], listed_items=True)
    assert [c.arguments["limits"] for c in model_turn.turn.calls] == [[-1, 2], [0, 3]]
    assert model_turn.listed == 0
    assert model_turn.reshaped == ("area.limits: [0, 3] as [-1, 2], paired as written",)


@pytest.mark.parametrize(
    "text",
    [
        # a pronoun is no name: "and I" joins clauses (BFCL live_multiple_28, _345, _1047)
        "My name is Balkrushn and I want to use core functionality of this tool.",
        "song by Kesha and I have been told an album called Rainbow is fab",
        "in Cape Town, and I'm looking for a house to book",
        # two items with a comma before the conjunction join clauses (simple_python_356)
        "a recipe that serves 2 people, is vegan, and takes under 30 minutes to prepare",
        "focusing on nature, and finally a 12-day trip to Rome",
        # a word a determiner or a pronoun follows is a verb or a conjunction (keep the ...,
        # whether it ...), and one "is" follows is a clause's subject (live_simple_129)
        "replace the beef with tofu and keep the total calories under 600",
        "the molecule DNA in the nucleus and whether it has a specific function",
        "get list of nodes for fabric fab-ed and ip is 3.321.3232.2",
    ],
)
def test_clauses_joined_are_no_enumeration(text: str) -> None:
    assert [found for found in value_lists(text) if found.kind in ("name", "word")] == []


@pytest.mark.parametrize(
    ("text", "lists"),
    [
        # three items with the comma before the conjunction are a list (parallel_109)
        (
            "in the nucleus, mitochondria, and cytoplasm, and can you",
            [("nucleus", "mitochondria", "cytoplasm")],
        ),
        # a word after the last item that is no determiner leaves the list (parallel_43)
        ("upcoming rock and jazz concerts for the next month", [("rock", "jazz")]),
        # a name of two words is still a name ("I" alone is the pronoun)
        ("the sales of Apple and Samsung", [("Apple", "Samsung")]),
    ],
)
def test_lists_beside_clauses_stay(text: str, lists: list[tuple[str, ...]]) -> None:
    assert _items(text) == lists


def test_a_names_possessive_is_the_name() -> None:
    # BFCL parallel_42: "Madrid's music stores", drafted "Madrid": the model enumerated it
    text = "the price for a Yamaha P125 piano in Berlin and Madrid's music stores."
    draft = [_call("check", city="Berlin"), _call("check", city="Madrid")]
    assert listed_calls(draft, text) == draft
    # a value that is no item still is none
    assert _arguments(listed_calls([_call("check", city="Berlin")], text)) == [
        {"city": "Berlin"},
        {"city": "Madrid's"},
    ]


def _enum_tool() -> Tool:
    return schema_tool(
        "find",
        {
            "price_range": {"type": "string", "enum": ["cheap", "moderate", "pricey"]},
            "city": {"type": "string"},
        },
        ["city"],
    )


def test_a_string_an_enum_decides_takes_no_item() -> None:
    # BFCL live_multiple_283: "cheap or fairly inexpensive" names no "fairly" option; the
    # options the user names are `listed_options`'
    text = "Find a restaurant in Paris that is cheap or fairly inexpensive."
    draft = [_call("find", city="Paris", price_range="cheap")]
    assert listed_calls(draft, text, tools=[_enum_tool()]) == draft
    # without the tools the enum is not known: the old reading
    assert len(listed_calls(draft, text)) == 2
    # an open string still fans out
    cities = listed_calls([_call("find", city="Paris")], "in Paris and Rome", tools=[_enum_tool()])
    assert _arguments(cities) == [{"city": "Paris"}, {"city": "Rome"}]


def test_a_sibling_at_its_default_is_the_call_that_leaves_it_out() -> None:
    tool = schema_tool(
        "orders",
        {"user": {"type": "string"}, "state": {"type": "string", "default": "open"}},
        ["user"],
    )
    text = "all shipped and open orders of Ann"
    draft = [_call("orders", user="Ann"), _call("orders", user="Ann", state="shipped")]
    assert listed_calls(draft, text, tools=[tool]) == draft
    # without the default, "open" is a call of its own
    assert len(listed_calls(draft, text)) == 3


def test_an_item_another_tools_call_took_is_its_clauses() -> None:
    # BFCL parallel_multiple_104: one value per clause, each clause its own tool
    text = (
        "Can you provide me with a 5-day air quality forecast for New York, a 7-day weather "
        "forecast for Los Angeles, and a 2-day air quality forecast for Beijing?"
    )
    draft = [
        _call("air_quality_forecast", location="New York", days=5),
        _call("weather_forecast", location="Los Angeles", days=7),
        _call("air_quality_forecast", location="Beijing", days=2),
    ]
    assert listed_calls(draft, text) == draft
    # a clause no call answered is still asked: the weather of the others is not
    alone = listed_calls([_call("air_quality_forecast", location="New York", days=5)], text)
    assert [c.arguments["location"] for c in alone] == ["New York", "Los Angeles", "Beijing"]


ENTROPY = schema_tool(
    "entropy", {"temp": {"type": "integer"}, "isothermal": {"type": "boolean"}}, ["temp"]
)


@pytest.mark.parametrize(
    ("calls", "text"),
    [
        (  # BFCL live_parallel_1: a place and its region, the place written
            [
                _call("get_current_weather", location="Boston, MA"),
                _call("get_current_weather", location="San Francisco, CA"),
            ],
            "the current weather conditions for Boston, MA and also for San Francisco?",
        ),
        (  # parallel_125: a percentage the user wrote is its fraction too
            [_call("estimate", growth_rate=0.02), _call("estimate", growth_rate=0.015)],
            "the growth rate is 2%, and a scenario where the growth rate drops to 1.5%",
        ),
        (  # parallel_99: a word in another form of the one written
            [_call("energy", phase="melting"), _call("energy", phase="vaporization")],
            "first melting 500 grams of ice, then vaporizing the same mass of water",
        ),
        (  # parallel_137: the same items in another order are another list; "descending" is
            # no part of "ascending"
            [
                _call("array_sort", list=numbers, order=order)
                for numbers in ([45, 12, 67, 21, 89], [34, 78, 12, 56, 90], [56, 78, 90, 12, 34])
                for order in ("ascending", "descending")
            ],
            "You have lists of numbers: [45, 12, 67, 21, 89], [34, 78, 12, 56, 90], and [56, 78, "
            "90, 12, 34]. Sort these lists in both ascending and descending order?",
        ),
        (  # parallel_104: a switch the request names, the other way round
            [
                _call("entropy", temp=300, isothermal=True),
                _call("entropy", temp=300, isothermal=False),
            ],
            "The process is isothermal. What if the process is not isothermal?",
        ),
    ],
)
def test_repeats_the_user_asked_for_in_other_words_stay(calls: list[ToolCall], text: str) -> None:
    assert unasked_calls(calls, text, tools=[ENTROPY]) == (calls, [])


@pytest.mark.parametrize(
    ("calls", "text"),
    [
        # a place nobody wrote, in the same form
        (
            [_call("weather", location="Boston, MA"), _call("weather", location="Paris, France")],
            "the weather in Boston, MA",
        ),
        # a switch the request does not name
        (
            [
                _call("entropy", temp=300, isothermal=True),
                _call("entropy", temp=300, isothermal=False),
            ],
            "the entropy change of a process at 300 K",
        ),
        # the start of the earlier value, a copy cut short ("J" of "John"), though written
        (
            [_call("poker", player="John"), _call("poker", player="J")],
            "John holds the J of spades against Mike",
        ),
        # a word of another stem, however its start reads ("transport", "transformation")
        (
            [_call("model", kind="regression"), _call("model", kind="transport")],
            "a regression after the transformation of the data",
        ),
    ],
)
def test_repeats_in_other_words_nobody_wrote_are_dropped(calls: list[ToolCall], text: str) -> None:
    assert unasked_calls(calls, text, tools=[ENTROPY]) == (calls[:1], calls[1:])


def test_a_switch_is_named_by_the_words_of_its_name() -> None:
    # BFCL parallel_136: "if we allow transfer": `allow_transfer`, its switch word aside; a
    # switch of a tool the list does not describe is named by nothing
    transfer = schema_tool(
        "route", {"city": {"type": "string"}, "allow_transfer": {"type": "boolean"}}, ["city"]
    )
    calls = [_call("route", city="Paris"), _call("route", city="Paris", allow_transfer=True)]
    text = "the shortest route to Paris, and then the shortest one if we allow transfer"
    assert unasked_calls(calls, text, tools=[transfer]) == (calls, [])
    assert unasked_calls(calls, text) == (calls[:1], calls[1:])


def test_an_option_whose_words_the_request_writes_is_written() -> None:
    # BFCL parallel_118: "five_years" is the enum's way of writing "the last five years"
    rain = schema_tool(
        "rain",
        {
            "place": {"type": "string"},
            "time_frame": {"type": "string", "enum": ["six_months", "five_months", "five_years"]},
        },
        ["place"],
    )
    text = "the rain in the Amazon for the last six months and the last five years"
    calls = [
        _call("rain", place="Amazon", time_frame="six_months"),
        _call("rain", place="Amazon", time_frame="five_years"),
    ]
    assert unasked_calls(calls, text, tools=[rain]) == (calls, [])
    # without the enum, or with an option whose words the request does not write in a row,
    # it is no value of the user's
    assert unasked_calls(calls, text) == (calls[:1], calls[1:])
    months = [calls[0], _call("rain", place="Amazon", time_frame="five_months")]
    assert unasked_calls(months, text, tools=[rain]) == (months[:1], months[1:])
    # a value of an open string is no option (simple_python_217's draft: a parameter's name
    # as the value)
    places = [calls[0], _call("rain", place="last_five", time_frame="six_months")]
    assert unasked_calls(places, text, tools=[rain]) == (places[:1], places[1:])
