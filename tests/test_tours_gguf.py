"""A call that tours the tools with another's values, left out where the request names the
other's tool and not its own, on the real engine with the embedded model (SmolLM2-135M).

Asked "What is the record for the most points scored by a single player in an NBA game?"
(BFCL multiple_22, its function docs as the evaluation shows them), the model under the
calls-only grammar (the evaluation's settings) calls `most_points_career` with "NBA", then
`most_points_single_game` with "NBA"; asked "How much will I weigh on Mars if my weight on
Earth is 70 kg?" (multiple_44) it calls `unit_conversion.convert` first (and a currency
conversion between). With `listed_items`
the turn keeps the call of the tool the request names (`lamagent.gate.unasked`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case", "toured", "named", "tokens"),
    [
        (
            "multiple_22",
            "sports_data.basketball.most_points_career",
            "sports_data.basketball.most_points_single_game",
            96,
        ),
        # its third call comes after a currency conversion: room for it
        ("multiple_44", "unit_conversion.convert", "calculate.weight_in_space", 160),
    ],
)
@pytest.mark.parametrize("listed", [False, True])
def test_the_named_tools_call_is_kept(
    gguf: Any, case: str, toured: str, named: str, tokens: int, listed: bool
) -> None:
    turn = bfcl_turn(gguf, case, listed_items=listed, max_tokens=tokens)
    drafted = turn.generation.text
    assert drafted.index(f'"name": "{toured}"') < drafted.index(f'"name": "{named}"')
    names = [call.name for call in turn.turn.calls]
    assert names == [named] if listed else toured in names and named in names
