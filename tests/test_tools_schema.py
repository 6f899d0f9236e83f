"""Python functions as tools: @tool, schemas from signatures and docstrings, acall."""

import dataclasses
import enum
import json
import threading
from typing import Annotated, Any, Literal, Optional

import anyio
import jsonschema
import pytest
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from lamagent.errors import ToolDefinitionError
from lamagent.tools import Tool, tool


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


@dataclasses.dataclass
class Point:
    lat: float
    lon: float = 0.0


class Options(TypedDict):
    verbose: bool
    level: int


class Address(BaseModel):
    street: str
    number: int = Field(ge=1)


class Person(BaseModel):
    name: str
    address: Address
    tags: list[str] = []


class TreeNode(BaseModel):
    label: str
    children: list["TreeNode"] = []


def _walk(schema: Any) -> list[dict[str, Any]]:
    """Every schema node (not property names) of a JSON Schema."""
    out = []
    if isinstance(schema, dict):
        out.append(schema)
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    out.extend(_walk(sub))
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                out.extend(_walk(value))
            elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
                for sub in value:
                    out.extend(_walk(sub))
    return out


def test_bare_decorator_google_docstring() -> None:
    @tool
    def get_weather(city: str, days: int = 1) -> str:
        """Get the weather forecast for a city.

        Args:
            city: The name of the city.
            days: How many days ahead.
        """
        return f"{city}:{days}"

    assert isinstance(get_weather, Tool)
    assert get_weather.name == "get_weather"
    assert get_weather.description == "Get the weather forecast for a city."
    assert get_weather.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The name of the city."},
            "days": {"type": "integer", "default": 1, "description": "How many days ahead."},
        },
        "required": ["city"],
    }
    assert get_weather("Paris", days=2) == "Paris:2"  # still callable like the function
    assert get_weather.__name__ == "get_weather"
    assert get_weather.__doc__ is not None and "forecast" in get_weather.__doc__
    assert not get_weather.is_async
    assert get_weather.spec() == {
        "name": "get_weather",
        "description": "Get the weather forecast for a city.",
        "parameters": get_weather.parameters,
    }
    assert list(get_weather.spec()) == ["name", "description", "parameters"]
    assert get_weather.openai_spec() == {"type": "function", "function": get_weather.spec()}


def test_a_first_paragraph_over_several_lines_stays_one_paragraph() -> None:
    @tool
    def convert(value: float) -> str:
        """Convert a quantity between units: length (meters, feet),
        mass (kilograms, pounds).

        Returns the conversion as it reads.

        Args:
            value: the quantity.
        """
        return str(value)

    # the docstring parser cuts the first paragraph after its first line; the description
    # keeps it one paragraph, and the next one apart
    assert convert.description == (
        "Convert a quantity between units: length (meters, feet),\n"
        "mass (kilograms, pounds).\n\nReturns the conversion as it reads."
    )


def test_decorator_with_arguments() -> None:
    @tool(name="lookup", description="Look a word up.", timeout=2.5, requires_approval=True)
    async def find(word: str) -> str:
        return word.upper()

    assert find.name == "lookup"
    assert find.description == "Look a word up."
    assert find.timeout == 2.5
    assert find.requires_approval is True
    assert find.allow_duplicates is False
    assert find.is_async


def test_numpy_docstring() -> None:
    @tool
    def area(width: float, height: float) -> float:
        """Area of a rectangle.

        Parameters
        ----------
        width : float
            Width in metres.
        height : float
            Height in metres.
        """
        return width * height

    props = area.parameters["properties"]
    assert area.description == "Area of a rectangle."
    assert props["width"] == {"type": "number", "description": "Width in metres."}
    assert props["height"]["description"] == "Height in metres."


def test_sphinx_docstring() -> None:
    @tool
    def send(to: str, body: str = "") -> None:
        """Send a message.

        Longer explanation of sending.

        :param to: The recipient address.
        :param body: The message text.
        """

    props = send.parameters["properties"]
    assert send.description == "Send a message.\n\nLonger explanation of sending."
    assert props["to"]["description"] == "The recipient address."
    assert props["body"]["description"] == "The message text."


def test_annotated_and_field_descriptions_win_over_docstring() -> None:
    @tool
    def f(
        a: Annotated[int, "A from Annotated."],
        b: Annotated[int, Field(description="B from Field.", ge=0)] = 0,
        c: int = Field(default=3, description="C from a default Field.", le=10),
    ) -> int:
        """Add.

        Args:
            a: docstring a.
            b: docstring b.
            c: docstring c.
        """
        return a + b + c

    props = f.parameters["properties"]
    assert props["a"] == {"type": "integer", "description": "A from Annotated."}
    assert props["b"]["description"] == "B from Field."
    assert props["b"]["minimum"] == 0
    assert props["c"]["description"] == "C from a default Field."
    assert props["c"]["maximum"] == 10
    assert f.parameters["required"] == ["a"]
    assert anyio.run(f.acall, {"a": 1}) == 4


def test_all_supported_types_give_plain_valid_schemas() -> None:
    @tool
    def everything(
        s: str,
        i: int,
        x: float,
        flag: bool,
        unit: Unit,
        mode: Literal["fast", "slow"],
        maybe: Optional[int] = None,  # noqa: UP045 - Optional is part of what is tested
        either: int | None = None,
        names: list[str] | None = None,
        pair: tuple[int, str] | None = None,
        many: tuple[float, ...] = (),
        unique: set[int] | None = None,
        scores: dict[str, float] | None = None,
        opts: Options | None = None,
        point: Point | None = None,
        person: Person | None = None,
        points: list[Point] | None = None,
        anything: Any = None,
    ) -> dict[str, Any]:
        return {}

    params = everything.parameters
    jsonschema.Draft202012Validator.check_schema(params)
    props = params["properties"]
    assert params["required"] == ["s", "i", "x", "flag", "unit", "mode"]
    assert props["s"] == {"type": "string"}
    assert props["x"] == {"type": "number"}
    assert props["flag"] == {"type": "boolean"}
    assert props["unit"] == {"type": "string", "enum": ["celsius", "fahrenheit"]}
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert props["maybe"]["type"] == ["integer", "null"]
    assert props["either"]["type"] == ["integer", "null"]
    assert props["many"]["items"] == {"type": "number"}
    assert props["names"]["anyOf"] == [
        {"type": "array", "items": {"type": "string"}},
        {"type": "null"},
    ]
    assert props["pair"]["anyOf"][0]["prefixItems"] == [{"type": "integer"}, {"type": "string"}]
    assert props["unique"]["anyOf"][0]["uniqueItems"] is True
    assert props["scores"]["anyOf"][0] == {
        "type": "object",
        "additionalProperties": {"type": "number"},
    }
    opts = props["opts"]["anyOf"][0]
    assert opts["properties"] == {"verbose": {"type": "boolean"}, "level": {"type": "integer"}}
    assert opts["required"] == ["verbose", "level"]
    text = json.dumps(params)
    assert "$ref" not in text and "$defs" not in text  # nothing recursive: all inlined
    assert all("title" not in node for node in _walk(params))  # no title noise
    person = next(b for b in props["person"]["anyOf"] if b.get("type") == "object")
    assert person["properties"]["address"]["properties"]["number"]["minimum"] == 1
    point = next(b for b in props["point"]["anyOf"] if b.get("type") == "object")
    assert point["required"] == ["lat"]
    assert props["anything"] == {"default": None}


def test_recursive_model_keeps_defs() -> None:
    @tool
    def draw(tree: TreeNode) -> str:
        return tree.label

    params = draw.parameters
    assert params["properties"]["tree"] == {"$ref": "#/$defs/TreeNode"}
    assert set(params["$defs"]) == {"TreeNode"}
    jsonschema.Draft202012Validator.check_schema(params)
    result = anyio.run(draw.acall, {"tree": {"label": "root", "children": [{"label": "a"}]}})
    assert result == "root"


def test_acall_converts_json_to_python_types() -> None:
    seen: dict[str, Any] = {}

    @tool
    def plan(
        unit: Unit,
        point: Point,
        person: Person,
        opts: Options,
        ratio: float,
        pair: tuple[int, str],
        unique: set[int],
    ) -> str:
        seen.update(locals())
        return "ok"

    arguments = {
        "unit": "fahrenheit",
        "point": {"lat": 1.5},
        "person": {"name": "Ada", "address": {"street": "Main", "number": 3}},
        "opts": {"verbose": True, "level": 2},
        "ratio": 2,
        "pair": [1, "a"],
        "unique": [1, 2, 2],
    }
    assert anyio.run(plan.acall, arguments) == "ok"
    assert seen["unit"] is Unit.FAHRENHEIT
    assert seen["point"] == Point(lat=1.5, lon=0.0)
    assert isinstance(seen["person"], Person) and seen["person"].address.number == 3
    assert seen["opts"] == {"verbose": True, "level": 2}
    assert isinstance(seen["ratio"], float)
    assert seen["pair"] == (1, "a")
    assert seen["unique"] == {1, 2}


def test_acall_leaves_defaults_to_the_function() -> None:
    sentinel = object()

    @tool
    def f(a: int, b: Any = sentinel) -> bool:
        return b is sentinel

    assert anyio.run(f.acall, {"a": 1}) is True


def test_sync_tools_run_in_a_worker_thread_async_in_the_loop() -> None:
    main = threading.get_ident()

    @tool
    def sync_tool() -> int:
        return threading.get_ident()

    @tool
    async def async_tool() -> int:
        await anyio.sleep(0)
        return threading.get_ident()

    async def both() -> tuple[int, int]:
        return await sync_tool.acall({}), await async_tool.acall({})

    sync_thread, async_thread = anyio.run(both)
    assert sync_thread != main
    assert async_thread == main


def test_acall_rejects_arguments_that_do_not_fit() -> None:
    @tool
    def f(n: int) -> int:
        return n

    with pytest.raises(ValidationError):
        anyio.run(f.acall, {"n": "not a number"})


def test_acall_without_function_is_a_definition_error() -> None:
    t = Tool.from_spec({"name": "remote", "parameters": {"type": "object", "properties": {}}})
    with pytest.raises(ToolDefinitionError, match="no function"):
        anyio.run(t.acall, {})


def test_positional_only_parameters_are_passed_positionally() -> None:
    @tool
    def f(a: int, /, b: int = 2) -> list[int]:
        return [a, b]

    assert anyio.run(f.acall, {"a": 1}) == [1, 2]
    assert anyio.run(f.acall, {"a": 1, "b": 5}) == [1, 5]


def test_args_and_kwargs_are_not_offered_to_the_model() -> None:
    @tool
    def f(a: int, *rest: int, **extra: Any) -> int:
        return a

    assert list(f.parameters["properties"]) == ["a"]


def test_parameter_names_that_shadow_pydantic_attributes() -> None:
    @tool
    def f(schema: str, model_config: int, json: bool = False) -> str:
        return f"{schema}{model_config}{json}"

    assert list(f.parameters["properties"]) == ["schema", "model_config", "json"]
    assert anyio.run(f.acall, {"schema": "s", "model_config": 1}) == "s1False"


def test_types_without_json_schema_are_definition_errors() -> None:
    class Opaque:
        pass

    def f(x: Opaque) -> None:
        return None

    with pytest.raises(ToolDefinitionError, match="JSON Schema"):
        Tool.from_function(f)


def test_lambda_needs_a_name() -> None:
    with pytest.raises(ToolDefinitionError, match="name"):
        Tool.from_function(lambda x: x)
    named = Tool.from_function(lambda x: x, name="identity")
    assert named.name == "identity"
    assert named.parameters["properties"] == {"x": {}}


def test_non_positive_timeout_is_rejected() -> None:
    with pytest.raises(ToolDefinitionError, match="timeout"):
        tool(timeout=0)(lambda: None)
