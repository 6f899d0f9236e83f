"""The asks a request enumerates, each no call took anything from drafted on its own
(`lamagent.gate.parts`, `PromptTurns.sentence_calls`). The rules on made-up and BFCL
requests; the loop on the scripted backend (it tests the turn source, not the engine: the
real-engine test is test_parts_gguf.py)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.parts import (
    marked_sentences,
    mixed_calls,
    open_parts,
    part_calls,
    request_parts,
)
from lamagent.gate.sentences import standalone
from lamagent.messages import ToolCall
from lamagent.turns import TurnRequest, turn_source

GENETICS = (  # BFCL parallel_multiple_141, shortened
    "Can you help me with a few things? First, I came across a SNP mutation with the ID "
    "'rs123456'. Could you find out its type for me? The species is 'Homo sapiens'. Second, "
    "I'm planning to visit New York, NY and I'd like an art exhibition of sculptures. Lastly, "
    "I need the list of proteins in the 'nucleus' cell compartment."
)
ERRANDS = (  # made up: one sentence, markers within it, the first ask before them
    "Can you tell me the weather in Lisbon and what time it is there, after that, find a Thai "
    "restaurant in Porto, then, translate good morning into French, and finally, book a taxi?"
)


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        (  # what the request says before "First" is its preamble; a part's other sentences
            # are its own ("The species is ...")
            GENETICS,
            [
                "First, I came across a SNP mutation with the ID 'rs123456'. Could you find "
                "out its type for me? The species is 'Homo sapiens'.",
                "Second, I'm planning to visit New York, NY and I'd like an art exhibition of "
                "sculptures.",
                "Lastly, I need the list of proteins in the 'nucleus' cell compartment.",
            ],
        ),
        (
            ERRANDS,
            [
                "Can you tell me the weather in Lisbon and what time it is there",
                "after that, find a Thai restaurant in Porto",
                "then, translate good morning into French",
                "and finally, book a taxi?",
            ],
        ),
        (  # "Secondly", "Also," and "In addition" open parts; "Next month" does not
            "Firstly, book a table for two. Next month I travel. Secondly, call a cab. Also, "
            "order flowers. In addition, send a card.",
            [
                "Firstly, book a table for two. Next month I travel.",
                "Secondly, call a cab.",
                "Also, order flowers.",
                "In addition, send a card.",
            ],
        ),
    ],
)
def test_request_parts(query: str, parts: list[str]) -> None:
    assert request_parts(query) == parts


@pytest.mark.parametrize(
    "query",
    [
        "What's the weather in Lisbon?",
        # one marker ties two clauses: no enumeration
        "Find a Thai restaurant in Porto, then, book a table there.",
        # a marker within a sentence has a comma of its own: without it one ask goes on
        "Send an email to Ann, then carbon copy it to Bob, and finally add my signature.",
        "If it rains in Lisbon, then book a taxi.",
        # "also" within a sentence, "next" without a comma: no markers
        "I also want a taxi. Next week I fly to Porto.",
    ],
)
def test_a_request_that_does_not_enumerate_has_no_parts(query: str) -> None:
    assert request_parts(query) is None


def test_open_parts_are_those_no_call_holds_anything_of() -> None:
    calls = [_call("mutation_type.find", snp_id="rs123456", species="Homo sapiens")]
    assert open_parts(calls, GENETICS) == [
        "Second, I'm planning to visit New York, NY and I'd like an art exhibition of sculptures.",
        "Lastly, I need the list of proteins in the 'nucleus' cell compartment.",
    ]
    # a number the calls hold, or a string value (case aside), takes a part
    calls = [_call("weather", city="LISBON"), _call("translate", text="good morning")]
    assert open_parts(calls, ERRANDS) == [
        "after that, find a Thai restaurant in Porto",
        "and finally, book a taxi?",
    ]
    assert open_parts(calls, "What's the weather in Lisbon and Porto?") is None


PARTS_61 = (  # BFCL parallel_multiple_61, shortened
    "First, find the distance between Point A [3, 2] and Point B [7, 5], rounded to 2 "
    "places. Then, find the angle between them. After that, find the distance between "
    "Point C [10, 8] and Point D [14, 12], rounded to 2 places."
)


def test_a_call_takes_the_part_it_holds_most_of() -> None:
    # the first call's rounding 2 is written in the last part too, which asks for other
    # points
    query = PARTS_61
    calls = [_call("distance", pointA=[3, 2], pointB=[7, 5], rounding=2)]
    parts = request_parts(query)
    assert parts is not None
    assert open_parts(calls, query) == parts[1:]
    # a call that holds as much of two parts takes both, where each writes all it holds
    calls = [_call("distance", pointA=[3, 2], pointB=[7, 5])]
    query = query.replace("Point C [10, 8]", "Point C [3, 2], Point E [7, 5], [10, 8]")
    assert open_parts(calls, query) == [parts[1]]
    # a call that mixes two parts (values of each, all of neither) takes neither
    calls = [_call("distance", pointA=[3, 7], pointB=[10, 14])]
    assert open_parts(calls, PARTS_61) == parts
    assert mixed_calls(calls, PARTS_61) == calls


MANGLED = (  # BFCL parallel_multiple_137 (held out)
    "Can you tell me the function of the molecule ATP in the organelle mitochondria with a "
    "specific function, then calculate the shortest driving distance from New York to Los "
    "Angeles in miles, after that, can you tell me who is credited for the discovery of the "
    "theory of relativity, and finally, can you tell me the current retail price of a Fender "
    "Stratocaster in sunburst finish?"
)


def test_a_call_that_mixes_two_parts_takes_neither() -> None:
    # the embedded model's draft: the distance's places and unit in `origin`, the guitar's
    # finish in `destination`
    mangled = _call(
        "get_shortest_driving_distance",
        origin="New York to Los Angeles in miles",
        destination="sunburst finish",
        unit="miles",
    )
    scientist = _call("get_scientist_for_discovery", discovery="the theory of relativity")
    parts = request_parts(MANGLED)
    assert parts is not None and len(parts) == 3
    assert mixed_calls([mangled, scientist], MANGLED) == [mangled]
    assert open_parts([mangled, scientist], MANGLED) == [parts[0], parts[2]]
    # the call of one part is whole
    distance = _call("get_shortest_driving_distance", origin="New York", destination="Los Angeles")
    assert mixed_calls([distance, scientist], MANGLED) == []
    assert open_parts([distance, scientist], MANGLED) == [parts[2]]
    assert mixed_calls([mangled], "Drive from New York to Los Angeles in miles.") == []
    # a later ask that refers back to an earlier one's entity makes a right call that is
    # mixed by this reading: it stays unless an ask's own call of its tool replaces it
    hotel = "First, find a hotel in Paris. Then, book it for 3 nights."
    booking = _call("book_hotel", city="Paris", nights=3)
    assert mixed_calls([booking], hotel) == [booking]
    assert open_parts([booking], hotel) == request_parts(hotel)


def test_many_parts_and_calls_take_little_time() -> None:
    # each part's numbers and lower case are read once, not once per call
    filler = "and a room with a view " * 10
    parts = [f"Then, find a hotel in city{i} for {i} nights {filler}." for i in range(1, 400)]
    query = " ".join(["First, find a hotel in city0 for 0 nights.", *parts])
    calls = [_call("h", city=f"city{i}", nights=i, note=f"city{i + 1}") for i in range(400)]
    started = time.perf_counter()
    assert len(mixed_calls(calls, query)) == 399
    assert len(open_parts(calls, query) or []) == 399
    assert time.perf_counter() - started < 3


def test_what_the_preamble_writes_mixes_no_call() -> None:
    query = (
        "I have Point A [3, 2] and Point B [7, 5]. First, the distance between them, rounded "
        "to 4 places. Then, the angle between them. After that, the area of a circle of "
        "radius 9 around Point A [3, 2]."
    )
    calls = [_call("distance", pointA=[3, 2], pointB=[7, 5], rounding=4)]
    # the points the last part writes again are the preamble's: the call holds the first
    # part's rounding and nothing else of the parts' own
    assert mixed_calls(calls, query) == []
    # the call took the preamble, which writes most of its values (as before)
    assert open_parts(calls, query) == request_parts(query)
    calls = [_call("distance", pointA=[3, 2], pointB=[7, 5], rounding=4, radius=9)]
    assert mixed_calls(calls, query) == calls


def test_a_call_may_take_what_the_preamble_says() -> None:
    # BFCL parallel_multiple_61 as written: the first points come before "First"; the
    # preamble is no ask, but the call that holds its points took them from there
    query = (
        "Could you please help me? I have Point A [3, 2] and Point B [7, 5]. First, I would "
        "like the distance between these points, rounded to 2 places. Then, the angle between "
        "them. After that, the distance between Point C [10, 8] and Point D [14, 12], rounded "
        "to 2 places."
    )
    parts = request_parts(query)
    assert parts is not None and len(parts) == 3 and parts[0].startswith("First,")
    calls = [_call("distance", pointA=[3, 2], pointB=[7, 5], rounding=2)]
    assert open_parts(calls, query) == parts


PART = (
    "Second, I'm planning to visit New York, NY and I'd like an art exhibition of sculptures "
    "at a good location, not a {{location}} template."
)


@pytest.mark.parametrize(
    ("drafted", "calls", "kept"),
    [
        (  # a string of the part's no call holds
            [_call("find_exhibition", location="New York, NY", art_form="sculpture")],
            [],
            [0],
        ),
        (  # nothing of the part's: the model's own call
            [_call("find_exhibition", location="Paris", art_form="painting")],
            [],
            [],
        ),
        (  # a string of fewer than three characters is no evidence
            [_call("find_exhibition", state="NY")],
            [],
            [],
        ),
        (  # what a call of the same tool holds already is nothing new
            [_call("find_exhibition", location="New York, NY")],
            [_call("find_exhibition", city="new york, ny")],
            [],
        ),
        (  # a tool no call used, with a value of its part: new of itself (the part asks
            # for an exhibition in the city another call books a hotel in)
            [_call("find_exhibition", location="New York, NY")],
            [_call("find_hotel", city="new york, ny")],
            [0],
        ),
        (  # a tool no call used, whose value of the part only names its parameter
            # (BFCL parallel_multiple_78, train: "walk this route")
            [_call("find_exhibition", location="location")],
            [_call("find_hotel", city="new york, ny")],
            [],
        ),
        (  # likewise a template of its name, as the placeholder rule reads one
            [_call("find_exhibition", location="{{location}}")],
            [_call("find_hotel", city="new york, ny")],
            [],
        ),
        (  # a tool no call used, with nothing of its part's: the model's own call
            [_call("find_exhibition", location="Paris")],
            [_call("find_hotel", city="new york, ny")],
            [],
        ),
        (  # a number nobody wrote is invented
            [_call("find_exhibition", location="New York, NY", month=7)],
            [],
            [],
        ),
        (  # the second of two calls holding the same new value is no more new
            [
                _call("find_exhibition", location="New York, NY"),
                _call("find_exhibition", location="New York, NY", art_form="painting"),
            ],
            [],
            [0],
        ),
    ],
)
def test_part_calls(drafted: list[ToolCall], calls: list[ToolCall], kept: list[int]) -> None:
    assert part_calls(drafted, PART, calls) == [drafted[i] for i in kept]


def test_a_part_holding_a_number_of_its_own_keeps_a_call_with_it() -> None:
    part = "Lastly, find the top 15 players in Oslo."
    drafted = [_call("top_players", number=15, city="Bergen")]
    assert part_calls(drafted, part, []) == drafted
    assert part_calls(drafted, part, [_call("top_players", number=15, city="Oslo")]) == []
    # a number written as a string is that number: held already, it is nothing new
    part = "Lastly, look up the case with docket 12345."
    drafted = [_call("case.find", docket="12345")]
    assert part_calls(drafted, part, []) == drafted
    assert part_calls(drafted, part, [_call("case.find", docket_number=12345)]) == []


@pytest.mark.parametrize(
    ("part", "alone"),
    [
        ("Secondly, call a cab.", "Call a cab."),
        ("and finally, book a taxi?", "Book a taxi?"),
        ("First, I came across a SNP.", "I came across a SNP."),
    ],
)
def test_a_part_asked_alone_drops_its_marker(part: str, alone: str) -> None:
    assert standalone(part) == alone


WEATHER = bfcl_tool(
    "get_weather", "The weather in a city.", city={"type": "string", "description": "The city."}
)
RESTAURANT = bfcl_tool(
    "find_restaurant",
    "Find a restaurant.",
    cuisine={"type": "string", "description": "The cuisine."},
    city={"type": "string", "description": "The city."},
)
WEATHER_CALL = {"name": "get_weather", "arguments": {"city": "Lisbon"}}
THAI_CALL = {"name": "find_restaurant", "arguments": {"cuisine": "Thai", "city": "Porto"}}
TWO_ASKS = "First, what's the weather in Lisbon? Second, find me a Thai restaurant in Porto."


def _request(query: str, **kw: Any) -> TurnRequest:
    return listed_request(query, [WEATHER, RESTAURANT], **kw)


def test_each_open_part_is_drafted_on_its_own() -> None:
    # no number in the request: the rule for a sentence of its own would ask nothing
    backend = ScriptedBackend.calls([[WEATHER_CALL], [THAI_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL, THAI_CALL]
    assert model_turn.listed == 1
    second = backend.requests[1][0]
    assert "Find me a Thai restaurant in Porto." in second  # without its "Second,"
    assert "Lisbon" not in second


@pytest.mark.parametrize("kw", [{"listed_items": False}, {"max_calls": 1}])
def test_parts_off_or_bounded_by_max_calls(kw: dict[str, Any]) -> None:
    backend = ScriptedBackend.calls([[WEATHER_CALL], [THAI_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS, **kw)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL]
    assert len(backend.requests) == 1 and model_turn.listed == 0


def test_a_draft_with_nothing_of_its_part_adds_no_call() -> None:
    other = {"name": "find_restaurant", "arguments": {"cuisine": "Greek", "city": "Lisbon"}}
    # the part's draft, then the restaurant's tool the request names (`named_asks`), on its
    # part and on the whole request: a cuisine nobody asked for, each time
    backend = ScriptedBackend.calls([[WEATHER_CALL], *[[other]] * 3], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL]
    assert len(backend.requests) == 4 and model_turn.listed == 0


def test_a_call_that_mixes_two_parts_gives_way_to_a_part_call_of_its_tool() -> None:
    # the restaurant's call holds the first part's city and the second's cuisine
    mixed = {"name": "find_restaurant", "arguments": {"cuisine": "Thai", "city": "Lisbon"}}
    backend = ScriptedBackend.calls(
        [[mixed], [WEATHER_CALL], [THAI_CALL]], supports_constraint=True
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL, THAI_CALL]
    assert [c.to_xlam() for c in model_turn.unasked] == [mixed]
    assert len(backend.requests) == 3 and model_turn.listed == 2
    # a part's draft of another tool only: the mixed call stays (and takes its own ask's
    # city, `lamagent.gate.asked_values`)
    backend = ScriptedBackend.calls(
        [[mixed], [WEATHER_CALL], [WEATHER_CALL]], supports_constraint=True
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [THAI_CALL, WEATHER_CALL]
    assert model_turn.unasked == ()


def test_parts_the_calls_took_are_not_asked_again() -> None:
    backend = ScriptedBackend.calls([[WEATHER_CALL, THAI_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(TWO_ASKS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL, THAI_CALL]
    assert len(backend.requests) == 1 and model_turn.listed == 0


PRIMES = (  # BFCL parallel_multiple_6
    "Find all prime numbers between 50 and 150. Then get the fibonacci series upto 150."
)


def test_a_sentence_one_marker_opens_is_an_ask_no_call_took_from() -> None:
    primes = _call("find_prime_numbers", start=50, end=150)
    # the call took its 50 and 150 from the first sentence: the second is open, though it
    # writes a number the call holds
    assert marked_sentences([primes], PRIMES) == ["Then get the fibonacci series upto 150."]
    fibonacci = _call("get_fibonacci_sequence", count=150)
    assert marked_sentences([primes, fibonacci], PRIMES) == []
    # no marker, or only the first sentence's: no ask of its own
    assert marked_sentences([primes], PRIMES.replace("Then get", "Get")) == []
    assert marked_sentences([], "Then find primes. Get the series upto 150.") == []
    # a request that enumerates has its parts (`open_parts`) instead
    assert marked_sentences([], TWO_ASKS) == []


def test_a_marked_sentence_is_drafted_on_its_own() -> None:
    query = "What's the weather in Lisbon? Then find me a Thai restaurant in Porto."
    assert request_parts(query) is None  # one marker: no enumeration
    backend = ScriptedBackend.calls([[WEATHER_CALL], [THAI_CALL]], supports_constraint=True)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(query)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [WEATHER_CALL, THAI_CALL]
    assert model_turn.listed == 1
    assert "Find me a Thai restaurant in Porto." in backend.requests[1][0]
