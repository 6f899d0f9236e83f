"""Values the model wrote in a loop, cut back (`lamagent.gate.loops`): the drafts are the
embedded model's on BFCL cases (named), and made-up ones for what the data does not show."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.loops import looped_values
from lamagent.messages import ToolCall

EMAIL = (  # BFCL simple_python_211
    "Send an email to John Doe at john.doe@example.com with the subject 'Meeting' and body "
    "'Let's meet at 10 AM tomorrow'."
)
SCORES = (  # simple_python_79
    "Create a histogram for student scores with the following data: 85, 90, 88, 92, 86, 89, "
    "91 and set bin range to 5."
)


def _cut(value: Any, *sources: str) -> tuple[Any, list[str]]:
    calls, notes = looped_values([ToolCall(name="tool", arguments={"value": value})], sources)
    return calls[0].arguments["value"], notes


def test_quoted_text_run_in_a_loop_is_the_text_copied() -> None:
    body = "Let's meet at 10 AM tomorrow. " * 6 + "Let's meet at 10"
    call = ToolCall(name="send_email", arguments={"subject": "Meeting", "body": body})
    calls, notes = looped_values([call], [EMAIL])
    assert calls[0].arguments == {"subject": "Meeting", "body": "Let's meet at 10 AM tomorrow"}
    assert calls[0].id == call.id
    assert notes == [
        f"send_email.body: {len(body)} characters as 28, the text copied before a loop"
    ]


def test_the_copy_ends_where_the_model_left_the_sources() -> None:
    review = "Analyze the review 'I love the food here! It's always fresh and delicious.'."
    ran_on = "I love the food here! It's always fresh and delicious." + (
        " I'm a big fan of the local food scene." * 5
    )
    assert _cut(ran_on, review)[0] == "I love the food here! It's always fresh and delicious."
    # simple_python_212: the model closed the call inside the string, then went round
    junk = "Apple Inc.}}}]  # " + "1. " * 40
    assert _cut(junk, "Give me detail information about stocks of Apple Inc.")[0] == "Apple Inc."
    # a copy that stops at a separator does not keep it
    place = "New York, " + "3 bedrooms, 1800 square feet. " * 4
    assert _cut(place, "houses in New York, with 2 bathrooms")[0] == "New York"


def test_the_space_a_closing_token_brings_is_no_part_of_the_loop() -> None:
    # multiple_54, closed by the engine: the token ' "' ended the string after a round began
    closed = "Apple Inc.}}}]  # 2022-01-01T00:00:00.000000+00:00+00:00+00:00+00: "
    assert _cut(closed, "the dividends of Apple Inc. over the past years")[0] == "Apple Inc."
    assert _cut("1. 1.1.1.1.1.1.1.1.1. ", "nothing")[0] == "1. 1."


def test_a_loop_without_a_copied_word_keeps_one_round() -> None:
    # "Tok" is copied, but ends inside a word the model wrote: no copy of the user's
    looped = "Toky, " * 8
    assert _cut(looped, "Tok is short")[0] == "Toky"
    assert _cut("Summary: " + "all good. " * 5, "nothing alike")[0] == "Summary: all good."


def test_a_list_run_in_a_loop_keeps_its_elements_before_the_loop() -> None:
    # simple_python_79: the last element was cut short by the end of the generation
    ran_on = [85, 90, 88, 92, 86, 89] + [91] * 45 + [9]
    value, notes = _cut(ran_on, SCORES)
    assert value == [85, 90, 88, 92, 86, 89, 91]
    assert notes == ["tool.value: 52 elements as 7, without a loop"]
    # simple_python_328: a round of two, holding the elements before the loop
    fields = ["rating", "player count"] + ["player count", "rating"] * 20
    assert _cut(fields, "the rating and player count")[0] == ["rating", "player count"]
    # objects go round too
    assert _cut([1, 2] * 4, "once")[0] == [1, 2]
    rows = [{"a": 1}] + [{"b": 2}, {"c": 3}] * 6
    assert _cut(rows, "")[0] == [{"a": 1}, {"b": 2}, {"c": 3}]


def test_loops_inside_lists_and_objects() -> None:
    nested = {"rows": [["x", *([0] * 12)], "ok"], "note": "fine " * 6}
    value, notes = _cut(nested, "a row of x")
    assert value == {"rows": [["x", 0], "ok"], "note": "fine"}
    assert len(notes) == 1 and notes[0].startswith("tool.value: ")
    assert notes[0].count(";") == 1  # both cuts of the one argument, in one note


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("ha ha ha ha ha ha ha ha", "he said ha ha ha ha ha ha ha ha and left"),  # the user's
        ([0, 0, 0, 0, 0, 0, 0, 0], "the vector [0, 0, 0, 0, 0, 0, 0, 0]"),  # written as often
        ([0, 0, 0], "the origin"),  # too short to be a loop
        ([1, 2, 1, 2, 1, 2], "once"),  # three rounds, but six elements may be meant
        ("1. 1. 1.", "nothing"),  # too short
        ("Let's meet. Let's meet.", "nothing"),  # said twice is no loop
        ([91, 91, 9], "91"),
        ([1, 2, 3, 4, 5, 6, 7, 8], "counting"),  # no round
        ([True, True, True, True, True, True, False], "flags"),  # a loop does not end it
    ],
)
def test_what_stays(value: Any, source: str) -> None:
    call = ToolCall(name="tool", arguments={"value": value})
    assert looped_values([call], [source]) == ([call], [])


def test_a_loop_the_results_hold_is_not_the_models() -> None:
    echoed = "ok; " * 10
    assert (
        _cut(echoed, "status of the job", '{"log": "ok; ok; ok; ok; ok; ok; ok; ok; ok; ok; "}')[1]
        == []
    )


def test_a_value_run_to_any_length_is_read_in_linear_time() -> None:
    long_text = "abc" + "xy" * 200_000
    long_list = list(range(50)) + [7] * 200_000
    started = time.perf_counter()
    text, _ = _cut(long_text, "nothing")
    listed, _ = _cut(long_list, "nothing")
    assert time.perf_counter() - started < 5
    assert text == "abcxy" and listed == list(range(50))


SEND = bfcl_tool(
    "send_email",
    "Send an email.",
    to={"type": "string", "description": "The address."},
    body={"type": "string", "description": "The body."},
)


def test_the_turn_cuts_loops_with_example_shapes_only() -> None:
    body = "Let's meet at 10 AM tomorrow. " * 5
    draft = [[ToolCall(name="send_email", arguments={"to": "john.doe@example.com", "body": body})]]
    shapes = one_turn(
        ScriptedBackend.calls(draft, supports_constraint=True), EMAIL, [SEND], example_shapes=True
    )
    assert shapes.turn.calls[0].arguments["body"] == "Let's meet at 10 AM tomorrow"
    assert shapes.reshaped == (
        f"send_email.body: {len(body)} characters as 28, the text copied before a loop",
    )
    off = one_turn(ScriptedBackend.calls(draft, supports_constraint=True), EMAIL, [SEND])
    assert off.turn.calls[0].arguments["body"] == body and off.reshaped == ()
