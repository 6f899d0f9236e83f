"""Whole numbers where a parameter takes a float (`lamagent.gate.number_types`). The real
engine is tested in test_number_types_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.number_types import typed_numbers
from lamagent.messages import ToolCall
from lamagent.tools import Tool

SORT = Tool.from_spec(  # BFCL simple_python_87, and a few more shapes around it
    {
        "name": "array_sort",
        "description": "Perform a sort operation on a list of numbers.",
        "parameters": {
            "type": "dict",
            "properties": {
                "list": {"type": "array", "items": {"type": "float"}, "description": "Numbers."},
                "counts": {"type": "array", "items": {"type": "integer"}},
                "scale": {"type": "float", "description": "A factor."},
                "limit": {"type": "integer", "description": "How many."},
                "either": {"type": ["integer", "number"], "description": "Any number."},
                "box": {
                    "type": "dict",
                    "properties": {"width": {"type": "float"}, "rows": {"type": "integer"}},
                },
                "grid": {"type": "array", "items": {"type": "array", "items": {"type": "float"}}},
                "label": {"type": "string", "description": "A name."},
            },
            "required": ["list"],
        },
    }
)


def _typed(**arguments: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name="array_sort", arguments=arguments)
    [out], notes = typed_numbers([call], [SORT])
    assert out.id == call.id
    return out.arguments, notes


def test_the_ints_of_a_float_list_are_floats() -> None:
    arguments, notes = _typed(list=[5, 3, 4, 1, 2], limit=3)
    assert arguments == {"list": [5.0, 3.0, 4.0, 1.0, 2.0], "limit": 3}
    assert [type(n) for n in arguments["list"]] == [float] * 5 and type(arguments["limit"]) is int
    assert notes == [
        "array_sort.list: [5, 3, 4, 1, 2] with floats, the numbers its parameter takes"
    ]


@pytest.mark.parametrize(
    ("name", "value", "typed"),
    [
        ("scale", 2, 2.0),
        ("box", {"width": 3, "rows": 2}, {"width": 3.0, "rows": 2}),
        ("grid", [[1, 2.5], [3]], [[1.0, 2.5], [3.0]]),
        ("list", [1.5, 2], [1.5, 2.0]),
    ],
)
def test_ints_become_floats_at_any_depth(name: str, value: Any, typed: Any) -> None:
    arguments, notes = _typed(**{name: value})
    assert repr(arguments[name]) == repr(typed) and len(notes) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("list", [1.5, 2.0]),  # floats already
        ("counts", [1, 2]),  # ints where ints go
        ("limit", 3),
        ("either", 3),  # a schema that allows an int
        ("list", [True, 2.0]),  # a boolean is no number to retype
        ("label", "5"),  # nor is text
        ("unknown", 5),  # nor a value of no parameter
    ],
)
def test_left_alone(name: str, value: Any) -> None:
    call = ToolCall(name="array_sort", arguments={name: value})
    [out], notes = typed_numbers([call], [SORT])
    assert out is call and notes == []  # (the same object: 2 == 2.0, so == would not tell)


def test_a_tool_the_list_does_not_hold_is_left_alone() -> None:
    call = ToolCall(name="other", arguments={"list": [1, 2]})
    [out], notes = typed_numbers([call], [SORT])
    assert out is call and notes == []


def test_the_turn_holds_floats_with_example_shapes_only() -> None:
    draft = '[{"name": "array_sort", "arguments": {"list": [5, 3, 4, 1, 2], "limit": 2}}]'
    query = "Sort the list [5, 3, 4, 1, 2] and keep 2."
    for shapes, typed in ((True, float), (False, int)):
        turn = one_turn(
            ScriptedBackend([draft], supports_constraint=True), query, [SORT], example_shapes=shapes
        )
        arguments = turn.turn.calls[0].arguments
        assert [type(n) for n in arguments["list"]] == [typed] * 5
        assert type(arguments["limit"]) is int


def test_the_final_calls_hold_floats_too() -> None:
    # a rule of the final list gives back an int (`asked_values`): the floats come after it
    from lamagent.gate.final_calls import final_calls

    call = ToolCall(name="array_sort", arguments={"list": [5, 3], "scale": 2})
    final = final_calls([call], "Sort [5, 3] scaled by 2", [SORT], floats=True)
    assert repr(final.calls[0].arguments) == repr({"list": [5.0, 3.0], "scale": 2.0})
    assert len(final.reshaped) == 2
    # without `example_shapes`, the model's ints
    plain = final_calls([call], "Sort [5, 3] scaled by 2", [SORT])
    assert plain.calls[0] is call and plain.reshaped == []
