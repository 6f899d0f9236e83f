"""A name the model began copying and then wrote its own, on the real engine with the
embedded model (SmolLM2-135M).

BFCL simple_python_266 ("... 'The Thinker' by Rodin?"), simple_python_364 ("... near
Brooklyn?") and multiple_2 ("the capital of Brazil"), their questions and function docs: under
the calls-only grammar with the copy bias the model opens the user's name and writes its own
("Rousseau", "Bronx", "Bahia"); with `example_shapes` the same generation's turn holds the
name the user wrote (`lamagent.gate.mangled`). Asked "When was the signing of the Treaty of
Lisbon?" (simple_python_235) it copies all but the name, "Talks of Lisbon": the turn holds
"Treaty of Lisbon".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import bfcl_turn


@pytest.mark.parametrize(
    ("case_id", "argument", "name"),
    [
        ("simple_python_266", "artist", "Rodin"),
        ("simple_python_364", "location", "Brooklyn"),
        ("multiple_2", "country", "Brazil"),
        ("simple_python_235", "event", "Treaty of Lisbon"),
    ],
)
def test_the_users_name_for_the_one_the_model_made_up(
    gguf: Any, case_id: str, argument: str, name: str
) -> None:
    [draft] = bfcl_turn(gguf, case_id, example_shapes=False).turn.calls
    shaped = bfcl_turn(gguf, case_id, example_shapes=True)
    [made] = shaped.turn.calls
    assert draft.arguments[argument] != name and draft.arguments[argument][:1] == name[:1]
    assert made.arguments[argument] == name
    assert any(f"as {name!r}" in note for note in shaped.reshaped)
    # the other arguments are the draft's, but for those another rule noted ("restaurant",
    # the kind alone, is "Italian" in simple_python_364: `lamagent.gate.kinds`)
    noted = {note.split(":")[0].removeprefix(f"{made.name}.") for note in shaped.reshaped}
    kept = set(draft.arguments) - noted - {argument}
    assert {k: made.arguments[k] for k in kept} == {k: draft.arguments[k] for k in kept}
