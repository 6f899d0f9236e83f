"""Values written in a loop, on the real engine with the embedded model (SmolLM2-135M), calls
only with the copy bias and the arguments the user asked for, on BFCL simple_python cases
(from tests/data/bfcl).

In each case the model goes round inside one value until the token limit ends it; with
`example_shapes` the engine closes the value a few rounds in and the rule cuts the rounds,
which gives the call BFCL expects:

- simple_python_79: seven scores, then "91" again and again, the last cut short ("9");
- simple_python_211: the quoted body, then the body again and again;
- simple_python_328: "rating", "player count", then the two in turn to the limit.

A loop inside the first part of a value whose shape wants another ("Chicago.IL.1.1.1..." where
the pattern is "Name, ST") is closed through that part.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from gguf_model import calls_turn

from lamagent.backends._engine.closers import Closers
from lamagent.backends._engine.copy_bias import CopySources
from lamagent.eval import load_bfcl
from lamagent.eval.checker import check_bfcl
from lamagent.messages import ToolCall

CASES = {c.id: c for c in load_bfcl(Path(__file__).parent / "data" / "bfcl", ["simple_python"])}


@pytest.mark.parametrize(
    ("case_id", "argument"),
    [
        ("simple_python_79", "data"),
        ("simple_python_211", "body"),
        ("simple_python_328", "parameters"),
    ],
)
def test_the_value_is_closed_early_and_cut_back(gguf: Any, case_id: str, argument: str) -> None:
    case = CASES[case_id]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    settings: dict[str, Any] = {"copy_bias": 3.0, "max_tokens": 256, "mentioned_arguments": True}
    tool = case.prompt_functions[0]
    plain = calls_turn(gguf, content, tool, **settings)
    # without the setting the value goes round to the token limit, and the call is wrong
    assert plain.generation.usage.completion_tokens > 200
    assert not _passes(case, list(plain.turn.calls))
    shapes = calls_turn(gguf, content, tool, example_shapes=True, **settings)
    # closed a few rounds in, then cut back: the call BFCL expects, in fewer tokens (the
    # digits of "91" are a token each: eight rounds of a list are tens of tokens)
    assert shapes.generation.finish_reason == "stop"
    assert shapes.generation.usage.completion_tokens < plain.generation.usage.completion_tokens - 60
    looped = [note for note in shapes.reshaped if "loop" in note]
    assert len(looped) == 1 and looped[0].startswith(f"{plain.turn.calls[0].name}.{argument}:")
    assert _passes(case, list(shapes.turn.calls))


def _passes(case: Any, calls: list[ToolCall]) -> bool:
    """Whether BFCL's checker (lamagent's) takes the calls as the expected ones."""
    xlam = [c.to_xlam() for c in calls]
    return check_bfcl(case.record, case.ground_truth, xlam, category=case.category).passed


@pytest.mark.hf
def test_the_transformers_backend_closes_the_loop_too() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("xgrammar")
    import anyio

    from lamagent.backends.hf import HFBackend
    from lamagent.models import default_hf_checkpoint

    case = CASES["simple_python_79"]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    settings: dict[str, Any] = {"copy_bias": 3.0, "max_tokens": 160, "max_calls": 1}
    backend = HFBackend(default_hf_checkpoint(), device="cpu")
    try:
        plain = calls_turn(backend, content, case.prompt_functions[0], **settings)
        shapes = calls_turn(
            backend, content, case.prompt_functions[0], example_shapes=True, **settings
        )
    finally:
        anyio.run(backend.aclose)
    # its fp32 weights go round two scores, 91 and 92, to the token limit
    assert len(plain.turn.calls[0].arguments["data"]) > 20
    assert shapes.generation.usage.completion_tokens < plain.generation.usage.completion_tokens - 40
    assert shapes.turn.calls[0].arguments["data"] == [85, 90, 88, 92, 86, 89, 91]
    assert [note for note in shapes.reshaped if "loop" in note]


def test_a_loop_inside_the_first_part_of_a_shape_is_closed_through_the_next(
    gguf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # simple_python_166: "... in Chicago." and `city` "The city and state, e.g. Chicago, IL."
    # (a "Name, ST" pattern). With the copy going on past the sentence's full stop (as it did
    # before copies ended there), the model writes "Chicago.IL.1234567890.0.0.0.1.1.1..."
    # inside the first part, where the grammar allows no closing quote.
    monkeypatch.setattr(CopySources, "_before_sentence_end", lambda self, start, piece: piece)
    case = CASES["simple_python_166"]
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    settings: dict[str, Any] = {
        "copy_bias": 3.0,
        "max_tokens": 256,
        "mentioned_arguments": True,
        "example_shapes": True,
    }
    tool = case.prompt_functions[0]
    closed = calls_turn(gguf, content, tool, **settings)
    # the loop is closed through ", " and an abbreviation; the call goes on to its other
    # arguments
    assert closed.turn.error is None, closed.generation.text
    city = closed.turn.calls[0].arguments["city"]
    assert city.startswith("Chicago.IL.") and re.search(r"(\.1){3}, [A-Z]{2,3}$", city), city
    assert {"specialty", "fee"} <= set(closed.turn.calls[0].arguments)
    # without the part separators the quote never comes: the call is cut off at the limit
    closers = gguf._closer_tokens()
    monkeypatch.setattr(gguf, "_closers", Closers(closers.strings, closers.structures, ()))
    cut = calls_turn(gguf, content, tool, **settings)
    assert cut.generation.usage.completion_tokens >= 250
    assert cut.turn.error is not None or not cut.turn.calls
