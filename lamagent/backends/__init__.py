"""Engines that generate text: the Backend contract, the scripted test double, `load_model`.

Engine modules (llama.cpp, transformers, an OpenAI-compatible server) are registered by module
path and imported only when `load_model` picks them, so importing this package is cheap. The
engine classes are importable from here too (`from lamagent.backends import LlamaCppBackend`):
they load their engine's package on first access.
"""

import importlib
from typing import TYPE_CHECKING, Any

from lamagent.backends.base import (
    Backend,
    ChatBackend,
    Constraint,
    FinishReason,
    Generation,
    GenerationParams,
    ModelBackend,
    ModelInfo,
)
from lamagent.backends.registry import backend_for, load_model, register_backend
from lamagent.backends.scripted import ScriptedBackend

if TYPE_CHECKING:
    from lamagent.backends.hf import HFBackend
    from lamagent.backends.llamacpp import LlamaCppBackend
    from lamagent.backends.openai import OpenAIBackend, OpenAIChatBackend

#: Engine classes, imported on first access (their engines are optional extras).
_ENGINES = {
    "HFBackend": "lamagent.backends.hf",
    "LlamaCppBackend": "lamagent.backends.llamacpp",
    "OpenAIBackend": "lamagent.backends.openai",
    "OpenAIChatBackend": "lamagent.backends.openai",
}


def __getattr__(name: str) -> Any:
    module = _ENGINES.get(name)
    if module is None:
        raise AttributeError(f"module 'lamagent.backends' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Backend",
    "ChatBackend",
    "Constraint",
    "FinishReason",
    "Generation",
    "GenerationParams",
    "HFBackend",
    "LlamaCppBackend",
    "ModelBackend",
    "ModelInfo",
    "OpenAIBackend",
    "OpenAIChatBackend",
    "ScriptedBackend",
    "backend_for",
    "load_model",
    "register_backend",
]
