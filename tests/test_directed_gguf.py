"""Where from and where to as the user wrote them, on the real engine with the embedded model
(SmolLM2-135M), under the calls-only grammar with the evaluation's settings.

BFCL simple_python_213: "Book a direct flight from San Francisco to London"; the model fills
`departure_location` with London and `destination_location` with San Francisco. multiple_66,
simple_python_231 and multiple_147: one of the user's values at both ends, or both in one
(`lamagent.gate.both_ends`). The main job's conversions are tested in test_gguf_agent.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_flight_goes_the_users_way(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_213", example_shapes=shapes)
    assert '"departure_location": "London"' in turn.generation.text
    [call] = turn.turn.calls
    where = (call.arguments["departure_location"], call.arguments["destination_location"])
    assert where == (("San Francisco", "London") if shapes else ("London", "San Francisco"))
    swapped = (
        "flight.book.departure_location, destination_location: swapped, as the user wrote them"
    )
    assert (swapped in turn.reshaped) is shapes


@pytest.mark.parametrize(
    ("case_id", "drafted", "pair", "meant"),
    [
        (  # one value at both ends, a run of capitalised words after "to"
            "multiple_66",
            '"start_location": "Las Vegas", "end_location": "Las Vegas"',
            ("start_location", "end_location"),
            ("Las Vegas", "Los Angeles"),
        ),
        (  # numbers: "from 1871 to 1945" drafted with 1871 twice
            "simple_python_231",
            '"start_year": 1871, "end_year": 1871',
            ("start_year", "end_year"),
            (1871, 1945),
        ),
        (  # both ends in one value: the user's "New York to Los Angeles" as the start
            "multiple_147",
            '"start": "New York to Los Angeles", "end": "Los Angeles to Los Angeles"',
            ("start", "end"),
            ("New York", "Los Angeles"),
        ),
    ],
)
@pytest.mark.parametrize("shapes", [False, True])
def test_one_value_at_both_ends_is_read_as_the_user_wrote_it(
    gguf: Any, case_id: str, drafted: str, pair: tuple[str, str], meant: tuple[Any, Any],
    shapes: bool,
) -> None:  # fmt: skip
    turn = bfcl_turn(gguf, case_id, example_shapes=shapes)
    assert drafted in turn.generation.text
    call = turn.turn.calls[0]
    read = (call.arguments[pair[0]], call.arguments[pair[1]])
    drafted_pair = tuple(json.loads("{" + drafted + "}").values())
    assert read == (meant if shapes else drafted_pair)
    assert any("read as the user wrote them" in note for note in turn.reshaped) is shapes
