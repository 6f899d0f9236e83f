"""One shared instance of the embedded SmolLM2 GGUF for every llama.cpp test in a session.

Loading is cheap (under a second) but each instance holds its own context memory; the tests
that need a fresh KV cache call `reset_cache()` or build their own small instance.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from turn_helpers import one_turn

from lamagent.backends.llamacpp import LlamaCppBackend, available_cores
from lamagent.eval import load_bfcl
from lamagent.eval.bfcl_data import BFCLCase
from lamagent.models import default_gguf_path
from lamagent.tools import Tool
from lamagent.turns import ModelTurn

#: Threads for tests: the suite runs one test at a time, so it may use the two cores CI has;
#: never more than this process may run on (llama.cpp slows down several-fold when its
#: threads outnumber the free cores). `LAMAGENT_TEST_THREADS` sets it (1 beside a benchmark).
TEST_THREADS = int(os.environ.get("LAMAGENT_TEST_THREADS") or min(2, available_cores()))


@functools.cache
def shared_backend() -> LlamaCppBackend:
    return LlamaCppBackend(default_gguf_path(), n_ctx=4096, n_threads=TEST_THREADS)


def chatml(user: str, system: str = "You are a helpful assistant.") -> str:
    """A plain ChatML prompt (SmolLM2's own turn format)."""
    return (
        f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


#: A prompt on which SmolLM2 writes well past a hundred tokens (cancellation, decode speed).
STORY = chatml("Write a long story about a lighthouse keeper and a storm.")


def calls_turn(backend: Any, query: str, tool: dict[str, Any], **params: Any) -> ModelTurn:
    """One calls-only turn of `backend` for `query` with one tool (a BFCL-style spec), under
    the Format's grammar, greedy, at most 64 new tokens; `params` are `GenerationParams`."""
    return one_turn(backend, query, [Tool.from_spec(tool)], **{"max_tokens": 64, **params})


#: The dev copy of BFCL the real-engine tests read their cases from.
BFCL_DATA = Path(__file__).parent / "data" / "bfcl"
#: The settings the evaluation runs the embedded model with under calls only.
EVAL_SETTINGS: dict[str, Any] = {
    "copy_bias": 3.0,
    "mentioned_arguments": True,
    "listed_items": True,
    "max_tokens": 96,
}


@functools.cache
def _bfcl_cases(category: str) -> dict[str, BFCLCase]:
    return {c.id: c for c in load_bfcl(BFCL_DATA, [category])}


def bfcl_case(case_id: str) -> BFCLCase:
    """A case of the dev copy of BFCL, by id ("simple_python_195", "live_simple_63-29-3")."""
    return _bfcl_cases(case_id.rsplit("_", 1)[0])[case_id]


def bfcl_turn(backend: Any, case_id: str, *, tool: str | None = None, **params: Any) -> ModelTurn:
    """The calls-only turn of `backend` for a BFCL case: its question, its functions as the
    evaluation shows them (only the one named `tool`, when given), the evaluation's settings
    (`EVAL_SETTINGS`) and `params` on top."""
    case = bfcl_case(case_id)
    content = case.messages[-1]["content"]
    assert isinstance(content, str)
    specs = [f for f in case.prompt_functions if tool is None or f["name"] == tool]
    tools = [Tool.from_spec(f) for f in specs]
    return one_turn(backend, content, tools, **{**EVAL_SETTINGS, **params})


def shaped_argument(
    backend: Any, case_id: str, shapes: bool, argument: str
) -> tuple[str, Any, tuple[str, ...]]:
    """A BFCL case's calls-only turn (`bfcl_turn`) with `example_shapes` on or off: the text
    the model generated, the value of `argument` in the turn's first call, and the notes of
    the values the rules reshaped."""
    turn = bfcl_turn(backend, case_id, example_shapes=shapes)
    return turn.generation.text, turn.turn.calls[0].arguments[argument], tuple(turn.reshaped)
