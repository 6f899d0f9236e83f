"""One shared instance of the embedded SmolLM2 GGUF for every llama.cpp test in a session.

Loading is cheap (under a second) but each instance holds its own context memory; the tests
that need a fresh KV cache call `reset_cache()` or build their own small instance.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from turn_helpers import one_turn

from lamagent.backends.llamacpp import LlamaCppBackend, available_cores
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
