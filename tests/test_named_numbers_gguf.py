"""A number argument the user did not give, on the real engine with the embedded model
(SmolLM2-135M), under the calls-only grammar with the evaluation's settings.

BFCL simple_python_234: "during the 19th century" drafts `"century": 1800`;
multiple_54: "for last five years" drafts `"years": 2`; live_simple_72-36-0: "a confidence
level below 50%" drafts `"capture_percentage": 0`; parallel_170: "compounded 4 times in a
year ... for the first 2 years" drafts `"n": 2`. With `example_shapes` each takes the
number the user said is its (`lamagent.gate.named_numbers`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from gguf_model import shaped_argument


@pytest.mark.parametrize(
    ("case_id", "argument", "drafted", "meant"),
    [
        ("simple_python_234", "century", 1800, 19),
        ("multiple_54", "years", 2, 5),
        ("live_simple_72-36-0", "capture_percentage", 0, 50),
        ("parallel_170", "n", 2, 4),  # the 2 of "the first 2 years" is the time's
    ],
)
@pytest.mark.parametrize("shapes", [False, True])
def test_a_number_takes_the_one_the_user_said_is_its(
    gguf: Any, case_id: str, argument: str, drafted: int, meant: int, shapes: bool
) -> None:
    text, value, notes = shaped_argument(gguf, case_id, shapes, argument)
    assert re.search(rf'"{argument}"\s*:\s*{drafted}\b', text)
    assert value == (meant if shapes else drafted)
    note = f"{argument}: {drafted} is not its, takes {meant}, as said"
    assert any(n.endswith(note) for n in notes) is shapes
