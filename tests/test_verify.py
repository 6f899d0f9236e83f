"""Call verification: the paper's checks as CallError kinds, safe repairs, Toolbox."""

import dataclasses
import enum
import json
import math
from typing import Any, Literal

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, field_validator

from lamagent.errors import ToolDefinitionError
from lamagent.messages import ToolCall
from lamagent.tools import CallError, Repair, Tool, Toolbox, VerifiedCall, tool


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Item:
    name: str
    qty: int = 1


@tool
def get_weather(city: str, days: int = 1, unit: Literal["celsius", "fahrenheit"] = "celsius"):
    """Weather forecast.

    Args:
        city: City name.
        days: Days ahead (1-7).
        unit: Temperature unit.
    """
    return {"city": city, "days": days, "unit": unit}


@tool
def order(items: list[Item], ratio: float = 1.0, express: bool = False, color: Color = Color.RED):
    """Place an order."""
    return [i.name for i in items]


@tool
def paint(
    coords: tuple[float, float], tags: list[str] | None = None, meta: dict[str, int] | None = None
):
    """Paint at a point."""
    return coords


SEARCH_SPEC = {
    "name": "db.search",
    "description": "Search records.",
    "parameters": {
        "type": "dict",
        "properties": {
            "query": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100},
            "filters": {
                "type": "array",
                "items": {
                    "type": "dict",
                    "properties": {
                        "field": {"type": "string"},
                        "op": {"type": "string", "enum": ["<", ">", "="]},
                        "value": {"type": "any"},
                    },
                    "required": ["field", "op"],
                },
            },
            "strict_obj": {
                "type": "dict",
                "properties": {"a": {"type": "integer"}},
                "additionalProperties": False,
            },
        },
        "required": ["query"],
    },
}

BOX = Toolbox([get_weather, order, paint, SEARCH_SPEC])


def verify(name: str, arguments: Any) -> VerifiedCall | CallError:
    return BOX.verify(ToolCall(name=name, arguments=arguments))


def ok(name: str, arguments: dict[str, Any]) -> VerifiedCall:
    result = verify(name, arguments)
    assert isinstance(result, VerifiedCall), result
    json.dumps(result.call.arguments)  # always JSON-able
    return result


def err(name: str, arguments: dict[str, Any]) -> CallError:
    result = verify(name, arguments)
    assert isinstance(result, CallError), result
    return result


def kinds(result: VerifiedCall) -> list[tuple[str, str]]:
    return [(r.argument, r.kind) for r in result.repairs]


# -- the four kinds ------------------------------------------------------------------------


def test_valid_call_passes_unchanged_and_keeps_its_id() -> None:
    call = ToolCall(name="get_weather", arguments={"city": "Paris", "days": 3}, id="call_1")
    result = BOX.verify(call)
    assert isinstance(result, VerifiedCall)
    assert result.call == call
    assert result.repairs == []


def test_unknown_tool_suggests_the_closest_and_lists_all() -> None:
    e = err("get_wether", {"city": "Paris"})
    assert e.kind == "unknown_tool"
    assert e.tool == "get_wether" and e.argument is None
    assert "Did you mean 'get_weather'?" in e.message
    for name in ("get_weather", "order", "paint", "db.search"):
        assert name in e.message


def test_unknown_argument_names_the_argument_and_the_expected_ones() -> None:
    e = err("get_weather", {"city": "Paris", "dayz": 2})
    assert e.kind == "unknown_argument"
    assert e.argument == "dayz"
    assert "did you mean 'days'?" in e.message
    assert "city (string, required)" in e.message
    assert "days (integer, optional)" in e.message
    assert 'unit (one of "celsius", "fahrenheit", optional)' in e.message


def test_missing_argument() -> None:
    e = err("get_weather", {"days": 2})
    assert e.kind == "missing_argument"
    assert e.argument == "city"
    assert "'city' is missing" in e.message


def test_wrong_type_tells_what_was_expected_and_what_came() -> None:
    e = err("get_weather", {"city": {"name": "Paris"}})
    assert e.kind == "wrong_type"
    assert e.argument == "city"
    assert "'city' must be string, got an object" in e.message


def test_all_problems_are_listed_and_the_first_kind_is_reported() -> None:
    e = err("get_weather", {"days": "many", "extra": 1})
    assert e.kind == "unknown_argument"
    assert "'extra' is not a defined argument" in e.message
    assert "'city' is missing" in e.message
    assert "'days' must be integer" in e.message


def test_enum_violation_is_wrong_type() -> None:
    e = err("get_weather", {"city": "Paris", "unit": "kelvin"})
    assert e.kind == "wrong_type" and e.argument == "unit"
    assert '"celsius", "fahrenheit"' in e.message


def test_range_violation_is_wrong_type() -> None:
    e = err("db.search", {"query": "q", "limit": 500})
    assert e.kind == "wrong_type" and e.argument == "limit"
    assert "<= 100" in e.message


def test_integer_rejects_fractions_and_booleans() -> None:
    assert err("get_weather", {"city": "P", "days": 3.5}).kind == "wrong_type"
    assert err("get_weather", {"city": "P", "days": True}).kind == "wrong_type"
    assert err("get_weather", {"city": "P", "days": "3.5"}).kind == "wrong_type"
    e = err("get_weather", {"city": "P", "days": "[1, 2]"})
    assert e.kind == "wrong_type" and "JSON array" not in e.message  # no list hint for an int


def test_null_for_a_required_argument_is_wrong_type() -> None:
    assert err("get_weather", {"city": None}).kind == "wrong_type"


# -- nested verification -------------------------------------------------------------------


def test_nested_errors_carry_a_path() -> None:
    e = err("order", {"items": [{"name": "a"}, {"name": "b"}, {"name": 7}]})
    assert e.kind == "wrong_type"
    assert e.argument == "items[2].name"
    e = err("db.search", {"query": "q", "filters": [{"field": "age", "op": "~"}]})
    assert e.argument == "filters[0].op"
    e = err("db.search", {"query": "q", "filters": [{"field": "age"}]})
    assert e.kind == "missing_argument" and e.argument == "filters[0].op"


def test_nested_unknown_keys_follow_additional_properties() -> None:
    e = err("db.search", {"query": "q", "strict_obj": {"a": 1, "b": 2}})
    assert e.kind == "unknown_argument" and e.argument == "strict_obj.b"
    # Without additionalProperties: false, JSON Schema allows extra keys in nested objects.
    ok("db.search", {"query": "q", "filters": [{"field": "f", "op": "=", "note": "x"}]})


def test_any_typed_values_accept_any_json() -> None:
    for value in ([1, {"a": None}], "text", 3.5, True, None, {"nested": [[]]}):
        filters = [{"field": "f", "op": "=", "value": value}]
        result = ok("db.search", {"query": "q", "filters": filters})
        assert result.call.arguments["filters"][0]["value"] == value  # kept as written
        assert result.repairs == []


def test_tuple_arity_is_checked() -> None:
    ok("paint", {"coords": [1.5, 2.5]})
    e = err("paint", {"coords": [1.0, 2.0, 3.0]})
    assert e.kind == "wrong_type" and e.argument == "coords"


# -- repairs -------------------------------------------------------------------------------


def test_numbers_and_booleans_sent_as_strings_are_repaired() -> None:
    r = ok("order", {"items": [{"name": "a", "qty": "2"}], "ratio": "0.5", "express": "true"})
    assert r.call.arguments == {
        "items": [{"name": "a", "qty": 2}],
        "ratio": 0.5,
        "express": True,
    }
    assert kinds(r) == [
        ("items[0].qty", "string_to_integer"),
        ("ratio", "string_to_number"),
        ("express", "string_to_boolean"),
    ]
    assert r.repairs[0] == Repair(
        argument="items[0].qty", kind="string_to_integer", original="2", repaired=2
    )
    assert ok("order", {"items": [], "express": "False"}).call.arguments["express"] is False


def test_int_where_float_expected_becomes_float() -> None:
    r = ok("order", {"items": [], "ratio": 2})
    assert r.call.arguments["ratio"] == 2.0 and isinstance(r.call.arguments["ratio"], float)
    assert kinds(r) == [("ratio", "int_to_float")]


def test_float_without_fraction_for_integer() -> None:
    r = ok("get_weather", {"city": "P", "days": 3.0})
    assert r.call.arguments["days"] == 3 and isinstance(r.call.arguments["days"], int)
    assert kinds(r) == [("days", "float_to_int")]


def test_list_and_dict_sent_as_json_strings_are_parsed() -> None:
    r = ok("paint", {"coords": "[1.5, 2]", "meta": '{"a": 1}'})
    assert r.call.arguments == {"coords": [1.5, 2.0], "meta": {"a": 1}}
    assert ("coords", "json_string") in kinds(r)
    assert ("meta", "json_string") in kinds(r)


def test_list_string_that_is_not_json_is_rejected_not_evaluated() -> None:
    e = err("paint", {"coords": "(1.5, 2)"})
    assert e.kind == "wrong_type"
    e = err("paint", {"coords": [1, 2], "tags": "['a', 'b']"})  # Python syntax: not JSON
    assert e.kind == "wrong_type" and e.argument == "tags"
    assert "JSON array" in e.message
    e = err("paint", {"coords": "[__import__('os').getcwd(), 1]"})
    assert e.kind == "wrong_type"


def test_single_value_where_list_expected_is_wrapped() -> None:
    r = ok("paint", {"coords": [1, 2], "tags": "red"})
    assert r.call.arguments["tags"] == ["red"]
    assert ("tags", "wrap_in_list") in kinds(r)
    r = ok("order", {"items": {"name": "a"}})
    assert r.call.arguments["items"] == [{"name": "a"}]  # defaults are the function's business
    assert ("items", "wrap_in_list") in kinds(r)


def test_enum_value_in_the_wrong_case_is_repaired() -> None:
    r = ok("get_weather", {"city": "P", "unit": "Celsius"})
    assert r.call.arguments["unit"] == "celsius"
    assert kinds(r) == [("unit", "enum_case")]


def test_null_for_an_optional_argument_is_dropped() -> None:
    r = ok("get_weather", {"city": "P", "days": None})
    assert r.call.arguments == {"city": "P"}
    assert kinds(r) == [("days", "dropped_null")]
    r = ok("paint", {"coords": [0.0, 0.0], "tags": None})  # Optional: null is valid, kept
    assert r.call.arguments["tags"] is None and r.repairs == []


def test_repaired_arguments_run_the_python_function() -> None:
    r = ok("order", {"items": '[{"name": "a", "qty": "3"}]', "color": "GREEN"})
    assert anyio.run(order.acall, r.call.arguments) == ["a"]
    args, kwargs = order.bind(r.call.arguments)
    assert args == [] and kwargs["items"] == [Item(name="a", qty=3)]
    assert kwargs["color"] is Color.GREEN


def test_pydantic_validators_of_function_tools_are_applied() -> None:
    class Booking(BaseModel):
        nights: int = Field(ge=1)

        @field_validator("nights")
        @classmethod
        def not_thirteen(cls, v: int) -> int:
            if v == 13:
                raise ValueError("13 nights are not sold")
            return v

    @tool
    def book(booking: Booking) -> int:
        return booking.nights

    box = Toolbox([book])
    assert isinstance(
        box.verify(ToolCall(name="book", arguments={"booking": {"nights": 2}})), VerifiedCall
    )
    e = box.verify(ToolCall(name="book", arguments={"booking": {"nights": 13}}))
    assert isinstance(e, CallError) and e.kind == "wrong_type"
    assert e.argument == "booking.nights" and "13 nights are not sold" in e.message


# -- Toolbox -------------------------------------------------------------------------------


def test_toolbox_accepts_tools_functions_and_specs() -> None:
    def plain(x: int) -> int:
        """Double."""
        return 2 * x

    openai_spec = {"type": "function", "function": {"name": "remote", "parameters": {}}}
    box = Toolbox([get_weather, plain, openai_spec])
    assert box.names == ["get_weather", "plain", "remote"]
    assert len(box) == 3
    assert "plain" in box and "nope" not in box
    assert isinstance(box["plain"], Tool) and box["plain"].description == "Double."
    assert [t.name for t in box] == box.names
    assert box.specs()[0] == get_weather.spec()
    with pytest.raises(KeyError, match="nope"):
        box["nope"]


def test_duplicate_names_are_a_definition_error() -> None:
    with pytest.raises(ToolDefinitionError, match="get_weather"):
        Toolbox([get_weather, {"name": "get_weather", "parameters": {}}])


def test_not_a_tool_is_a_definition_error() -> None:
    with pytest.raises(ToolDefinitionError):
        Toolbox([42])  # type: ignore[list-item]


# -- property-based: nothing the model sends makes verification raise ------------------------

JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["5", "3.0", "true", "[1, 2]", '{"a": 1}', "[", "Celsius", "1e999", "NaN"])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
ARG_NAMES = st.sampled_from(
    [
        "city",
        "days",
        "unit",
        "items",
        "ratio",
        "express",
        "color",
        "coords",
        "tags",
        "meta",
        "query",
        "limit",
        "filters",
        "strict_obj",
    ]
) | st.text(max_size=12)
TOOL_NAMES = st.sampled_from(BOX.names) | st.text(max_size=16)


@settings(max_examples=300, deadline=None)
@given(name=TOOL_NAMES, arguments=st.dictionaries(ARG_NAMES, JSON_VALUES, max_size=6))
def test_verify_never_raises_on_arbitrary_calls(name: str, arguments: dict[str, Any]) -> None:
    result = BOX.verify(ToolCall(name=name, arguments=arguments))
    assert isinstance(result, (VerifiedCall, CallError))
    if isinstance(result, VerifiedCall):
        assert result.call.name == name
        text = json.dumps(result.call.arguments, allow_nan=False)  # JSON-able, finite
        assert set(json.loads(text)) <= set(BOX[name].parameters["properties"])
    else:
        assert result.message
        assert result.kind in ("unknown_tool", "unknown_argument", "missing_argument", "wrong_type")
        assert (result.kind == "unknown_tool") == (name not in BOX)


@settings(max_examples=100, deadline=None)
@given(arguments=st.dictionaries(ARG_NAMES, st.from_type(object), max_size=4))
def test_verify_never_raises_on_non_json_values(arguments: dict[str, Any]) -> None:
    result = BOX.verify(ToolCall(name="get_weather", arguments=arguments))
    assert isinstance(result, (VerifiedCall, CallError))


def test_pathological_inputs_are_errors_not_exceptions() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    nested = {"query": "q", "filters": [{"field": "f", "op": "=", "value": deep}]}
    assert isinstance(verify("db.search", nested), CallError)
    assert err("get_weather", {"city": "P", "days": "9" * 5000}).kind == "wrong_type"
    assert err("get_weather", {"city": "P", "days": math.inf}).kind == "wrong_type"
    assert err("order", {"items": [], "ratio": float("nan")}).kind == "wrong_type"
    assert err("order", {"items": [], "ratio": "NaN"}).kind == "wrong_type"
    assert err("paint", {"coords": "[NaN, 1]"}).kind == "wrong_type"
    assert err("get_weather", {"city": b"bytes"}).kind == "wrong_type"
    assert err("paint", {"coords": [1, 2], "meta": {1: 2}}).kind == "wrong_type"
    huge = 10**400
    assert err("order", {"items": [], "ratio": huge}).kind == "wrong_type"
