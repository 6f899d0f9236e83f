"""How often a year, where the user named how often in a word (`lamagent.gate.frequencies`).
The real engine is tested in test_frequencies_gguf.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.frequencies import counts_per_year, frequency_values, named_frequency
from lamagent.gate.unwritten_numbers import unwritten_numbers, written_numbers_of
from lamagent.messages import ToolCall
from lamagent.tools import Tool

PER_YEAR = "The number of times that interest is compounded per year. Default is 1 (annually)."
PER_UNIT = "The number of times that interest is compounded per unit time."


@pytest.mark.parametrize(
    ("query", "times"),
    [
        # BFCL simple_python_133, _153, _269, parallel_multiple_102
        ("a $5000 investment at 5% in 3 years with monthly compounding.", 12),
        ("for 5 years, compounded quarterly.", 4),
        ("at an interest rate of 5% compounded yearly for 10 years.", 1),
        ("a savings account that compounds interest quarterly at an annual rate of 4%", 4),
        # made up: the other words, hyphens, case, one frequency said twice
        ("paid Semi-Annually", 2),
        ("compounded bi-weekly, that is biweekly", 26),
        ("half-yearly", 2),
        ("daily", 365),
        ("weekly!", 52),
        # none: of a thing, two frequencies, a count per year, no frequency
        ("my monthly repayment and a quarterly dividend", None),
        ("a yearly interest rate of 5%", None),
        ("compounded monthly or quarterly", None),
        ("compounded quarterly, that is 4 times a year", None),
        ("compounded twice a year", None),
        ("an annual rate of 4%", None),
    ],
)
def test_the_frequency_the_user_named(query: str, times: int | None) -> None:
    assert named_frequency(query) == times


def _tool(description: str = "Compute compound interest.", **properties: dict[str, Any]) -> Tool:
    properties = {"principal": {"type": "integer", "description": "The amount."}, **properties}
    return Tool("t", description, {"type": "object", "properties": properties, "required": []})


@pytest.mark.parametrize(
    ("tool_description", "spec", "counts"),
    [
        ("Anything.", {"type": "integer", "description": PER_YEAR}, True),
        ("Anything.", {"type": "number", "description": "Compounding periods per annum."}, True),
        # per unit of time, per time period: only where it is about interest
        ("Compute compound interest.", {"type": "integer", "description": PER_UNIT}, True),
        (
            "Calculates compound interest.",
            {
                "type": "integer",
                "description": "The number of times interest applied per time period.",
            },
            True,
        ),
        (
            "Count events.",
            {"type": "integer", "description": "The number of times it happens per unit time."},
            False,
        ),
        # no count of times, not a number
        (
            "Anything.",
            {"type": "integer", "description": "The decrease in efficiency per year."},
            False,
        ),
        ("Anything.", {"type": "string", "description": PER_YEAR}, False),
    ],
)
def test_a_parameter_that_counts_times_a_year(
    tool_description: str, spec: dict[str, Any], counts: bool
) -> None:
    assert counts_per_year(_tool(tool_description), spec) is counts


TOOL = _tool(
    n={"type": "integer", "description": PER_UNIT},
    time={"type": "integer", "description": "Years."},
)


def _set(query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name="t", arguments=draft)
    [out], notes = frequency_values([call], [TOOL], query, written_numbers_of([query]))
    assert out.id == call.id
    return out.arguments, notes


@pytest.mark.parametrize(
    ("query", "draft", "n"),
    [
        # none held (BFCL simple_python_153), a number nobody wrote (parallel_multiple_102's 5
        # in a request without it), one another argument holds (parallel_172: time 10, n 10)
        ("$5000 for 5 years, compounded quarterly.", {"principal": 5000, "time": 5}, 4),
        ("$5000 compounded quarterly.", {"principal": 5000, "n": 5}, 4),
        ("$2000 for 10 years, compounded annually.", {"principal": 2000, "time": 10, "n": 10}, 1),
    ],
)
def test_the_times_a_year_are_set(query: str, draft: dict[str, Any], n: int) -> None:
    arguments, notes = _set(query, **draft)
    assert arguments == {**draft, "n": n}
    was = repr(draft["n"]) if "n" in draft else "none"
    assert notes == [f"t.n: {was} as {n}, {n} times a year"]


@pytest.mark.parametrize(
    ("query", "draft"),
    [
        # the value already, a number the user wrote for it, a value that is no number
        ("$5000 compounded quarterly.", {"n": 4}),
        ("$5000 compounded quarterly in 6 parts", {"principal": 5000, "n": 6}),
        ("$5000 compounded quarterly.", {"n": "often"}),
        # no frequency, two
        ("$5000 for 5 years.", {"n": 7}),
        ("$5000 compounded monthly or quarterly.", {"n": 7}),
    ],
)
def test_left_alone(query: str, draft: dict[str, Any]) -> None:
    assert _set(query, **draft) == (draft, [])


def test_a_parameter_the_enum_bars_is_left_alone() -> None:
    tool = _tool(n={"type": "integer", "description": PER_UNIT, "enum": [1, 2]})
    call = ToolCall(name="t", arguments={"n": 5})
    [out], notes = frequency_values(
        [call], [tool], "compounded monthly", {Decimal(5)} - {Decimal(5)}
    )
    assert (out.arguments, notes) == ({"n": 5}, [])


def test_the_times_a_year_are_written() -> None:
    call = ToolCall(name="t", arguments={"n": 12})
    kept, notes = unwritten_numbers([call], [TOOL], ["compounded monthly"])
    assert (kept[0].arguments, notes) == ({"n": 12}, [])
    left, notes = unwritten_numbers([call], [TOOL], ["compounded quarterly"])
    assert (left[0].arguments, notes) == ({}, ["t.n: 12 is written nowhere, left out"])


def test_a_turn_sets_the_times_a_year() -> None:
    draft = '[{"name": "t", "arguments": {"principal": 5000}}]'
    query = "Grow $5000 with monthly compounding"
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, query, [TOOL], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"principal": 5000, "n": 12}
    assert "t.n: none as 12, 12 times a year" in turn.reshaped
    plain = one_turn(backend, query, [TOOL], example_shapes=False)
    assert plain.turn.calls[0].arguments == {"principal": 5000}
