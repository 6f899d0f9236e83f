"""A value the user wrote after naming its parameter, on the real engine with the embedded
model (SmolLM2-135M).

Asked "add todo with content go to sleep at 9 pm" (BFCL live_simple_63-29-3, its function
docs as the evaluation shows them), the model under the calls-only grammar (the evaluation's
settings) copies "sleep at 9 pm" into `content`; with `example_shapes` the turn holds what
the user wrote after "content", "go to sleep at 9 pm". Asked for "case number XYZ123" (BFCL
simple_python_182), it leaves the case number empty; with `example_shapes` the turn holds
"XYZ123".
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
    assert ("lawsuit_info.case_number: '' as 'XYZ123', named" in notes) == shapes
