"""A value the user wrote after naming its parameter, on the real engine with the embedded
model (SmolLM2-135M).

Asked "add todo with content go to sleep at 9 pm" (BFCL live_simple_63-29-3, its function
docs as the evaluation shows them), the model under the calls-only grammar (the evaluation's
settings) copies "sleep at 9 pm" into `content`; with `example_shapes` the turn holds what
the user wrote after "content", "go to sleep at 9 pm". Asked for "case number XYZ123" (BFCL
simple_python_182), it leaves the case number empty; with `example_shapes` the turn holds
"XYZ123". Asked to analyze a DNA sequence against a reference (BFCL simple_python_62), it
gives `sequence` the span the user quoted for the reference; with `example_shapes` the turn
holds the one quoted after "sequence".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize("shapes", [False, True])
def test_the_content_the_user_named(gguf: Any, shapes: bool) -> None:
    text, value, notes = shaped_argument(gguf, "live_simple_63-29-3", shapes, "content")
    assert '"content": "sleep at 9 pm"' in text
    assert value == ("go to sleep at 9 pm" if shapes else "sleep at 9 pm")
    note = "todo.content: 'sleep at 9 pm' as 'go to sleep at 9 pm', named"
    assert (note in notes) == shapes


@pytest.mark.parametrize("shapes", [False, True])
def test_the_case_number_the_model_left_empty(gguf: Any, shapes: bool) -> None:
    # BFCL simple_python_182: "Retrieve all the lawsuit details for case number XYZ123."
    text, value, notes = shaped_argument(gguf, "simple_python_182", shapes, "case_number")
    assert '"case_number": ""' in text
    assert value == ("XYZ123" if shapes else "")
    # the identifier rule (`given_ids`, "case number XYZ123") fills it before the invented
    # values are read; either reading gives the user's identifier
    filled = [n for n in notes if n.startswith("lawsuit_info.case_number: '' as 'XYZ123'")]
    assert bool(filled) == shapes


@pytest.mark.parametrize("shapes", [False, True])
def test_the_sequence_the_model_took_from_the_reference(gguf: Any, shapes: bool) -> None:
    # BFCL simple_python_62: "Analyze the DNA sequence 'AGTCGATCGAACGTACGTACG' ... based on a
    # reference sequence 'AGTCCATCGAACGTACGTACG'": the model gives both the reference's span
    text, value, notes = shaped_argument(gguf, "simple_python_62", shapes, "sequence")
    assert '"sequence": "AGTCCATCGAACGTACGTACG"' in text
    assert value == ("AGTCGATCGAACGTACGTACG" if shapes else "AGTCCATCGAACGTACGTACG")
    note = (
        "analyze_dna_sequence.sequence: 'AGTCCATCGAACGTACGTACG' as 'AGTCGATCGAACGTACGTACG', named"
    )
    assert (note in notes) == shapes
