"""A list the model began copying, cut where the user's ends (`lamagent.gate.written_lists`):
the drafts are the embedded model's on BFCL cases (named), and made-up ones for what the data
does not show."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.written_lists import written_lists
from lamagent.messages import ToolCall

SETS = (  # BFCL parallel_132
    "You have four sets of numbers: the first set is [23, 45, 67, 89], the second set is "
    "[12, 34, 56, 78], the third set is [98, 76, 54, 32], and the fourth set is [87, 65, 43, "
    "21]. Can you calculate the average of each set of numbers?"
)


def _call(**arguments: Any) -> ToolCall:
    return ToolCall(name="calculate_average", arguments=arguments)


def test_a_list_that_ran_on_is_cut_where_the_written_one_ends() -> None:
    ran_on = [23, 45, 67, 89, 12, 34, 56, 78, 65, 43, 21, 87, 65, 43, 21, 87]
    call = _call(numbers=ran_on, label="first")
    calls, notes = written_lists([call], SETS)
    assert calls[0].arguments == {"numbers": [23, 45, 67, 89], "label": "first"}
    assert calls[0].id == call.id
    assert notes == ["calculate_average.numbers: 16 elements as the 4 written"]


def test_the_models_own_elements_and_the_longest_written_list() -> None:
    text = "the samples ['Apple', 'Pear'] and ['apple', 'pear', 'fig'] in one list"
    calls, _ = written_lists([_call(items=["APPLE", "pear", "fig", "fig", "fig"])], text)
    assert calls[0].arguments["items"] == ["APPLE", "pear", "fig"]  # as the model typed them
    floats, _ = written_lists([_call(numbers=[23.0, 45.0, 67.0, 89.0, 89.0])], SETS)
    assert floats[0].arguments["numbers"] == [23.0, 45.0, 67.0, 89.0]


@pytest.mark.parametrize(
    "value",
    [
        [23, 45, 67, 89],  # the written list as it is
        [23, 45, 67],  # shorter than it
        [45, 23, 67, 89, 12],  # not in the written order
        [23, 44, 67, 89, 12],  # an element the user did not write
        [1, 2, 3],
        "23, 45, 67, 89, 12",  # no list
    ],
)
def test_what_stays(value: Any) -> None:
    call = _call(numbers=value)
    assert written_lists([call], SETS) == ([call], [])


def test_the_rows_of_a_nested_list_cut_nothing() -> None:
    # the model flattened a matrix the user wrote: a row is no list it ran on past
    call = _call(matrix=[1, 2, 3, 4])
    assert written_lists([call], "the determinant of [[1, 2], [3, 4]]") == ([call], [])
    # a list after the nested one is a list of its own again
    after = written_lists([call], "of [[9, 9], [9, 9]] and then [1, 2]")[0][0]
    assert after.arguments["matrix"] == [1, 2]


def test_one_element_or_no_written_list_cuts_nothing() -> None:
    call = _call(numbers=[5, 5, 5])
    assert written_lists([call], "the average of [5]")[1] == []
    assert written_lists([call], "the average of 5, 5 and 5")[1] == []


AVERAGE = bfcl_tool(
    "calculate_average",
    "Calculates the average of a list of numbers.",
    numbers={"type": "array", "items": {"type": "integer"}, "description": "The numbers."},
)


def test_the_turn_cuts_it_with_example_shapes_and_lists_fan_out_the_rest() -> None:
    ran_on = [23, 45, 67, 89, 12, 34, 56, 78, 65, 43, 21, 87]
    draft = [[_call(numbers=ran_on)]]
    shapes = one_turn(
        ScriptedBackend.calls(draft, supports_constraint=True), SETS, [AVERAGE], example_shapes=True
    )
    assert shapes.turn.calls[0].arguments["numbers"] == [23, 45, 67, 89]
    assert shapes.reshaped == ("calculate_average.numbers: 12 elements as the 4 written",)
    # with the lists too: one call per set the user wrote
    both = one_turn(
        ScriptedBackend.calls(draft, supports_constraint=True),
        SETS,
        [AVERAGE],
        example_shapes=True,
        listed_items=True,
    )
    assert [c.arguments["numbers"][0] for c in both.turn.calls] == [23, 12, 98, 87]
    assert both.listed == 3
    off = one_turn(ScriptedBackend.calls(draft, supports_constraint=True), SETS, [AVERAGE])
    assert off.turn.calls[0].arguments["numbers"] == ran_on and off.reshaped == ()


def test_a_list_begun_late_is_the_whole_written_one() -> None:
    # held-out simple_python_130: the negative first cash flow skipped
    text = "the NPV of cash flows: [-50000, 10000, 15000, 20000, 25000, 30000] at 8%"
    call = _call(cash_flows=[10000, 15000, 20000, 25000, 30000])
    calls, notes = written_lists([call], text)
    assert calls[0].arguments["cash_flows"] == [-50000, 10000, 15000, 20000, 25000, 30000]
    assert all(type(flow) is int for flow in calls[0].arguments["cash_flows"])
    assert calls[0].id == call.id
    assert notes == ["calculate_average.cash_flows: 5 elements as the 6 written, from the first"]
    fractions = written_lists([_call(x=[2.5, 3])], "points [1.5, 2.5, 3]")[0]
    assert fractions[0].arguments["x"] == [1.5, 2.5, 3]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([89], SETS),  # one element
        ([67, 89], SETS),  # half of it: a choice, not a late start
        ([5, 6], "first [1, 5, 6] then [2, 5, 6]"),  # two written lists end so
        ([45, 67], SETS),  # inside it, not its end
    ],
)
def test_no_late_start(value: list[Any], text: str) -> None:
    call = _call(numbers=value)
    assert written_lists([call], text) == ([call], [])


def test_numbers_enumerated_without_brackets_are_a_written_list() -> None:
    # held-out parallel_multiple_184: "floors 1, 2, 3, and 4" drafted with eight floors
    text = "Analyze the building B1234 for floors 1, 2, 3, and 4 in dynamic mode."
    ran_on, notes = written_lists([_call(floors=[1, 2, 3, 4, 5, 6, 7, 8])], text)
    assert ran_on[0].arguments["floors"] == [1, 2, 3, 4]
    assert notes == ["calculate_average.floors: 8 elements as the 4 written"]
    late, _ = written_lists([_call(floors=[2, 3, 4])], text)
    assert late[0].arguments["floors"] == [1, 2, 3, 4]
    # words are no numbers: "apples, pears and figs" cuts no list
    call = _call(fruit=["apples", "pears", "figs", "kiwis"])
    assert written_lists([call], "Buy apples, pears and figs.") == ([call], [])


@pytest.mark.parametrize(
    ("text", "written"),
    [
        # BFCL simple_python_122, drafted `"table": []` by the embedded model
        (
            "Perform a Chi-Squared test for independence on a 2x2 contingency table "
            "[ [10, 20], [30, 40] ]",
            [[10, 20], [30, 40]],
        ),
        # made up: strings, one element
        ('sort the names ["Ann", "Bo"] by length', ["Ann", "Bo"]),
        ("the mean of [4.5] alone", [4.5]),
    ],
)
def test_an_empty_list_is_the_one_written(text: str, written: list[Any]) -> None:
    call = _call(table=[], alpha=0.05)
    [out], notes = written_lists([call], text)
    assert out.arguments == {"table": written, "alpha": 0.05}
    assert notes == [f"calculate_average.table: [] as {written!r}, the list written"]


@pytest.mark.parametrize(
    "text",
    [
        "two lists: [1, 2] and [3, 4]",  # which one is open
        "a list like [1, 2",  # no list closes
        "values [a, b] unquoted",  # no JSON data: read as text, never evaluated
        "an empty one: []",  # no elements
        "a test on the table, no list written",
    ],
)
def test_an_empty_list_left_alone(text: str) -> None:
    call = _call(table=[])
    assert written_lists([call], text) == ([call], [])


T_TEST = (  # BFCL simple_python_123
    "Perform a two-sample t-test to determine if there is a significant difference between the "
    "mean of group1 (e.g., 12.4, 15.6, 11.2, 18.9) and group2 (e.g., 10.5, 9.8, 15.2, 13.8) at "
    "the significance level 0.05."
)


def test_numbers_in_parentheses_are_a_written_list() -> None:
    # the embedded model's draft: group1 ran on into group2's numbers and looped
    ran_on = [12.4, 15.6, 11.2, 18.9, 10.5, 15.2, 13.8, 18.9, 11.2, 15.2, 18.9, 13.8, 1]
    [out], notes = written_lists([_call(group1=ran_on)], T_TEST)
    assert out.arguments == {"group1": [12.4, 15.6, 11.2, 18.9]}
    assert notes == ["calculate_average.group1: 13 elements as the 4 written"]


def test_the_last_element_cut_short_is_the_one_written() -> None:
    # the same draft's group2: "13.8" copied as far as its first digit
    [out], notes = written_lists([_call(group2=[10.5, 9.8, 15.2, 1])], T_TEST)
    assert out.arguments == {"group2": [10.5, 9.8, 15.2, 13.8]}
    assert notes == ["calculate_average.group2: its last element 1 as 13.8, as written"]
    # a whole number is written as an int
    [whole], _ = written_lists([_call(floors=[12, 34, 5])], SETS)
    assert whole.arguments["floors"] == [12, 34, 56] and type(whole.arguments["floors"][2]) is int


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([10.5, 9.8, 15.2, 2], T_TEST),  # no written element begins with its digits
        ([10.5, 9.8, 15.2, 13.8], T_TEST),  # the written list already
        ([10.5, 9.7, 1], T_TEST),  # an element before it the user did not write
        ([-5, -1], "the values (-5, 13.8)"),  # a sign the written one does not have
        ([1], T_TEST),  # one element: it begins no written list
        # two written lists it might have begun: which one is not the rule's to say
        ([1, 2, 3], "either (1, 2, 35) or (1, 2, 36)"),
        # a point with letters, and commas of thousands, are no written lists
        ([33.4484, 1], "the coordinates (33.4484 N, 112.0740 W)"),
        ([1, 500, 2, 250, 7], "the amounts (1,500, 2,250)"),
        ([1, 0, 2, 0, 7], "the amounts (1,000,2,000)"),
    ],
)
def test_no_last_element_mended(value: list[Any], text: str) -> None:
    call = _call(numbers=value)
    assert written_lists([call], text) == ([call], [])
