"""Currencies on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model cannot spell the code of a currency the user named in
words, or writes the user's two the other way round (BFCL held-out simple_python_391: "from
British pounds to Japanese yen" drafted `"base_currency": "BK"`; multiple_95: "Convert 200
euros to US dollars" drafted from USD to EUR). With `example_shapes` the turn holds the codes
at the ends the user put them, from the same generation.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case_id", "ends", "coded"),
    [
        ("simple_python_391", ("base_currency", "target_currency"), ("GBP", "JPY")),
        ("multiple_95", ("from_currency", "to_currency"), ("EUR", "USD")),
    ],
)
def test_the_named_currencies_as_codes_at_their_ends(
    gguf: Any, case_id: str, ends: tuple[str, str], coded: tuple[str, str]
) -> None:
    drafted = bfcl_turn(gguf, case_id, example_shapes=False)
    shaped = bfcl_turn(gguf, case_id, example_shapes=True)
    [draft] = drafted.turn.calls
    [call] = shaped.turn.calls
    assert tuple(draft.arguments[end] for end in ends) != coded
    assert tuple(call.arguments[end] for end in ends) == coded
    assert any("the currency the user named" in note for note in shaped.reshaped)
