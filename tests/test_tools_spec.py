"""Spec dicts (OpenAI, xLAM, BFCL) as tools, and `normalize_schema`."""

import json
import re
import runpy
from pathlib import Path
from typing import Any

import anyio
import jsonschema
import pytest

from lamagent.errors import ToolDefinitionError
from lamagent.tools import Tool, normalize_schema

BFCL = Path(__file__).parent / "data" / "bfcl"
NON_STANDARD_TYPES = {"dict", "float", "tuple", "any", "int", "str", "bool", "list"}

WEATHER_PARAMS = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name."}},
    "required": ["city"],
}


def _bfcl_functions() -> list[dict[str, Any]]:
    functions = []
    for path in sorted(BFCL.glob("BFCL_*.json")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                functions.extend(json.loads(line)["function"])
    return functions


def _types(schema: Any) -> list[Any]:
    found = []
    if isinstance(schema, dict):
        if "type" in schema:
            found.append(schema["type"])
        for key in ("items", "additionalProperties"):
            found.extend(_types(schema.get(key)))
        for sub in (schema.get("properties") or {}).values():
            found.extend(_types(sub))
    return found


def test_openai_form() -> None:
    spec = {
        "type": "function",
        "function": {"name": "weather", "description": "Weather.", "parameters": WEATHER_PARAMS},
    }
    t = Tool.from_spec(spec)
    assert t.name == "weather"
    assert t.description == "Weather."
    assert t.parameters == WEATHER_PARAMS
    assert t.fn is None
    assert t.openai_spec() == spec


def test_xlam_form() -> None:
    spec = {"name": "weather", "description": "Weather.", "parameters": WEATHER_PARAMS}
    t = Tool.from_spec(spec)
    assert t.spec() == spec


def test_bfcl_form_with_dotted_name_and_loose_types() -> None:
    spec = {
        "name": "math.factorial",
        "description": "Factorial.",
        "parameters": {
            "type": "dict",
            "properties": {
                "n": {"type": "integer", "description": "The number."},
                "scale": {"type": "float", "default": 1.0},
                "coords": {"type": "tuple", "items": {"type": "float"}},
                "payload": {"type": "any", "description": "Anything."},
                "meta": {"type": "dict", "properties": {"k": {"type": "str"}}},
            },
            "required": ["n", "coords"],
        },
    }
    t = Tool.from_spec(spec)
    assert t.name == "math.factorial"  # dotted names are kept
    assert t.parameters == {
        "type": "object",
        "properties": {
            "n": {"type": "integer", "description": "The number."},
            "scale": {"type": "number", "default": 1.0},
            "coords": {"type": "array", "items": {"type": "number"}},
            "payload": {"description": "Anything."},
            "meta": {"type": "object", "properties": {"k": {"type": "string"}}},
        },
        "required": ["n", "coords"],
    }


def test_from_spec_with_function_runs_it_and_converts_arguments() -> None:
    def add(a: float, b: float = 1.0) -> float:
        return a + b

    spec = {
        "name": "add",
        "description": "Add.",
        "parameters": {
            "type": "dict",
            "properties": {"a": {"type": "float"}, "b": {"type": "float"}},
            "required": ["a"],
        },
    }
    t = Tool.from_spec(spec, fn=add)
    result = anyio.run(t.acall, {"a": 2})
    assert result == 3.0 and isinstance(result, float)
    assert t.parameters["properties"]["a"] == {"type": "number"}  # the spec's schema is shown


def test_from_spec_with_kwargs_function_passes_json_through() -> None:
    def echo(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    t = Tool.from_spec({"name": "echo", "parameters": {"type": "dict", "properties": {}}}, echo)
    assert anyio.run(t.acall, {"x": [1]}) == {"x": [1]}


def test_normalize_nested_and_recursive_words() -> None:
    schema = {
        "type": "dict",
        "properties": {
            "rows": {
                "type": "list",
                "items": {
                    "type": "dict",
                    "properties": {"v": {"type": "int"}, "ok": {"type": "bool"}},
                    "additionalProperties": {"type": "float"},
                },
            },
            "map": {"type": "dict", "additionalProperties": {"type": "list"}},
        },
    }
    assert normalize_schema(schema) == {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"v": {"type": "integer"}, "ok": {"type": "boolean"}},
                    "additionalProperties": {"type": "number"},
                },
            },
            "map": {"type": "object", "additionalProperties": {"type": "array"}},
        },
    }


def test_normalize_keeps_enum_default_description_and_drops_non_keywords() -> None:
    schema = {
        "type": "string",
        "enum": ["a", "b"],
        "default": "a",
        "description": "Pick one.",
        "optional": True,
        "x-internal": 1,
        "format": "date",
    }
    assert normalize_schema(schema) == {
        "type": "string",
        "enum": ["a", "b"],
        "default": "a",
        "description": "Pick one.",
        "format": "date",
    }


def test_required_keeps_only_declared_parameters_without_defaults() -> None:
    schema = {
        "type": "dict",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "integer", "default": 3},
            "c": {"type": "string", "optional": True},
            "d": {"type": "string", "optional": "false"},
        },
        "required": ["a", "b", "c", "d", "ghost", "a"],
    }
    assert normalize_schema(schema)["required"] == ["a", "d"]


def test_nullable_and_type_lists() -> None:
    assert normalize_schema({"type": "str", "nullable": True}) == {"type": ["string", "null"]}
    assert normalize_schema({"type": ["int", "None"]}) == {"type": ["integer", "null"]}
    assert normalize_schema({"type": ["string", "any"]}) == {}


def test_java_and_javascript_type_words() -> None:
    words = {"String": "string", "long": "integer", "double": "number", "HashMap": "object"}
    for word, json_type in words.items():
        assert normalize_schema({"type": word}) == {"type": json_type}


def test_type_is_inferred_from_properties_and_items() -> None:
    assert normalize_schema({"properties": {"a": {"type": "int"}}})["type"] == "object"
    assert normalize_schema({"items": {"type": "int"}})["type"] == "array"


def test_unknown_type_word_is_a_definition_error_that_names_the_tool() -> None:
    spec = {"name": "f", "parameters": {"type": "dict", "properties": {"x": {"type": "blob"}}}}
    with pytest.raises(ToolDefinitionError, match=r"'f'.*blob"):
        Tool.from_spec(spec)


@pytest.mark.parametrize(
    "spec",
    [
        {"description": "no name"},
        {"name": ""},
        {"name": "f", "parameters": "not a schema"},
        {"name": "f", "parameters": {"type": "string"}},
        {"name": "f", "description": 3},
        "not a dict",
    ],
)
def test_bad_specs_are_definition_errors(spec: Any) -> None:
    with pytest.raises(ToolDefinitionError):
        Tool.from_spec(spec)


def test_missing_parameters_means_no_arguments() -> None:
    t = Tool.from_spec({"name": "now", "description": "Current time."})
    assert t.parameters == {"type": "object", "properties": {}}


def test_every_bfcl_function_becomes_a_standard_tool() -> None:
    functions = _bfcl_functions()
    assert len(functions) > 1500
    for spec in functions:
        t = Tool.from_spec(spec)
        assert t.name == spec["name"]
        jsonschema.Draft202012Validator.check_schema(t.parameters)
        types = _types(t.parameters)
        for word in types:
            for w in word if isinstance(word, list) else [word]:
                assert w not in NON_STANDARD_TYPES, (spec["name"], w)
        props = t.parameters["properties"]
        assert set(t.parameters.get("required", [])) <= set(props)
        assert all("optional" not in sub for sub in props.values())


def _doc_blocks() -> list[str]:
    text = (Path(__file__).parent.parent / "docs" / "tools.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(_doc_blocks())))
def test_docs_examples_run(index: int, tmp_path: Path) -> None:
    script = tmp_path / f"example_{index}.py"
    script.write_text(_doc_blocks()[index], encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")  # the examples assert what they show
