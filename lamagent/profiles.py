"""Model profiles: the settings measured for a model, used where the user set nothing else.

A small model that knows no tools is an agent only with help from the loop: the embedded
SmolLM2-135M, asked "What's the weather like in London?" with a `get_weather` tool and the
Agent's plain defaults, never calls and writes a story about London's weather until the token
limit. `EMBEDDED` holds what was measured best for it on BFCL (docs/evaluation.md, "The call
gate on the embedded model"): the call gate on every auto turn, its answers after a tool's
result started with "Based on the result, ", copy-aware decoding of values and answers, the
arguments the user asked for, values in the shapes their descriptions show, one call per item
the user listed, and text answers that end where they start going round (docs/small-models.md
explains each).

An Agent on the embedded model (`model=None`, its GGUF file, the transformers checkpoint
converted from it, or a backend loaded from either) uses `EMBEDDED` unless given `profile=None`;
any setting the user gives wins over the profile's (`Agent(copy_bias=0)`, `gate=CallGate(...)`,
or a `GenerationParams` that sets the field). Another model gets no profile unless one is
passed: `Agent(my_backend, profile=EMBEDDED)`.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamagent.errors import ConfigError, ModelLoadError
from lamagent.gate import CallGate
from lamagent.generation import GenerationParams

__all__ = ["EMBEDDED", "ModelProfile", "profile_for"]


@dataclass(frozen=True)
class ModelProfile:
    """Settings measured for a model: `GenerationParams` fields and a call gate."""

    name: str
    #: `GenerationParams` fields and their values.
    generation: Mapping[str, Any] = field(default_factory=dict)
    #: The call gate for auto turns.
    gate: CallGate | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.generation) - set(GenerationParams.model_fields))
        if unknown:
            raise ConfigError(
                f"profile {self.name!r} sets {', '.join(unknown)}, which GenerationParams "
                "does not have"
            )
        GenerationParams(**self.generation)  # a value out of range fails here

    def generation_over(
        self, generation: GenerationParams, given: Collection[str] = ()
    ) -> GenerationParams:
        """`generation` with the profile's values in the fields the user did not set (those
        of `generation.model_fields_set` and the shorthand names in `given`)."""
        user = generation.model_fields_set | set(given)
        unset = {k: v for k, v in self.generation.items() if k not in user}
        return generation.model_copy(update=unset) if unset else generation

    def gate_over(self, gate: CallGate | None) -> CallGate | None:
        """The user's gate when there is one, else the profile's."""
        return gate if gate is not None else self.gate


#: The embedded SmolLM2-135M's best measured setting, one for every kind of request (56 of 100
#: held-out BFCL cases of five categories, irrelevance among them; docs/evaluation.md).
EMBEDDED = ModelProfile(
    name="embedded",
    generation={
        "copy_bias": 3.0,
        "copy_answers": True,
        "mentioned_arguments": True,
        "example_shapes": True,
        "listed_items": True,
        "end_answer_loops": True,
    },
    gate=CallGate(answer_cue="Based on the result, "),
)


def profile_for(model: object) -> ModelProfile | None:
    """The profile `profile="auto"` picks: `EMBEDDED` for the embedded model (None, its GGUF
    file, the transformers checkpoint converted from it, or a backend loaded from either),
    none for any other model."""
    if model is None:
        return EMBEDDED
    path = getattr(model, "path", model)  # a backend knows the file or folder it loaded
    if not isinstance(path, (str, os.PathLike)):
        return None
    from lamagent.models import default_gguf_path, default_hf_checkpoint_path

    try:
        if os.fspath(path).lower().endswith(".gguf"):
            same = Path(path).resolve() == default_gguf_path().resolve()
        else:
            same = Path(path).resolve() == default_hf_checkpoint_path().resolve()
    except (ModelLoadError, OSError):
        return None
    return EMBEDDED if same else None
