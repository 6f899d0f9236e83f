"""Fixtures shared by the test modules."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def gguf() -> Any:
    """The embedded SmolLM2 GGUF under llama.cpp, one instance for the session
    (`gguf_model.shared_backend`); imported only by the tests that ask for it."""
    from gguf_model import shared_backend

    return shared_backend()
