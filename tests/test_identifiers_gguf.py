"""Identifiers on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model copies the user's path, identifier or name from a later
part on (BFCL held-out simple_python_217: "~/data/myfMRI.nii" drafted "data/myfMRI.nii";
simple_python_106: "your_dataset_name" drafted "dataset_name"; simple_python_321: "La Liga"
drafted "Liga 2021"). With `example_shapes` the turn holds the word or name the user wrote, from
the same generation.
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize(
    ("case_id", "argument", "cut", "whole"),
    [
        ("simple_python_217", "data_source", "data/myfMRI.nii", "~/data/myfMRI.nii"),
        ("simple_python_106", "dataset", "dataset_name", "your_dataset_name"),
        # a name begun late, after the league's value ran on into the season's
        ("simple_python_321", "league", "Liga 2021", "La Liga"),
    ],
)
def test_the_users_whole_word(gguf: Any, case_id: str, argument: str, cut: str, whole: str) -> None:
    _, drafted, _ = shaped_argument(gguf, case_id, False, argument)
    _, shaped, notes = shaped_argument(gguf, case_id, True, argument)
    assert (drafted, shaped) == (cut, whole)
    assert any("as the user wrote it" in note for note in notes)
