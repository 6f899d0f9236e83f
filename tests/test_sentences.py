"""Sentences of the request no call took anything from, each drafted on its own
(`lamagent.gate.sentences`, `PromptTurns.sentence_calls`). The rules on made-up and BFCL
requests; the loop on the scripted backend (it tests the turn source, not the engine: the
real-engine test is test_sentences_gguf.py)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from turn_helpers import bfcl_tool, listed_request

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate import CallGate, gated
from lamagent.gate.sentences import (
    open_sentences,
    request_sentences,
    sentence_calls,
    standalone,
)
from lamagent.messages import Message, ToolCall
from lamagent.turns import TurnRequest, turn_source

AREAS = (  # BFCL parallel_multiple_1
    "Find the area of a rectangle with length 7 and breadth 3. Also, calculate the area of a "
    "circle with radius 5."
)
RECTANGLE = bfcl_tool(
    "area_rectangle.calculate",
    "Calculate the area of a rectangle.",
    length={"type": "float", "description": "The length of the rectangle."},
    breadth={"type": "float", "description": "The breadth of the rectangle."},
)
CIRCLE = bfcl_tool(
    "area_circle.calculate",
    "Calculate the area of a circle.",
    radius={"type": "float", "description": "The radius of the circle."},
)


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


@pytest.mark.parametrize(
    ("query", "sentences"),
    [
        (
            AREAS,
            [
                "Find the area of a rectangle with length 7 and breadth 3.",
                "Also, calculate the area of a circle with radius 5.",
            ],
        ),
        (  # abbreviations end no sentence; "?" and "!" do, a number's full stop too
            "Ask Mr. Smith in Washington D.C. about Apple Inc. Board members. Call U.S. Bank at "
            "5! Is it 3.5? Yes.",
            [
                "Ask Mr. Smith in Washington D.C. about Apple Inc. Board members.",
                "Call U.S. Bank at 5!",
                "Is it 3.5?",
                "Yes.",
            ],
        ),
        (  # a numbered list: the numbers alone are no sentences
            "1. The odds of an ace (4 of 52)?\n\n2. Then a heart (13 of 52).",
            ["The odds of an ace (4 of 52)?", "Then a heart (13 of 52)."],
        ),
        (
            "a full stop before a lower-case word. goes on",
            ["a full stop before a lower-case word. goes on"],
        ),
    ],
)
def test_request_sentences(query: str, sentences: list[str]) -> None:
    assert request_sentences(query) == sentences


@pytest.mark.parametrize(
    ("calls", "query", "open_"),
    [
        (  # the second sentence is the circle's: nothing of it was taken
            [_call("area_rectangle.calculate", length=7, breadth=3)],
            AREAS,
            ["Also, calculate the area of a circle with radius 5."],
        ),
        (  # both sentences took from: the 150 of the second is held
            [_call("primes", start=50, end=150)],
            "Find all prime numbers between 50 and 150. Then get the fibonacci series upto 150.",
            [],
        ),
        (  # a sentence holding a call's string value is taken from, whatever its numbers
            [_call("weather", city="Paris")],
            "What is the weather in Paris? I leave in 3 days for Paris.",
            [],
        ),
        (  # a sentence without a number of its own asks no call of its own
            [_call("weather", city="Paris")],
            "What is the weather in Paris? Could you help me with that?",
            [],
        ),
        (  # a number in words counts what follows: no sentence of its own (BFCL parallel_154)
            [_call("calculate_bmi", weight=75, height=180)],
            "Could you calculate the BMI for four individuals? The first person weighs 75 "
            "kilograms and is 180 centimeters tall.",
            [],
        ),
        ([_call("weather", city="Rome")], "Book 2 seats.", []),  # the request is one sentence
    ],
)
def test_open_sentences(calls: list[ToolCall], query: str, open_: list[str]) -> None:
    assert open_sentences(calls, query) == open_


def test_a_sentences_call_holds_a_number_of_its_own() -> None:
    made = [_call("area_rectangle.calculate", length=7, breadth=3)]
    sentence = "Also, calculate the area of a circle with radius 5."
    circle = _call("area_circle.calculate", radius=5)
    invented = _call("area_circle.calculate", radius=1)  # nothing of the sentence's
    repeat = _call("area_rectangle.calculate", length=7, breadth=3)  # a call made already
    held = _call("area_rectangle.calculate", length=7, breadth=5)  # 5, but 7 is held...
    assert sentence_calls([circle], sentence, made) == [circle]
    assert sentence_calls([invented, repeat], sentence, made) == []
    # ... and a call with a number of the sentence no call holds is kept, once
    assert sentence_calls([held, circle], sentence, made) == [held]
    assert sentence_calls([circle, circle], sentence, made) == [circle]
    # a tool no call used is nothing new of itself for a sentence (it is for an ask the user
    # marked: `lamagent.gate.parts`)
    seven = "Also, calculate the area of a circle with radius 7."
    assert sentence_calls([_call("area_circle.calculate", radius=7)], seven, made) == []


@pytest.mark.parametrize(
    ("sentence", "call"),
    [
        (  # BFCL parallel_multiple_84: the 3 is the sentence's, the 1 nobody's
            "For the square root calculations, you want the results to be accurate to 3 "
            "decimal places.",
            _call("math.sqrt", num=1, accuracy=3.0),
        ),
        (  # BFCL parallel_164: a table that runs on through numbers nobody wrote
            "You have been given two 2x2 contingency tables.",
            _call("chi_squared_test", table=list(range(1, 55))),
        ),
    ],
)
def test_a_sentences_call_with_a_number_nobody_wrote_is_left_out(
    sentence: str, call: ToolCall
) -> None:
    assert sentence_calls([call], sentence, []) == []


@pytest.mark.parametrize(
    ("sentence", "alone"),
    [
        ("Also, how many grams are in 2 pounds?", "How many grams are in 2 pounds?"),
        ("And then calculate the factorial of 5.", "Calculate the factorial of 5."),
        ("In addition: find 3 hotels.", "Find 3 hotels."),
        ("Finally, in a series of 20 shots, what?", "In a series of 20 shots, what?"),
        # words that only begin like a tie stay
        ("Android phones cost 5 dollars.", "Android phones cost 5 dollars."),
        ("Soon it is 5 pm.", "Soon it is 5 pm."),
        ("And then.", "And then."),  # nothing but ties
    ],
)
def test_a_sentence_asked_alone_drops_the_words_that_tie_it_to_the_one_before(
    sentence: str, alone: str
) -> None:
    assert standalone(sentence) == alone


def _request(query: str, **kw: Any) -> TurnRequest:
    return listed_request(query, [RECTANGLE, CIRCLE], **kw)


def _scripted(*replies: Any) -> ScriptedBackend:
    return ScriptedBackend.calls(list(replies), supports_constraint=True)


RECTANGLE_CALL = {"name": "area_rectangle.calculate", "arguments": {"length": 7, "breadth": 3}}
CIRCLE_CALL = {"name": "area_circle.calculate", "arguments": {"radius": 5}}


def test_each_open_sentence_is_drafted_on_its_own() -> None:
    backend = _scripted([RECTANGLE_CALL], [CIRCLE_CALL])
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(AREAS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [RECTANGLE_CALL, CIRCLE_CALL]
    assert model_turn.listed == 1
    # the second prompt asks the open sentence alone, and its tokens count in the turn's
    assert len(backend.requests) == 2
    second = backend.requests[1][0]
    assert "Calculate the area of a circle with radius 5." in second  # without its "Also,"
    assert "rectangle with length 7" not in second
    assert model_turn.generation.usage.requests == 2


@pytest.mark.parametrize(
    "kw",
    [{"listed_items": False}, {"max_calls": 1}],
)
def test_off_or_bounded_by_max_calls(kw: dict[str, Any]) -> None:
    backend = _scripted([RECTANGLE_CALL], [CIRCLE_CALL])
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(AREAS, **kw)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [RECTANGLE_CALL]
    assert len(backend.requests) == 1 and model_turn.listed == 0


def test_a_draft_with_nothing_of_its_sentence_adds_no_call() -> None:
    # the sentence's draft, then the circle's tool the request names (`named_asks`), on its
    # sentence and on the whole request: a radius nobody wrote, each time
    invented = [{"name": "area_circle.calculate", "arguments": {"radius": 1}}]
    backend = _scripted([RECTANGLE_CALL], invented, invented, invented)
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(_request(AREAS)))
    assert [c.to_xlam() for c in model_turn.turn.calls] == [RECTANGLE_CALL]
    assert len(backend.requests) == 4 and model_turn.listed == 0


def test_after_a_tools_result_no_sentence_is_asked_again() -> None:
    backend = _scripted([RECTANGLE_CALL])
    request = _request(AREAS)
    call = ToolCall.from_dict(RECTANGLE_CALL)
    request = TurnRequest(
        messages=[
            Message.user(AREAS),
            Message.assistant(tool_calls=[call]),
            Message.tool("21", tool_call_id=call.id),
        ],
        tools=request.tools,
        params=request.params,
        tool_choice="required",
        constrained=True,
    )
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request))
    assert len(backend.requests) == 1 and model_turn.listed == 0


def test_the_call_gate_asks_once_it_has_decided() -> None:
    # the draft the gate weighs is the first sentence's call alone; the call it keeps gains
    # the second sentence's
    backend = _scripted([RECTANGLE_CALL], [CIRCLE_CALL])
    source = gated(turn_source(backend), CallGate())
    model_turn = anyio.run(lambda: source.next_turn(_request(AREAS, tool_choice="auto")))
    assert model_turn.gate is not None and model_turn.gate.decision == "call"  # type: ignore[attr-defined]
    assert model_turn.gate.draft == [RECTANGLE_CALL]  # type: ignore[attr-defined]
    assert [c.to_xlam() for c in model_turn.turn.calls] == [RECTANGLE_CALL, CIRCLE_CALL]


def test_a_sentences_call_needs_a_number_of_its_own_a_string_is_not_enough() -> None:
    # a sentence may state a fact; only the asks a request enumerates keep a call for a
    # string of theirs (`lamagent.gate.parts`)
    sentence = "Also, calculate the area of a circle with radius 5."
    drafted = [_call("area_circle.calculate", shape="circle")]
    assert sentence_calls(drafted, sentence, []) == []
    assert sentence_calls([_call("area_circle.calculate", radius=5)], sentence, []) != []
