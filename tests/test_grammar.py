"""The call constraint: its schema accepts exactly the calls a format may output."""

from __future__ import annotations

import json

import jsonschema
import pytest

from lamagent import formats
from lamagent.errors import ConstraintError
from lamagent.formats.grammar import call_list_schema

WEATHER = {
    "name": "get_weather",
    "description": "Weather.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["location"],
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "description": "", "parameters": {}}}
TOOLS = [WEATHER, TIME]


def valid(schema: dict, text: str) -> bool:
    try:
        jsonschema.validate(json.loads(text), schema)
    except jsonschema.ValidationError:
        return False
    return True


def test_call_list_schema_accepts_real_calls_only() -> None:
    schema = call_list_schema(TOOLS)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert valid(schema, '[{"name": "get_weather", "arguments": {"location": "Rome"}}]')
    assert valid(
        schema,
        '[{"name": "get_time", "arguments": {}}, '
        '{"name": "get_weather", "arguments": {"location": "Rome", "days": 2}}]',
    )
    assert not valid(schema, "[]")
    assert not valid(schema, '[{"name": "get_wether", "arguments": {"location": "Rome"}}]')
    assert not valid(schema, '[{"name": "get_weather", "arguments": {}}]')  # missing required
    assert not valid(schema, '[{"name": "get_weather", "arguments": {"location": "R", "x": 1}}]')
    assert not valid(schema, '[{"name": "get_weather", "arguments": {"location": 5}}]')
    assert not valid(schema, '[{"name": "get_time", "arguments": {}, "extra": 1}]')


def test_max_calls_and_named_tool() -> None:
    schema = call_list_schema(TOOLS, max_calls=1, tool_name="get_time")
    assert valid(schema, '[{"name": "get_time", "arguments": {}}]')
    assert not valid(
        schema, '[{"name": "get_time", "arguments": {}}, {"name": "get_time", "arguments": {}}]'
    )
    assert not valid(schema, '[{"name": "get_weather", "arguments": {"location": "Rome"}}]')
    with pytest.raises(ConstraintError, match="not among the tools"):
        call_list_schema(TOOLS, tool_name="nope")


@pytest.mark.parametrize("name", ["xlam2-qwen", "xlam2-llama"])
def test_xlam2_constraint_flags(name: str) -> None:
    fmt = formats.get(name)
    auto = fmt.constraint(TOOLS)
    required = fmt.constraint(TOOLS, "required", max_calls=4)
    assert auto is not None and required is not None
    assert auto.allow_text and not required.allow_text
    assert required.json_schema is not None and required.json_schema["maxItems"] == 4
    assert fmt.constraint(TOOLS, "none") is None
    assert auto.key != required.key and len(auto.key) == 64
    assert fmt.constraint(TOOLS).key == auto.key  # stable for caching
    # what the format renders as a reply satisfies its own constraint
    from lamagent.messages import AssistantTurn, ToolCall

    reply = AssistantTurn(calls=[ToolCall(name="get_weather", arguments={"location": "Oslo"})])
    assert valid(auto.json_schema or {}, fmt.render_assistant(reply))


def test_xlam1_constraints_are_json_objects() -> None:
    fc = formats.get("xlam1-fc").constraint(TOOLS)
    assert fc is not None and not fc.allow_text and fc.json_schema is not None
    assert valid(fc.json_schema, '{"tool_calls": []}')
    assert valid(fc.json_schema, '{"tool_calls": [{"name": "get_time", "arguments": {}}]}')
    req = formats.get("xlam1-fc").constraint(TOOLS, "required")
    assert req is not None and not valid(req.json_schema or {}, '{"tool_calls": []}')
    gen = formats.get("xlam1").constraint(TOOLS, "get_weather")
    assert gen is not None and gen.json_schema is not None
    assert valid(
        gen.json_schema,
        '{"thought": "t", "tool_calls": [{"name": "get_weather", "arguments": {"location": "x"}}]}',
    )
    assert not valid(gen.json_schema, '{"tool_calls": []}')


def test_raw_bfcl_schema_is_normalised_when_tools_module_offers_it() -> None:
    bfcl = {
        "name": "f",
        "description": "",
        "parameters": {"type": "dict", "properties": {"x": {"type": "float"}}, "required": ["x"]},
    }
    schema = call_list_schema([bfcl])
    jsonschema.Draft202012Validator.check_schema(schema)
    assert valid(schema, '[{"name": "f", "arguments": {"x": 1.5}}]')
    assert not valid(schema, '[{"name": "f", "arguments": {"x": "1.5"}}]')
