"""One shared instance of the embedded SmolLM2 GGUF for every llama.cpp test in a session.

Loading is cheap (under a second) but each instance holds its own context memory; the tests
that need a fresh KV cache call `reset_cache()` or build their own small instance.
"""

from __future__ import annotations

import functools

from lamagent.backends.llamacpp import LlamaCppBackend
from lamagent.models import default_gguf_path

#: Threads for tests: the machines running them are small and shared (and llama.cpp slows
#: down several-fold when its threads outnumber the free cores).
TEST_THREADS = 1


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
