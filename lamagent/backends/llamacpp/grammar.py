"""Compile a `Constraint` to llama.cpp's GBNF grammar language.

The calls part comes from llama-cpp-python's JSON-Schema converter; when the constraint allows
text, a second alternative accepts plain text whose first non-space character is none of the
call prefixes (`root ::= calls | text`). The converter is known to give up on schema words it
does not know; a grammar that lost the tool names would silently stop constraining, so every
constant of the schema (tool names, enum values) must be present in the result or compilation
fails loudly with `ConstraintError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lamagent.backends._engine.char_class import call_openers, escape_class_char
from lamagent.backends._engine.compiled import CompiledCache
from lamagent.backends.base import Constraint
from lamagent.errors import ConstraintError

#: Rule name of the calls alternative (the converter's top rule is named after it).
CALLS_RULE = "calls"
TEXT_RULE = "text"
_LOOSE_CHAR = 'char ::= [^"\\\\] |'
_JSON_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'


def _converter_literal(value: str) -> str:
    """How the converter spells a string constant inside the grammar (quotes escaped)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _text_rule(call_prefixes: tuple[str, ...]) -> str:
    """Plain text whose first non-space character starts no call.

    Only the first character of each prefix matters (see `call_openers`).
    """
    excluded = "".join(
        escape_class_char(c) for c in [" ", "\t", "\n", "\r", *call_openers(call_prefixes)]
    )
    return f"{TEXT_RULE} ::= [ \\t\\n\\r]* [^{excluded}] [^\\x00]*"


def _schema_constants(schema: Any) -> Iterator[str]:
    """Every string `const` and `enum` value in a schema: what the grammar must spell out."""
    if isinstance(schema, dict):
        const = schema.get("const")
        if isinstance(const, str):
            yield const
        enum = schema.get("enum")
        if isinstance(enum, list):
            yield from (v for v in enum if isinstance(v, str))
        for value in schema.values():
            yield from _schema_constants(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_constants(item)


def schema_to_gbnf(schema: dict[str, Any], rule: str = CALLS_RULE) -> str:
    """The GBNF rules for a JSON Schema, the top rule named `rule`.

    Raises `ConstraintError` when the converter fails or drops any constant of the schema.
    """
    try:
        converter = _converter_class()(
            prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
        )
        resolved = converter.resolve_refs(json.loads(json.dumps(schema)), "input")
        converter.visit(resolved, rule)
        gbnf = converter.format_grammar()
    except Exception as exc:  # the converter asserts on words it does not know
        raise ConstraintError(
            f"cannot build a grammar from the call schema ({type(exc).__name__}: {exc}). "
            "Normalise the tool schemas to standard JSON Schema "
            "(lamagent.tools.normalize_schema), or run with constrained=False."
        ) from exc
    missing = [c for c in set(_schema_constants(schema)) if _converter_literal(c) not in gbnf]
    if missing:
        raise ConstraintError(
            f"the grammar built from the call schema lost the constants {sorted(missing)!r}: "
            "the converter fell back to unconstrained JSON. Normalise the tool schemas "
            "(lamagent.tools.normalize_schema) or run with constrained=False."
        )
    # The converter's string characters admit raw control characters, which JSON forbids: a
    # model that writes a raw newline inside a string would produce output that does not parse.
    gbnf = gbnf.replace(_LOOSE_CHAR, _JSON_CHAR)
    if not any(line.startswith(f"{rule} ::=") for line in gbnf.splitlines()):
        raise ConstraintError(f"the grammar built from the call schema has no {rule!r} rule")
    return gbnf


#: Schema words that describe a value without constraining it.
_ANNOTATIONS = frozenset(
    {"description", "title", "default", "examples", "$comment", "deprecated", "readOnly"}
    | {"writeOnly"}
)


def _converter_class() -> Any:
    """llama-cpp-python's converter, writing constants as UTF-8, reading "any value" right.

    The original spells constants with `json.dumps`'s ASCII escapes; a character outside the
    Basic Multilingual Plane becomes a surrogate pair that the grammar reads as two invalid
    code points, forcing bytes that are not UTF-8 (an emoji in an enum comes out as garbage).
    And it reads a schema without constraining words as an object when it is empty, and as an
    error when it holds only a description; both mean any JSON value (BFCL's `any` parameters
    of Java and JavaScript functions normalise to such schemas).
    """
    from llama_cpp.llama_grammar import PRIMITIVE_RULES, RESERVED_NAMES, SchemaConverter

    class Converter(SchemaConverter):  # type: ignore[misc]
        def _generate_constant_rule(self, value: Any) -> str:
            return str(self._format_literal(json.dumps(value, ensure_ascii=False)))

        def visit(self, schema: Any, name: str) -> str:
            if isinstance(schema, dict) and set(schema) <= _ANNOTATIONS:
                rule_name = name + "-" if name in RESERVED_NAMES else name or "root"
                value = self._add_primitive("value", PRIMITIVE_RULES["value"])
                return str(self._add_rule(rule_name, value))
            return str(super().visit(schema, name))

    return Converter


def constraint_to_gbnf(constraint: Constraint) -> str:
    """The whole GBNF grammar (root rule `root`) for a Constraint."""
    rules: list[str] = []
    alternatives: list[str] = []
    if constraint.json_schema is not None:
        rules.append(schema_to_gbnf(constraint.json_schema))
        alternatives.append(CALLS_RULE)
    if constraint.allow_text:
        rules.append(_text_rule(constraint.call_prefixes))
        alternatives.append(TEXT_RULE)
    if not alternatives:
        raise ConstraintError("a Constraint needs a json_schema, allow_text, or both")
    return "\n".join([f"root ::= {' | '.join(alternatives)}", *rules]) + "\n"


def grammar_cache() -> CompiledCache[str]:
    """A cache of GBNF grammars by constraint key: each tool set is compiled once per backend."""
    return CompiledCache(constraint_to_gbnf)
