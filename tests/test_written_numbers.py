"""Numbers the model began copying, as the user wrote them (`lamagent.gate.numbers`). The
drafts are the embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import bfcl_tool, one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.numbers import written_numbers
from lamagent.messages import ToolCall


def _fixed(text: str, **arguments: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = written_numbers([ToolCall(name="t", arguments=arguments)], text)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("text", "draft", "meant"),
    [
        (  # BFCL simple_python_98: the copy stopped after one digit
            "What will be the angle between the hour and minute hands of a clock at 6:30 PM?",
            {"hours": 6, "minutes": 3},
            {"hours": 6, "minutes": 30},
        ),
        (  # BFCL parallel_34
            "I want to know the rise and fall of Christianity in Egypt and Turkey from 100 A.D "
            "to 1500 A.D.",
            {"start_year": 100, "end_year": 150},
            {"start_year": 100, "end_year": 1500},
        ),
        (  # BFCL simple_python_15: the sign dropped
            "Calculate the area under the curve from x = -2 to x = 3 for y = x^3.",
            {"start_x": 2, "end_x": 3},
            {"start_x": -2, "end_x": 3},
        ),
        (  # BFCL parallel_85: a float, the sign dropped
            "The first object falls with a gravity of -9.81 m/s^2.",
            {"gravity": 9.81},
            {"gravity": -9.81},
        ),
        (  # made up: grouped digits and a currency sign; a float draft stays a float
            "Deposit $2,500,000 today.",
            {"amount": 250.0},
            {"amount": 2500000.0},
        ),
    ],
)
def test_the_number_as_written(text: str, draft: dict[str, Any], meant: dict[str, Any]) -> None:
    arguments, notes = _fixed(text, **draft)
    assert arguments == meant
    assert [type(v) for v in arguments.values()] == [type(v) for v in draft.values()]
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)


def test_the_note_says_what_changed() -> None:
    _, notes = _fixed("at 6:30 PM", hours=6, minutes=3)
    assert notes == ["t.minutes: 3 as 30, as written"]


@pytest.mark.parametrize(
    ("text", "draft"),
    [
        ("Sort 30 and 35 items.", {"count": 3}),  # two written numbers begin with 3
        ("At 6:30 PM", {"hours": 3, "minutes": 30}),  # 30 is held by another argument
        ("Between 15 and 150 meters.", {"low": 15, "high": 150}),  # both written
        ("Use 10 workers.", {"workers": 10, "page": 0}),  # zero is no part of anything
        ("A rate of 0.75 for 12 months.", {"rate": 0.7, "months": 12}),  # a fraction
        ("Roll a die twice.", {"sides": 1}),  # nothing written begins with it
        ("f(x) = 3x^2 + 2x - 1", {"x": 3}),  # "3x" is no number
        ("On 2022-05-30.", {"day": 5}),  # "-05" of a date is no negative number
        ("Move 5 steps.", {"steps": "5", "flag": True}),  # strings and booleans stay
        ("From -3 to 3 degrees.", {"low": 3}),  # 3 is written too
        # written in words: "two tickets" is the 2, not the start of 2023 (BFCL
        # live_multiple_418)
        ("Buy two tickets for 2023 April 15th.", {"tickets": 2}),
        ("Book a room for one child in July 2022.", {"children": 1}),
        # a minus the user did not write is the model's reading (BFCL parallel_16)
        ("$5000 with a loss of $1000.", {"gain_loss": -1000}),
    ],
)
def test_what_stays(text: str, draft: dict[str, Any]) -> None:
    assert _fixed(text, **draft) == (draft, [])


def test_through_the_turn_source_with_example_shapes() -> None:
    tool = bfcl_tool(
        "calculate_clock_angle",
        "Calculate the angle between the hour and minute hands of a clock.",
        hours={"type": "integer", "description": "The hour."},
        minutes={"type": "integer", "description": "The minutes."},
    )
    text = "What will be the angle between the hour and minute hands of a clock at 6:30 PM?"
    draft = [ToolCall(name=tool.name, arguments={"hours": 6, "minutes": 3})]
    on = one_turn(
        ScriptedBackend.calls([draft], supports_constraint=True), text, [tool], example_shapes=True
    )
    assert on.turn.calls[0].arguments == {"hours": 6, "minutes": 30}
    assert on.reshaped == ("calculate_clock_angle.minutes: 3 as 30, as written",)
    off = one_turn(ScriptedBackend.calls([draft], supports_constraint=True), text, [tool])
    assert off.turn.calls[0].arguments == {"hours": 6, "minutes": 3} and not off.reshaped


def test_before_the_lists_and_with_percentages() -> None:
    # the completed number takes its list's items; the percentage becomes a fraction after
    tool = bfcl_tool(
        "future_value",
        "The future value of an investment.",
        rate={"type": "number", "description": "The yearly rate."},
        years={"type": "integer", "description": "The years."},
    )
    text = "The future value at a rate of 5% for 10, 20 and 30 years."
    draft = [ToolCall(name=tool.name, arguments={"rate": 5, "years": 1})]
    turn = one_turn(
        ScriptedBackend.calls([draft], supports_constraint=True),
        text,
        [tool],
        example_shapes=True,
        listed_items=True,
    )
    assert [c.arguments for c in turn.turn.calls] == [
        {"rate": 0.05, "years": 10},
        {"rate": 0.05, "years": 20},
        {"rate": 0.05, "years": 30},
    ]
    assert turn.reshaped[0] == "future_value.years: 1 as 10, as written"
    assert len(turn.reshaped) == 4 and turn.listed == 2
