"""Identifiers on the real engine with the embedded model (SmolLM2-135M).

Under the calls-only grammar the model copies the user's path or identifier from a later part
on (BFCL held-out simple_python_217: "~/data/myfMRI.nii" drafted "data/myfMRI.nii";
simple_python_106: "your_dataset_name" drafted "dataset_name"). With `example_shapes` the turn
holds the word the user wrote, from the same generation.
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
    ],
)
def test_the_users_whole_word(gguf: Any, case_id: str, argument: str, cut: str, whole: str) -> None:
    _, drafted, _ = shaped_argument(gguf, case_id, False, argument)
    _, shaped, notes = shaped_argument(gguf, case_id, True, argument)
    assert (drafted, shaped) == (cut, whole)
    assert any("the word the user wrote" in note for note in notes)
