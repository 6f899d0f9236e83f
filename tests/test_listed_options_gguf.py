"""Options of one parameter the user named together, one call each, on the real engine with the
embedded model (SmolLM2-135M), under the calls-only grammar with the evaluation's settings
(`lamagent.gate.listed_options`).

BFCL parallel_118: "What are the precipitation statistics for the Amazon rainforest for the
last six months, the last year, and the last five years?", `time_frame` one of "six_months",
"year" and "five_years". The model writes one call and closes the list; the request names the
three options together, each in words of its own.
"""

from __future__ import annotations

from typing import Any

from gguf_model import bfcl_turn


def test_each_option_the_request_lists_gets_a_call(gguf: Any) -> None:
    alone = bfcl_turn(gguf, "parallel_118", listed_items=False, example_shapes=True)
    assert [c.arguments["time_frame"] for c in alone.turn.calls] == ["year"]
    turn = bfcl_turn(gguf, "parallel_118", example_shapes=True)
    frames = [c.arguments["time_frame"] for c in turn.turn.calls]
    assert frames == ["year", "six_months", "five_years"]
    assert {c.arguments["location"] for c in turn.turn.calls} == {"Amazon rainforest"}
    assert turn.listed == 2
