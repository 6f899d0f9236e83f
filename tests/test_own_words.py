"""A parameter that takes the user's own words, where the model copied a part of them
(`lamagent.gate.own_words`). The real engine is tested in test_own_words_gguf.py."""

from __future__ import annotations

from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.own_words import own_words
from lamagent.messages import ToolCall
from lamagent.tools import Tool

HANDOVER = "The question posed by the user that needs to be transferred to a human agent."


def _tool(name: str = "statement", description: str = HANDOVER, **extra: Any) -> Tool:
    return Tool.from_spec(
        {
            "name": "answer_question",
            "description": "Transfer the user to a human agent.",
            "parameters": {
                "type": "dict",
                "required": [name],
                "properties": {
                    name: {"type": "string", "description": description, **extra},
                    "urgency": {"type": "string", "description": "How urgent."},
                },
            },
        }
    )


def _owned(value: Any, query: str, tool: Tool | None = None) -> tuple[Any, list[str]]:
    tool = tool or _tool()
    name = next(iter(tool.parameters["properties"]))
    call = ToolCall(name="answer_question", arguments={name: value, "urgency": "low"})
    [out], notes = own_words([call], [tool], query)
    assert out.id == call.id and out.arguments["urgency"] == "low"
    return out.arguments[name], notes


COMPLAINT = "I have had submit a compaint and I like to check its status"


@pytest.mark.parametrize(
    ("value", "query", "owned"),
    [
        # a part of the one sentence: the sentence (BFCL live_simple_256, _249)
        ("submit", COMPLAINT, COMPLAINT),
        ("Hey bunny", "Hey bunny, How are you doing", "Hey bunny, How are you doing"),
        ("SUBMIT A COMPAINT", COMPLAINT, COMPLAINT),  # case aside
        # of two sentences, the one that holds it
        ("parcel", "Hi there. Where is my parcel? Thanks.", "Where is my parcel?"),
        # left alone: the sentence already, a part of two, of none, too short, inside a word
        (COMPLAINT, COMPLAINT, COMPLAINT),
        ("parcel", "My parcel is late. Where is my parcel?", "parcel"),
        ("refund please", COMPLAINT, "refund please"),
        ("a", COMPLAINT, "a"),
        ("omp", COMPLAINT, "omp"),
        ("", COMPLAINT, ""),
    ],
)
def test_a_part_of_the_users_sentence_becomes_it(value: str, query: str, owned: str) -> None:
    out, notes = _owned(value, query)
    assert out == owned
    assert len(notes) == (out != value)


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("statement", "The statement to log."),  # nothing of the user
        ("statement", "The message displayed to the user."),  # to the user, not theirs
        ("topic", "The user's topic of interest."),  # no message in the name
    ],
)
def test_only_a_parameter_of_the_users_own_message(name: str, description: str) -> None:
    assert _owned("submit", COMPLAINT, _tool(name, description))[0] == "submit"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("user_message", "The user's message to the bunny."),
        ("query", "A message made by the user."),
        ("input_text", "Text provided by the user."),
    ],
)
def test_the_ways_a_description_says_the_words_are_the_users(name: str, description: str) -> None:
    assert _owned("submit", COMPLAINT, _tool(name, description))[0] == COMPLAINT


def test_an_enum_is_the_grammars() -> None:
    tool = _tool(enum=["submit", "cancel"])
    assert _owned("submit", COMPLAINT, tool)[0] == "submit"


@pytest.mark.parametrize("shapes", [True, False])
def test_the_turn_holds_the_users_sentence_with_example_shapes(shapes: bool) -> None:
    draft = [ToolCall(name="answer_question", arguments={"statement": "submit", "urgency": "low"})]
    backend = ScriptedBackend.calls([draft], supports_constraint=True)
    model_turn = one_turn(backend, COMPLAINT, [_tool()], example_shapes=shapes)
    assert model_turn.turn.calls[0].arguments["statement"] == (COMPLAINT if shapes else "submit")
