"""What every engine checks and raises the same way: settings, the context window.

The same breach of the Backend contract gets the same exception from every engine: a setting
out of range is a `ConfigError` (a ValueError), a prompt that does not fit the context is a
`ContextOverflowError`, a constraint given to a backend that cannot honour one is a
`ConstraintError`; engine failures are wrapped by `bridge.engine_error`.
"""

from __future__ import annotations

from collections.abc import Sequence

from lamagent.backends.base import GenerationParams
from lamagent.errors import ConfigError, ConstraintError, ContextOverflowError, UsageError


def check_settings(**settings: tuple[float, float]) -> None:
    """Raise ConfigError for the first `name=(value, minimum)` whose value is below its minimum."""
    for name, (value, minimum) in settings.items():
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")


def check_prompt(tokens: Sequence[int]) -> None:
    """Raise UsageError for a prompt with no tokens (nothing to continue from)."""
    if not tokens:
        raise UsageError("the prompt is empty: render at least one message")


def context_overflow(prompt_tokens: int, context: int, remedy: str) -> ContextOverflowError:
    """The error for a prompt of `prompt_tokens` that does not fit a window of `context`."""
    return ContextOverflowError(
        f"the prompt has {prompt_tokens} tokens but the context window holds {context}: "
        f"{remedy}, or shorten the conversation or tool results"
    )


#: How servers say a prompt does not fit: OpenAI's error code, vLLM's and llama.cpp's messages.
_OVERFLOW_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "exceed_context_size",
    "exceeds the available context size",
    "requested tokens exceed context window",
)


def is_context_overflow(message: str) -> bool:
    """Whether a server's error message says the prompt does not fit its context window."""
    lowered = message.lower()
    return any(marker in lowered for marker in _OVERFLOW_MARKERS)


def check_constraint_support(
    engine: str,
    supported: bool,
    params: GenerationParams,
    remedy: str = "pass constraint=None, or use a backend whose supports_constraint is True",
) -> None:
    """Raise ConstraintError when `params` carries a constraint the backend cannot honour."""
    if params.constraint is not None and not supported:
        raise ConstraintError(f"{engine} does not accept a constraint; {remedy}")
