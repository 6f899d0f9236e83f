"""A length of time the user gave, counted in its parameter's unit, on the real
engine with the embedded model (SmolLM2-135M).

Asked for IMAX releases "for the next week" (BFCL simple_python_93, its function docs as the
evaluation shows them: `timeframe`, "The number of days ..."), the model under the calls-only
grammar (the evaluation's settings) writes `"timeframe": 1`; asked for a mix "with a
duration of 3 minutes" (simple_python_293: `track_length`, "Length of the mix track in
seconds."), it writes `"track_length": 3`. With `example_shapes` the turn holds 7 and 180
(`lamagent.gate.durations`). Asked for a recipe that "takes under 30 minutes to prepare"
(simple_python_356: an optional `prep_time`, "(in minutes)"), it leaves `prep_time` out; with
`example_shapes` the turn holds 30.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case", "argument", "drafted", "counted"),
    [("simple_python_93", "timeframe", 1, 7), ("simple_python_293", "track_length", 3, 180)],
)
@pytest.mark.parametrize("shapes", [False, True])
def test_the_length_is_counted_in_the_parameters_unit(
    gguf: Any, case: str, argument: str, drafted: int, counted: int, shapes: bool
) -> None:
    turn = bfcl_turn(gguf, case, example_shapes=shapes)
    assert f'"{argument}": {drafted}' in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments[argument] == (counted if shapes else drafted)


@pytest.mark.parametrize("shapes", [False, True])
def test_a_length_in_the_parameters_own_unit_fills_it(gguf: Any, shapes: bool) -> None:
    # simple_python_356: "takes under 30 minutes to prepare", an optional `prep_time` "(in
    # minutes)" the model leaves out
    turn = bfcl_turn(gguf, "simple_python_356", example_shapes=shapes)
    assert "prep_time" not in turn.generation.text
    [call] = turn.turn.calls
    assert call.arguments.get("prep_time") == (30 if shapes else None)
