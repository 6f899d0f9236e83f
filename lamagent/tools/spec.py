"""Tool spec dicts (OpenAI, xLAM, BFCL) and the schema words they use, made standard.

Tool specs in the wild are JSON-Schema-like rather than JSON Schema: BFCL writes `dict` for
object, `float` for number, `tuple` for array and `any` for "anything", marks parameters
`optional: true`, and lists parameters with defaults as required. `normalize_schema` turns all
of that into plain JSON Schema, so verification, constrained decoding and validators see one
dialect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamagent.errors import ToolDefinitionError

__all__ = ["normalize_schema", "parse_spec"]

# Type words seen in tool specs (BFCL's Python, Java and JavaScript categories, OpenAPI, and
# loose hand-written specs), lower-cased, to the JSON Schema type. None means "any value".
_TYPE_WORDS: dict[str, str | None] = {
    "object": "object",
    "dict": "object",
    "dictionary": "object",
    "map": "object",
    "hashmap": "object",
    "mapping": "object",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "set": "array",
    "arraylist": "array",
    "string": "string",
    "str": "string",
    "char": "string",
    "text": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "boolean": "boolean",
    "bool": "boolean",
    "null": "null",
    "none": "null",
    "any": None,
}

# JSON Schema keywords kept as they are (after their sub-schemas are normalised).
_SCALAR_KEYWORDS = frozenset(
    {
        "description",
        "title",
        "default",
        "enum",
        "const",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "examples",
        "$ref",
    }
)
_SCHEMA_LIST_KEYWORDS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_MAP_KEYWORDS = ("properties", "$defs", "definitions", "patternProperties")
_TRUTHY_WORDS = frozenset({"true", "yes", "1"})


def _type_word(word: Any) -> str | None:
    if not isinstance(word, str):
        raise ToolDefinitionError(f"a schema 'type' must be a string, got {word!r}")
    key = word.strip().lower()
    if key not in _TYPE_WORDS:
        known = ", ".join(sorted(_TYPE_WORDS))
        raise ToolDefinitionError(f"unknown schema type {word!r}; use one of: {known}")
    return _TYPE_WORDS[key]


def _normalize_type(raw: Any) -> str | list[str] | None:
    """A type word or list of words as a JSON Schema `type` value (None: no constraint)."""
    if isinstance(raw, list):
        words = [_type_word(w) for w in raw]
        if any(w is None for w in words):
            return None
        unique = list(dict.fromkeys(w for w in words if w is not None))
        return unique[0] if len(unique) == 1 else unique
    return _type_word(raw)


def _is_optional_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in _TRUTHY_WORDS


def normalize_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a BFCL or otherwise loose parameter schema into standard JSON Schema.

    Recursively: type words become JSON Schema types (`dict` -> `object`, `float` -> `number`,
    `tuple` -> `array`, `any` -> no type); `optional`, `nullable` and other non-keywords are
    dropped or folded into the standard ones; `required` keeps only declared properties that
    have no `default` and are not marked optional. `enum`, `default` and `description` are kept.
    Raises `ToolDefinitionError` for a schema that is not a dict or names an unknown type.
    """
    if not isinstance(schema, Mapping):
        raise ToolDefinitionError(f"a schema must be a JSON object (dict), got {schema!r}")
    out: dict[str, Any] = {}
    if "type" in schema:
        json_type = _normalize_type(schema["type"])
        if json_type is not None:
            out["type"] = json_type
    nullable = schema.get("nullable") is True
    for key, value in schema.items():
        if key in _SCALAR_KEYWORDS:
            out[key] = value
        elif key == "items":
            if isinstance(value, list):  # the old tuple form of `items`
                out["prefixItems"] = [normalize_schema(s) for s in value]
            elif isinstance(value, Mapping):
                out["items"] = normalize_schema(value)
        elif key == "additionalProperties":
            if isinstance(value, bool):
                out[key] = value
            elif isinstance(value, Mapping):
                out[key] = normalize_schema(value)
        elif key == "not" and isinstance(value, Mapping):
            out[key] = normalize_schema(value)
        elif key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            out[key] = [normalize_schema(s) for s in value]
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, Mapping):
            out[key] = {str(k): normalize_schema(v) for k, v in value.items()}
    if "type" not in out and "type" not in schema:
        if "properties" in out:
            out["type"] = "object"
        elif "items" in out or "prefixItems" in out:
            out["type"] = "array"
    if nullable and isinstance(out.get("type"), str) and out["type"] != "null":
        out["type"] = [out["type"], "null"]
    if "properties" in out or "required" in schema:
        required = _required(schema, out.get("properties", {}))
        if required:
            out["required"] = required
    return out


def _required(schema: Mapping[str, Any], properties: Mapping[str, Any]) -> list[str]:
    raw = schema.get("required")
    names = [r for r in raw if isinstance(r, str)] if isinstance(raw, list) else []
    raw_props = schema.get("properties")
    raw_props = raw_props if isinstance(raw_props, Mapping) else {}
    keep = []
    for name in dict.fromkeys(names):
        if name not in properties:
            continue  # a required parameter that is never declared cannot be sent
        decl = raw_props.get(name, {})
        if isinstance(decl, Mapping) and (
            "default" in decl or _is_optional_flag(decl.get("optional"))
        ):
            continue  # a parameter with a default (or marked optional) may be left out
        keep.append(name)
    return keep


def parse_spec(spec: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """Name, description and normalised parameter schema of an OpenAI, xLAM or BFCL spec.

    OpenAI: `{"type": "function", "function": {"name", "description", "parameters"}}`;
    xLAM and BFCL: `{"name", "description", "parameters"}`. Names are kept as they are
    (BFCL's dotted names like `math.factorial` included). Extra keys (`response`, `strict`)
    are ignored.
    """
    if not isinstance(spec, Mapping):
        raise ToolDefinitionError(f"a tool spec must be a dict, got {type(spec).__name__}")
    body: Any = spec
    if "function" in spec and isinstance(spec["function"], Mapping):
        body = spec["function"]
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ToolDefinitionError(
            f"a tool spec needs a non-empty string 'name'; got keys {sorted(body)}"
        )
    description = body.get("description") or ""
    if not isinstance(description, str):
        raise ToolDefinitionError(f"tool {name!r}: 'description' must be a string")
    raw_params = body.get("parameters")
    if raw_params is None:
        raw_params = body.get("input_schema", {})  # Anthropic-style specs
    if not isinstance(raw_params, Mapping):
        raise ToolDefinitionError(f"tool {name!r}: 'parameters' must be a JSON Schema object")
    try:
        params = normalize_schema(raw_params) if raw_params else {}
    except ToolDefinitionError as exc:
        raise ToolDefinitionError(f"tool {name!r}: {exc}") from exc
    params.setdefault("type", "object")
    if params["type"] != "object":
        raise ToolDefinitionError(
            f"tool {name!r}: 'parameters' must describe an object, not {params['type']!r}"
        )
    params.setdefault("properties", {})
    return name, description, params
