"""The tool the user's words name, on the real engine with the embedded model (SmolLM2-135M),
calls only with the copy bias.

BFCL multiple_56 and multiple_1: offered three tools, the model calls the total revenue for
"the average closing price of Apple stock" and the base-and-height area for "a triangle,
given the lengths of its three sides"; with `mentioned_arguments` the turn is
generated again for the tool the words name, and the model writes its arguments.
"""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.tools import Tool


def _tool(
    name: str,
    description: str,
    params: dict[str, tuple[str, str]],
    required: tuple[str, ...] | None = None,
) -> Tool:
    return Tool.from_spec(
        {
            "name": name,
            "description": description,
            "parameters": {
                "type": "dict",
                "properties": {p: {"type": t, "description": d} for p, (t, d) in params.items()},
                "required": list(params if required is None else required),
            },
        }
    )


def _stock_tool(name: str, description: str, days: str, source: str) -> Tool:
    return _tool(
        name,
        description,
        {
            "company": ("string", "Name of the company to get data for"),
            "days": ("integer", f"Number of past days to calculate {days} for"),
            "data_source": ("string", f"Source to fetch the {source}"),
        },
        required=("company", "days"),
    )


STOCKS = [  # BFCL multiple_56's tools
    _stock_tool(
        "volume_traded",
        "Calculate the total volume of stocks traded over a certain period of time",
        "volume traded",
        "financial data. default is 'yahoo finance'",
    ),
    _stock_tool(
        "total_revenue",
        "Calculate the total revenue of a company over a specific period of time",
        "total revenue",
        "financial data. default is 'google finance'",
    ),
    _stock_tool(
        "avg_closing_price",
        "Calculate the average closing price of a specific company over a given period of time",
        "average closing price",
        "stock data. default is 'yahoo finance'",
    ),
]
TRIANGLES = [  # BFCL multiple_1's tools
    _tool(
        "math.triangle_area_heron",
        "Calculates the area of a triangle using Heron's formula, given the lengths of its "
        "three sides.",
        {
            f"side{i}": ("integer", f"Length of the {n} side of the triangle.")
            for i, n in ((1, "first"), (2, "second"), (3, "third"))
        },
    ),
    _tool(
        "math.circle_area",
        "Calculates the area of a circle given its radius.",
        {"radius": ("float", "The radius of the circle.")},
    ),
    _tool(
        "math.triangle_area_base_height",
        "Calculates the area of a triangle using the formula (1/2)base*height.",
        {
            "base": ("float", "The base length of the triangle."),
            "height": ("float", "The height of the triangle."),
        },
    ),
]


@pytest.mark.parametrize(
    ("query", "tools", "drafted", "call"),
    [
        (
            "Find the average closing price of Apple stock in the past 60 days",
            STOCKS,
            "total_revenue",
            (
                "avg_closing_price",
                {"company": "Apple", "days": 60, "data_source": "yahoo finance"},
            ),
        ),
        (
            "Calculate the area of a triangle, given the lengths of its three sides: 3, 4, and 5.",
            TRIANGLES,
            "math.triangle_area_base_height",
            ("math.triangle_area_heron", {"side1": 3, "side2": 4, "side3": 5}),
        ),
    ],
)
def test_the_turn_is_generated_again_for_the_named_tool(
    gguf: Any, query: str, tools: list[Tool], drafted: str, call: tuple[str, dict[str, Any]]
) -> None:
    plain = one_turn(gguf, query, tools, max_tokens=64, copy_bias=3.0)
    assert [c.name for c in plain.turn.calls] == [drafted]
    named = one_turn(gguf, query, tools, max_tokens=64, copy_bias=3.0, mentioned_arguments=True)
    assert [(c.name, c.arguments) for c in named.turn.calls] == [call]
    assert named.renamed == (drafted, call[0])
    assert named.generation.usage.requests == 2
