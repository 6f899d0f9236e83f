"""Typed output: the final answer as a value of a Python type, validated by pydantic.

`Agent(output_type=T)` accepts a pydantic model, a dataclass, a TypedDict or a plain type
(`int`, `list[str]`, ...). `OutputType` holds what the loop needs for it: the type's JSON Schema
(plain, as the model sees it), the `Constraint` that makes a constrained backend write only JSON
of that schema, the instruction and the feedback the model reads, and the validation itself.
Model output is parsed as JSON (never evaluated) and validated; nothing else runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic.errors import PydanticSchemaGenerationError, PydanticUserError

from lamagent.errors import ConfigError
from lamagent.generation import Constraint
from lamagent.tools.schema import clean_schema

__all__ = ["OutputType", "ParsedOutput"]

#: Validation problems quoted back to the model (the rest are counted).
_MAX_PROBLEMS = 5


@dataclass(frozen=True)
class ParsedOutput:
    """A validated answer: the typed `value` and its JSON form (what the trajectory keeps)."""

    value: Any
    data: Any


class OutputType:
    """The type a run's final answer must have, and how to ask for it and check it."""

    def __init__(self, output_type: Any) -> None:
        try:
            self.adapter: TypeAdapter[Any] = TypeAdapter(output_type)
            raw = self.adapter.json_schema()
        except (PydanticSchemaGenerationError, PydanticUserError, TypeError) as exc:
            raise ConfigError(
                f"output_type {output_type!r} has no JSON Schema ({exc}); use a pydantic "
                "model, a dataclass, a TypedDict or a JSON-friendly type"
            ) from exc
        self.type = output_type
        self.name: str = getattr(output_type, "__name__", None) or repr(output_type)
        self.schema: dict[str, Any] = clean_schema(raw)
        #: A bare string answer needs no JSON: plain text validates as it is.
        self.accepts_text = self.schema.get("type") == "string" and "enum" not in self.schema
        canon = json.dumps(self.schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        self.constraint = Constraint(
            json_schema=self.schema,
            allow_text=False,
            key="output:" + hashlib.sha256(canon.encode("utf-8")).hexdigest(),
        )

    def schema_text(self) -> str:
        return json.dumps(self.schema, ensure_ascii=False, separators=(", ", ": "))

    def instruction(self) -> str:
        """What the model reads when its final answer is due as JSON."""
        return (
            "Now give the final answer. Reply with only a JSON value (no other text) that "
            f"matches this JSON Schema: {self.schema_text()}"
        )

    def feedback(self, problem: str) -> str:
        """What the model reads after an answer that did not validate."""
        return (
            f"Your answer does not match the required type: {problem}. Reply with only a JSON "
            f"value (no other text) that matches this JSON Schema: {self.schema_text()}"
        )

    def parse(self, text: str) -> ParsedOutput | str:
        """The validated answer in `text` (JSON, or plain text for a string type), else the
        problem in words."""
        stripped = _unfenced(text.strip())
        try:
            value = self.adapter.validate_json(stripped)
        except ValidationError as exc:
            if not (self.accepts_text and text.strip()):
                return _describe(exc)
            try:
                value = self.adapter.validate_python(text.strip())
            except ValidationError as text_exc:
                return _describe(text_exc)
        return self._parsed(value)

    def parse_text(self, text: str) -> ParsedOutput | None:
        """A plain-text answer that already is a valid value (a string type, or JSON text)."""
        parsed = self.parse(text)
        return parsed if isinstance(parsed, ParsedOutput) else None

    def _parsed(self, value: Any) -> ParsedOutput:
        return ParsedOutput(value=value, data=self.adapter.dump_python(value, mode="json"))

    def __repr__(self) -> str:
        return f"OutputType({self.name})"


def _unfenced(text: str) -> str:
    """JSON inside a Markdown code fence (chat models like to add one) without the fence."""
    if text.startswith("```") and text.endswith("```") and len(text) >= 6:
        body = text[3:-3]
        first_line, _, rest = body.partition("\n")
        return (rest if first_line.strip().isalpha() or not first_line.strip() else body).strip()
    return text


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    parts = []
    for error in errors[:_MAX_PROBLEMS]:
        where = ".".join(str(p) for p in error.get("loc", ())) or "the value"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    more = len(errors) - _MAX_PROBLEMS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
