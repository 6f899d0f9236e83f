"""A date in the form its parameter names, on the real engine with the embedded model
(SmolLM2-135M).

Asked "What is the air quality index in London 2022/08/16?" (BFCL simple_python_196, its
function docs as the evaluation shows them: "The date (month-day-year)"), the model under the
calls-only grammar (the evaluation's settings) copies the user's "2022/08/16"; with
`example_shapes` the turn holds "08-16-2022". Asked to book "for 2 nights starting from 15th
October,2023" (simple_python_385, "Format - DD-MM-YYYY"), with `example_shapes` it writes
"2023-01-15T00:20:00Z", and the turn holds "15-10-2023".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn, shaped_argument


@pytest.mark.parametrize("shapes", [False, True])
def test_the_date_in_month_day_year(gguf: Any, shapes: bool) -> None:
    text, value, notes = shaped_argument(gguf, "simple_python_196", shapes, "date")
    assert '"date": "2022/08/16"' in text
    assert value == ("08-16-2022" if shapes else "2022/08/16")
    note = "air_quality.date: '2022/08/16' as '08-16-2022', the user's date"
    assert (note in notes) == shapes


def test_the_date_the_model_wrote_wrong(gguf: Any) -> None:
    turn = bfcl_turn(gguf, "simple_python_385", example_shapes=True)
    assert '"check_in_date": "2023-01-15T00:20:00Z"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["check_in_date"] == "15-10-2023"
