"""A value that holds a whole list the user wrote, on the real engine with the embedded model
(SmolLM2-135M), calls only with the evaluation's settings.

BFCL parallel_177: asked for the price per ounce of four metals, the model copies the whole
list into the one `metal` string; with `listed_items` the turn holds one call per metal, from
the same generation.
"""

from __future__ import annotations

from typing import Any

from gguf_model import bfcl_turn


def test_a_string_holding_the_users_list_becomes_one_call_per_item(gguf: Any) -> None:
    plain = bfcl_turn(gguf, "parallel_177", listed_items=False, example_shapes=True)
    assert [c.arguments["metal"] for c in plain.turn.calls] == ["gold, silver, platinum, palladium"]
    listed = bfcl_turn(gguf, "parallel_177", example_shapes=True)
    assert listed.generation.text == plain.generation.text  # nothing generated again
    assert [c.arguments for c in listed.turn.calls] == [
        {"metal": metal, "measure": "ounce"}
        for metal in ("gold", "silver", "platinum", "palladium")
    ]
    assert listed.listed == 3
    assert any("as 4 calls, one per item" in note for note in listed.reshaped)
