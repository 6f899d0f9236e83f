"""Where from and where to as the user wrote them, on the real engine with the embedded model
(SmolLM2-135M), under the calls-only grammar with the evaluation's settings.

BFCL simple_python_213: "Book a direct flight from San Francisco to London"; the model fills
`departure_location` with London and `destination_location` with San Francisco. The main job's
conversion is tested in test_gguf_agent.py.
"""

from __future__ import annotations

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
