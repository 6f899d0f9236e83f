"""Spans the user quoted, on the real engine with the embedded model (SmolLM2-135M), calls
only with the copy bias, on BFCL cases (tests/data/bfcl).

- live_simple_64-29-4, "I need to remember to 'go to Goa'": inside the quotes "to" does not
  end the copy, and the model writes "go to Goa"; the same words unquoted give "goa".
- simple_python_90, "... in company 'ABC Ltd.'": once the value is the quoted span whole, the
  string's closing quote is favoured; without that the model goes on, "ABC Ltd. 345".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gguf_model import calls_turn

from lamagent.backends._engine.copy_bias import CopySources
from lamagent.eval import load_bfcl

CASES = {
    c.id: c
    for c in load_bfcl(Path(__file__).parent / "data" / "bfcl", ["simple_python", "live_simple"])
}


def _value(backend: Any, case_id: str, argument: str, query: str | None = None) -> Any:
    case = CASES[case_id]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    turn = calls_turn(backend, query or content, case.prompt_functions[0], copy_bias=3.0)
    assert turn.turn.calls, turn.generation.text
    return turn.turn.calls[0].arguments.get(argument)


def test_a_quoted_span_is_copied_whole(gguf: Any) -> None:
    assert _value(gguf, "live_simple_64-29-4", "content") == "go to Goa"
    unquoted = "I need to remember to go to Goa"
    assert _value(gguf, "live_simple_64-29-4", "content", unquoted) == "goa"


def test_a_value_ends_where_the_user_s_quote_ends(
    gguf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CopySources, "ends_quote", lambda self, value: False)
    assert _value(gguf, "simple_python_90", "company_name") == "ABC Ltd. 345"
    monkeypatch.undo()
    assert _value(gguf, "simple_python_90", "company_name") == "ABC Ltd."
