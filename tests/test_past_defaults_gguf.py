"""A value that ran on past its parameter's default, on the real engine with the embedded model
(SmolLM2-135M).

Asked for the weather at Mariposa, CA (BFCL live_simple_38-15-0, its function docs as the
evaluation shows them: an optional `url` whose description states the default
"https://api.open-meteo.com/v1/forecast"), the model under the calls-only grammar (the
evaluation's settings) writes the default and goes on: ".../v1/forecast/local/temperature".
With `example_shapes` the turn's call holds the default (`lamagent.gate.past_defaults`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn

OPEN_METEO = "https://api.open-meteo.com/v1/forecast"


@pytest.mark.parametrize("shapes", [False, True])
def test_the_default_is_the_calls(gguf: Any, shapes: bool) -> None:
    turn = bfcl_turn(gguf, "live_simple_38-15-0", example_shapes=shapes)
    assert f'"url": "{OPEN_METEO}/local/temperature"' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments["url"] == (OPEN_METEO if shapes else f"{OPEN_METEO}/local/temperature")
