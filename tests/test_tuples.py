"""Points the user wrote in parentheses, as written (`lamagent.gate.tuples`). The drafts are
the embedded model's on BFCL cases (named), and made-up ones for what the data does not show.
The real engine is tested in test_tuples_gguf.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lamagent.gate.tuples import tuple_values, written_points
from lamagent.messages import ToolCall
from lamagent.tools import Tool

HYPOT = Tool.from_spec(  # BFCL parallel_61's tool
    {
        "name": "math.hypot",
        "description": "Calculate the Euclidean norm.",
        "parameters": {
            "type": "dict",
            "properties": {
                "x": {"type": "integer", "description": "The x-coordinate value."},
                "y": {"type": "integer", "description": "The y-coordinate value."},
                "z": {"type": "integer", "description": "Optional. The z-coordinate value."},
            },
            "required": ["x", "y"],
        },
    }
)
SLOPE = Tool.from_spec(  # BFCL multiple_143's tool
    {
        "name": "calculate_slope_gradient",
        "description": "Calculate the slope gradient between two geographical coordinates.",
        "parameters": {
            "type": "dict",
            "properties": {
                "point1": {"type": "array", "items": {"type": "float"}},
                "point2": {"type": "array", "items": {"type": "float"}},
                "unit": {"type": "string"},
            },
            "required": ["point1", "point2"],
        },
    }
)
NORMS = (  # BFCL parallel_61
    "Can you calculate the Euclidean norm from the origin to the point (3, 4) using the "
    "math.hypot function, and then from the origin to the point (6, 8)? Also, can you "
    "calculate the Euclidean norm from the origin to the point (9, 12, 15)?"
)


def _calls(
    tool: Tool, text: str, *drafts: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    calls, notes = tuple_values(
        [ToolCall(name=tool.name, arguments=d) for d in drafts], [tool], text
    )
    return [c.arguments for c in calls], notes


def test_the_points_a_text_writes() -> None:
    assert written_points("from (3, 4) to (-6.5,8) and (9, 12, 15); f(x) and (7)") == [
        (Decimal(3), Decimal(4)),
        (Decimal("-6.5"), Decimal(8)),
        (Decimal(9), Decimal(12), Decimal(15)),
    ]


def test_an_argument_read_past_the_point_is_left_out() -> None:
    arguments, notes = _calls(
        HYPOT, NORMS, {"x": 3, "y": 4}, {"x": 6, "y": 8, "z": 9}, {"x": 9, "y": 12, "z": 15}
    )
    assert arguments == [{"x": 3, "y": 4}, {"x": 6, "y": 8}, {"x": 9, "y": 12, "z": 15}]
    assert notes == ["math.hypot.z: 9 past the point, left out"]


def test_the_points_own_number_again_is_past_it_too() -> None:
    # BFCL parallel_183 (train): "(5, 7) ... (10, 15) ... (20, 25)" drafted with z = 20 last
    text = "a point (5, 7) in the sky, a new point (10, 15), another point (20, 25)"
    arguments, _ = _calls(HYPOT, text, {"x": 5, "y": 7, "z": 10}, {"x": 20, "y": 25, "z": 20})
    assert arguments == [{"x": 5, "y": 7}, {"x": 20, "y": 25}]


def test_list_arguments_take_the_points_written() -> None:
    text = (  # BFCL multiple_143
        "Calculate the slope gradient in degree between two points on a landscape with "
        "coordinates (40.7128, -74.0060) and (34.0522, -118.2437)."
    )
    draft = {"point1": [1.0, 1.0], "point2": [1.0, 1.0], "unit": "degree"}
    arguments, notes = _calls(SLOPE, text, draft)
    assert arguments == [
        {"point1": [40.7128, -74.006], "point2": [34.0522, -118.2437], "unit": "degree"}
    ]
    assert notes == [
        "calculate_slope_gradient.point1: [1.0, 1.0] as the point written",
        "calculate_slope_gradient.point2: [1.0, 1.0] as the point written",
    ]


@pytest.mark.parametrize(
    ("tool", "text", "draft"),
    [
        # a required argument more, or one holding a number of no point
        (HYPOT, "the point (6, 8), height 2", {"x": 6, "y": 8, "z": 2}),
        # the call does not hold the point's numbers in order
        (HYPOT, "the point (6, 8) and (9, 1)", {"x": 8, "y": 6, "z": 9}),
        # the lists are the user's points already, in another order
        (
            SLOPE,
            "from (1.5, 2) to (3, 4)",
            {"point1": [3, 4], "point2": [1.5, 2], "unit": "degree"},
        ),
        # more points written than the call has lists, or none
        (
            SLOPE,
            "(1, 2), (3, 4) and (5, 6)",
            {"point1": [0.0, 0.0], "point2": [0.0, 0.0], "unit": "degree"},
        ),
        (SLOPE, "from here to there", {"point1": [0.0, 0.0], "point2": [1.0, 1.0]}),
    ],
)
def test_left_alone(tool: Tool, text: str, draft: dict[str, Any]) -> None:
    assert _calls(tool, text, draft) == ([draft], [])
