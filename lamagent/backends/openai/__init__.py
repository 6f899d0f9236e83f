"""Any OpenAI-compatible server: vLLM, llama.cpp's servers, and the like.

- `OpenAIBackend` (completions API): lamagent renders and parses; grammars go to the server.
- `OpenAIChatBackend` (chat API): the server applies the model's template and tool parser.

`open_server` (what `load_model("http://...")` calls) picks one by `mode`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from lamagent.backends.base import ModelBackend
from lamagent.backends.openai.chat import OpenAIChatBackend
from lamagent.backends.openai.client import ServerClient
from lamagent.backends.openai.completions import (
    CONSTRAINT_STYLES,
    ConstraintStyle,
    OpenAIBackend,
)
from lamagent.errors import ConfigError

ServerMode = Literal["completions", "chat"]
SERVER_MODES: tuple[str, ...] = get_args(ServerMode)


def open_server(
    base_url: str, model: str | None = None, *, mode: ServerMode = "completions", **options: Any
) -> ModelBackend:
    """A backend for the server at `base_url`: its completions API, or with mode="chat" its
    chat API. Other keyword arguments go to the backend (see `OpenAIBackend`,
    `OpenAIChatBackend`)."""
    if mode == "completions":
        return OpenAIBackend(base_url, model, **options)
    if mode == "chat":
        if "constraint_style" in options:
            raise ConfigError("constraint_style applies to mode='completions' only")
        return OpenAIChatBackend(base_url, model, **options)
    raise ConfigError(f"mode must be one of {SERVER_MODES}, not {mode!r}")


__all__ = [
    "CONSTRAINT_STYLES",
    "SERVER_MODES",
    "ConstraintStyle",
    "OpenAIBackend",
    "OpenAIChatBackend",
    "ServerClient",
    "ServerMode",
    "open_server",
]
