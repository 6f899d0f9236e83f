"""Settings as objects: what bounds a run, how the model samples, how tools run.

One object per concern, accepted as they are by the Agent, the CLI and the evaluation:

- `Limits`: when a run stops without an answer (steps, retries, tokens, wall time, calls per
  turn).
- `GenerationParams`: sampling for each model turn (tokens, temperature, top_p, seed).
- `ExecutionPolicy`: how a turn's calls run (timeout, parallelism, concurrency, output cap,
  approval).

`settings_from` builds all three from keyword shorthands (`max_steps=3`, `temperature=0.7`,
`tool_timeout=5`), matching each name against the objects' own fields, so no list of names is
kept twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lamagent.errors import ConfigError
from lamagent.generation import GenerationParams
from lamagent.tools.execute import ExecutionPolicy


class Limits(BaseModel):
    """When a run stops without an answer, and how much one turn may do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Model turns per run before it stops with outcome "max_steps".
    max_steps: int = Field(default=10, ge=1)
    #: Consecutive turns with unreadable output or invalid calls before "max_retries".
    max_retries: int = Field(default=3, ge=1)
    #: Tokens (prompt + completion) per run before "max_tokens".
    max_total_tokens: int | None = Field(default=None, ge=1)
    #: Seconds per run before "timeout".
    max_wall_time: float | None = Field(default=None, gt=0)
    #: Bound on the calls of one turn under constrained decoding.
    max_calls_per_turn: int = Field(default=16, ge=1)


#: Shorthand names that differ from the field they set (the Agent's historical keywords).
ALIASES: dict[str, str] = {"tool_timeout": "timeout", "parallel_tool_calls": "parallel"}
#: Fields of GenerationParams that belong to each turn, not to the user's settings.
_PER_TURN = frozenset({"stop", "constraint", "copy_from"})


def settings_from(
    shorthand: Mapping[str, Any],
    *,
    limits: Limits | None = None,
    generation: GenerationParams | None = None,
    execution: ExecutionPolicy | None = None,
) -> tuple[Limits, GenerationParams, ExecutionPolicy]:
    """The three settings objects, with `shorthand` values applied over the ones given.

    Raises `ConfigError` for a name none of them has, or a value out of range.
    """
    limits = limits or Limits()
    generation = generation or GenerationParams()
    execution = execution or ExecutionPolicy()
    limit_fields = set(Limits.model_fields)
    generation_fields = set(GenerationParams.model_fields) - _PER_TURN
    execution_fields = {f.name for f in dataclasses.fields(ExecutionPolicy)}
    updates: dict[str, dict[str, Any]] = {"limits": {}, "generation": {}, "execution": {}}
    for given, value in shorthand.items():
        name = ALIASES.get(given, given)
        if name in limit_fields:
            updates["limits"][name] = value
        elif name in generation_fields:
            updates["generation"][name] = value
        elif name in execution_fields:
            updates["execution"][name] = value
        else:
            known = sorted(limit_fields | generation_fields | execution_fields | set(ALIASES))
            raise ConfigError(f"unknown setting {given!r}; settings are: {', '.join(known)}")
    try:
        if updates["limits"]:
            limits = Limits.model_validate({**limits.model_dump(), **updates["limits"]})
        if updates["generation"]:
            generation = GenerationParams.model_validate(
                {**generation.model_dump(), **updates["generation"]}
            )
    except ValidationError as exc:
        raise ConfigError(_first_problem(exc)) from None
    if updates["execution"]:
        execution = dataclasses.replace(execution, **updates["execution"])
    check_execution(execution)
    return limits, generation, execution


def check_execution(policy: ExecutionPolicy) -> None:
    """Raise ConfigError for an execution policy out of range."""
    if policy.timeout is not None and policy.timeout <= 0:
        raise ConfigError(f"the tool timeout must be positive or None, got {policy.timeout}")
    if policy.max_output_chars < 1:
        raise ConfigError(f"max_output_chars must be at least 1, got {policy.max_output_chars}")
    if policy.max_concurrency < 1:
        raise ConfigError(f"max_concurrency must be at least 1, got {policy.max_concurrency}")


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid value')} (got {error.get('input')!r})"


__all__ = ["ALIASES", "ExecutionPolicy", "GenerationParams", "Limits", "settings_from"]
