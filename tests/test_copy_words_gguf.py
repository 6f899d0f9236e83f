"""The stronger copy bias inside a word, on the real engine with the embedded model
(SmolLM2-135M), calls only with the copy bias, on BFCL simple_python cases (tests/data/bfcl).

With the plain bias all through, the model leaves a word of the user's half copied and
finishes it its own way; inside a word the bias is `MID_WORD_FACTOR` times stronger:

- simple_python_371: "tomatoes" written "tomato" (BFCL expects "tomatoes");
- simple_python_347: "Liverpool F.C." written "Liverly F.C.".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gguf_model import calls_turn

from lamagent.backends._engine import copy_bias
from lamagent.eval import load_bfcl

CASES = {c.id: c for c in load_bfcl(Path(__file__).parent / "data" / "bfcl", ["simple_python"])}
SETTINGS: dict[str, Any] = {"copy_bias": 3.0, "max_tokens": 96, "mentioned_arguments": True}


def _value(backend: Any, case_id: str, argument: str) -> tuple[Any, Any]:
    case = CASES[case_id]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    turn = calls_turn(backend, content, case.prompt_functions[0], **SETTINGS)
    assert turn.turn.calls, turn.generation.text
    return turn.turn.calls[0].arguments.get(argument), turn.generation.copy_bias


@pytest.mark.parametrize(
    ("case_id", "argument", "half", "whole"),
    [
        ("simple_python_371", "items", ["tomato", "lettuce"], ["tomatoes", "lettuce"]),
        ("simple_python_347", "team_name", "Liverly F.C. 2022", "Liverpool F.C. 2022"),
    ],
)
def test_a_word_begun_is_copied_whole(
    gguf: Any, monkeypatch: pytest.MonkeyPatch, case_id: str, argument: str, half: Any, whole: Any
) -> None:
    monkeypatch.setattr(copy_bias, "MID_WORD_FACTOR", 1.0)
    plain, plain_record = _value(gguf, case_id, argument)
    assert plain == half
    monkeypatch.undo()
    stronger, record = _value(gguf, case_id, argument)
    assert stronger == whole
    # the record says how many steps were inside a word; the plain run had them too
    assert record is not None and record.inside_words >= 1
    assert plain_record is not None and plain_record.inside_words >= 1
