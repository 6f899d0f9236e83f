"""A value that ran on into another argument's, on the real engine with the embedded model
(SmolLM2-135M).

Asked "What is the air quality index in London 2022/08/16?" (BFCL simple_python_196, its
function docs as the evaluation shows them), the model under the calls-only grammar (the
evaluation's settings) writes "London 2022/08/16" for the location and "2022/08/16" for the
date; with `example_shapes` the turn holds "London" for the location (and the date in the
form its description names, "08-16-2022").
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize("shapes", [False, True])
def test_the_location_ends_where_the_date_begins(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "simple_python_196", example_shapes=shapes)
    assert '"location": "London 2022/08/16"' in turn.generation.text
    [call] = turn.turn.calls
    # the date's description says "(month-day-year)": `lamagent.gate.dates`
    assert call.arguments["date"] == ("08-16-2022" if shapes else "2022/08/16")
    assert call.arguments["location"] == ("London" if shapes else "London 2022/08/16")
