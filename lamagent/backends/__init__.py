"""Engines that generate text: the Backend contract, the scripted test double, `load_model`.

Engine modules (llama.cpp, transformers, an OpenAI-compatible server) are registered by module
path and imported only when `load_model` picks them, so importing this package is cheap.
"""

from lamagent.backends.base import (
    Backend,
    Constraint,
    FinishReason,
    Generation,
    GenerationParams,
    ModelInfo,
)
from lamagent.backends.registry import backend_for, load_model, register_backend
from lamagent.backends.scripted import ScriptedBackend

__all__ = [
    "Backend",
    "Constraint",
    "FinishReason",
    "Generation",
    "GenerationParams",
    "ModelInfo",
    "ScriptedBackend",
    "backend_for",
    "load_model",
    "register_backend",
]
