"""A value the user wrote right before its parameter's name, where the model wrote the slot
(`lamagent.gate.named_before`). The real engine is tested in test_named_before_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.named_before import named_before
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(name: str, required: list[str], **props: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "t",
            "description": "A tool.",
            "parameters": {"type": "dict", "required": required, "properties": props},
        }
    )


_STRING = {"type": "string", "description": "."}


def _before(name: str, value: str, query: str, *, required: bool = True) -> Any:
    tool = _tool("t", [name] if required else [], **{name: _STRING})
    call = ToolCall(name="t", arguments={name: value})
    [out], notes = named_before([call], [tool], query)
    assert out.id == call.id
    assert (out.arguments[name] == value) == (not notes)
    return out.arguments[name]


@pytest.mark.parametrize(
    ("name", "value", "query", "found"),
    [
        # BFCL multiple_119, simple_python_194, _165, _294, multiple_10
        ("table", "user_table", "Find records in the user table where age > 25.", "user"),
        ("slope_type", "slope_type_1", "Plants for a hill slope against erosion?", "hill"),
        ("crime_type", "theft_crime_type_2020", "Cases from 2020 about theft crimes", "theft"),
        ("key", "key", "A major chord progression in C key with four chords.", "C"),
        ("table", "{table}", "Delete columns on the personal_data table.", "personal_data"),
        # a name: the capitalised words before it
        ("county", "county", "Property records in the Santa Clara county, please", "Santa Clara"),
    ],
)
def test_the_value_before_the_name(name: str, value: str, query: str, found: str) -> None:
    assert _before(name, value, query) == found


@pytest.mark.parametrize(
    ("name", "value", "query"),
    [
        ("table", "users", "Find records in the user table."),  # not a placeholder
        ("table", "table", "Find records in the table."),  # a function word before
        ("table", "table", "Merge the 2 table files."),  # a number
        ("table", "table", "Join the user table and the order table."),  # two values
        ("table", "table", "Find records in the user, table."),  # a mark between
        ("slope_type", "slope_type", "Plants for a type slope."),  # a word of its own name
        ("type", "type", "Get the ENFJ personality type."),  # only a word that says "a kind"
        ("table", "table", "Find the records in it."),  # the name is not written
    ],
)
def test_left_alone(name: str, value: str, query: str) -> None:
    assert _before(name, value, query) == value


def test_an_optional_placeholder_is_the_placeholder_rules() -> None:
    assert _before("table", "user_table", "Find it in the user table.", required=False) == (
        "user_table"
    )


def test_a_word_that_only_begins_like_the_name_is_another_word() -> None:
    assert _before("key", "key", "Type on the old keyboard.") == "key"


@pytest.mark.parametrize(
    ("description", "query", "found"),
    [
        # BFCL simple_python_227: a name of generic words only is read by the word its
        # description writes before it
        ("The personality type.", "Get me traits for ENFJ personality type.", "ENFJ"),
        ("The personality type.", "Traits of the INTP personality", "INTP"),
        # only the word right before the name's: "Myers" before "Briggs" is none
        (
            "The personality type in the Myers Briggs system.",
            "ENFJ personality type in Myers Briggs",
            "ENFJ",
        ),
        # nothing before the name in the description, or a function word, or a generic word
        ("Type of it.", "Get me traits for ENFJ personality type.", "array"),
        ("The type.", "Get me traits for ENFJ personality type.", "array"),
        ("A data type.", "Get me traits for ENFJ personality type.", "array"),
        ("A data type.", "Use the numeric data type.", "array"),
        ("The type.", "Show Ann the type.", "array"),
    ],
)
def test_a_generic_name_is_read_by_its_descriptions_word(
    description: str, query: str, found: str
) -> None:
    tool = _tool("t", ["type"], type={"type": "string", "description": description})
    [out], _ = named_before([ToolCall(name="t", arguments={"type": "array"})], [tool], query)
    assert out.arguments["type"] == found
