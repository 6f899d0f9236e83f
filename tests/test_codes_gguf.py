"""Numbers a description gives meanings, on the real engine with the embedded model
(SmolLM2-135M).

BFCL live_simple_179 and _182 (held-out; their questions and function docs): "ironing
services" in Chiang Mai, in Bangkok, where the parameters' descriptions say "2 represents
ironing services" and "1 corresponds to Bangkok, 2 to Chiang Mai". Under the calls-only grammar
the model writes the first code it read, or a number of its own (`"service_id": 1234567890`),
and leaves the province out or writes the first. With `example_shapes` the turn holds the codes
of what the user named, from the same generation (`lamagent.gate.codes`).
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case_id", "coded"),
    [
        ("live_simple_179-104-0", {"service_id": 2, "province_id": 2}),
        ("live_simple_182-107-0", {"service_id": 2, "province_id": 1}),
    ],
)
def test_the_codes_of_what_the_user_named(gguf: Any, case_id: str, coded: dict[str, int]) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    shaped = bfcl_turn(gguf, case_id, example_shapes=True)
    [call] = shaped.turn.calls
    assert {k: draft.arguments.get(k) for k in coded} != coded
    assert {k: call.arguments.get(k) for k in coded} == coded
    assert any(note.startswith(f"{call.name}.service_id:") for note in shaped.reshaped)
