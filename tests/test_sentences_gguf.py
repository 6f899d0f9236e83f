"""A sentence no call took anything from, drafted on its own, on the real engine with the
embedded model (SmolLM2-135M), under the calls-only grammar with the evaluation's settings.

BFCL parallel_multiple_1 (its question and function docs): "Find the area of a rectangle
with length 7 and breadth 3. Also, calculate the area of a circle with radius 5." The model
writes the rectangle's call and closes the list; with `listed_items` the second sentence,
asked on its own, gives the circle's (`lamagent.gate.sentences`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import EVAL_SETTINGS
from turn_helpers import bfcl_tool, one_turn


def _shape(name: str, what: str, *sides: str) -> Any:
    return bfcl_tool(
        name,
        f"Calculate the {what}. Note that the provided function is in Python 3 syntax.",
        **{
            s: {
                "type": "float",
                "description": f"The {s} of the {name.split('_')[1].split('.')[0]}.",
            }
            for s in sides
        },
    )


TOOLS = [
    _shape(
        "volume_cylinder.calculate",
        "volume of a cylinder given the radius and the height",
        "radius",
        "height",
    ),
    _shape(
        "area_rectangle.calculate",
        "area of a rectangle given the length and breadth",
        "length",
        "breadth",
    ),
    _shape("area_circle.calculate", "area of a circle given the radius", "radius"),
]
QUERY = (
    "Find the area of a rectangle with length 7 and breadth 3. Also, calculate the area of a "
    "circle with radius 5."
)


@pytest.mark.parametrize("listed", [False, True])
def test_the_second_sentence_gets_its_call(gguf: Any, listed: bool) -> None:
    turn = one_turn(gguf, QUERY, TOOLS, **{**EVAL_SETTINGS, "listed_items": listed})
    calls = [c.to_xlam() for c in turn.turn.calls]
    rectangle = {"name": "area_rectangle.calculate", "arguments": {"length": 7, "breadth": 3}}
    circle = {"name": "area_circle.calculate", "arguments": {"radius": 5}}
    assert calls == ([rectangle, circle] if listed else [rectangle])
    assert turn.listed == (1 if listed else 0)
    # the drafts count in the turn's usage (the sentence's draft may be generated again for
    # an argument the user asked for: `mentioned_arguments`)
    requests = turn.generation.usage.requests
    assert requests >= 2 if listed else requests == 1
