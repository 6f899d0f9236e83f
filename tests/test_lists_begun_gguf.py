"""Lists the calls began, paired and as written, on the real engine with the embedded model
(SmolLM2-135M), calls only with the copy bias, on BFCL parallel cases (from tests/data/bfcl).

Each case's plain turn is wrong in the way the rule reads; with `listed_items` and
`example_shapes` the same generation gives the calls BFCL expects:

- parallel_132: the model copies the first set "[23, 45, 67, 89]" and runs on through the
  others into a loop of the last; closed in the loop, then cut where the written list ends,
  the sets the same words introduce give a call each.
- parallel_154: one call, for the first person; the weights give the other people's calls,
  which take the heights their own clauses write, not the first person's.
- parallel_81: two calls, the first two heights of four; the list is finished.
- parallel_150: the coefficient lists enumerated, each with the second interval; each takes
  the interval written beside it.
- parallel_178: one call, Microsoft on the first date; the companies and the dates (one item
  each: "2022-01-01") give every pairing.
- parallel_198: both pairs, then a third call mixing the second entity with the first county;
  it is left out as a call nobody asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gguf_model import calls_turn

from lamagent.eval import load_bfcl
from lamagent.eval.checker import check_bfcl

CASES = {c.id: c for c in load_bfcl(Path(__file__).parent / "data" / "bfcl", ["parallel"])}


def _query(case_id: str) -> str:
    content = CASES[case_id].messages[-1]["content"]
    assert isinstance(content, str)
    return content


@pytest.mark.parametrize(
    ("case_id", "plain", "listed", "reshaped"),
    [
        ("parallel_132", 1, 3, 2),
        ("parallel_154", 1, 3, 3),
        ("parallel_81", 2, 2, 0),
        ("parallel_150", 2, 0, 1),
        ("parallel_178", 1, 3, 0),
        ("parallel_198", 3, 0, 0),
    ],
)
def test_the_calls_bfcl_expects_from_the_same_generation(
    gguf: Any, case_id: str, plain: int, listed: int, reshaped: int
) -> None:
    case = CASES[case_id]
    tool = case.prompt_functions[0]
    before = calls_turn(gguf, _query(case_id), tool, copy_bias=3.0, max_tokens=256)
    assert len(before.turn.calls) == plain
    after = calls_turn(
        gguf,
        _query(case_id),
        tool,
        copy_bias=3.0,
        max_tokens=256,
        listed_items=True,
        example_shapes=True,
    )
    assert after.generation.usage.requests == 1
    assert after.listed == listed and len(after.reshaped) == reshaped
    assert _passes(case, after) and not _passes(case, before)


def _passes(case: Any, model_turn: Any) -> bool:
    """Whether BFCL's checker (lamagent's) takes the turn's calls as the expected ones."""
    calls = [c.to_xlam() for c in model_turn.turn.calls]
    return check_bfcl(case.record, case.ground_truth, calls, category=case.category).passed
