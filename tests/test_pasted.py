"""A text the user pasted after a colon, for the parameter that takes a text
(`lamagent.gate.pasted`). The real engine is tested in test_pasted_gguf.py."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import one_turn

from lamagent.backends.scripted import ScriptedBackend
from lamagent.gate.pasted import pasted_block, pasted_values, takes_text
from lamagent.messages import ToolCall
from lamagent.tools import Tool

# BFCL live_simple_33 (its line breaks escaped, as the dataset writes them)
ANSWER_33 = (
    "Sure, here is the answer to the question:\\n\\n**Logistic regression is not present in "
    "the text, therefore I cannot answer this question.**"
)
TEXT_33 = "Logistic regression is not present in the text, therefore I cannot answer this question."


@pytest.mark.parametrize(
    ("query", "block"),
    [
        (ANSWER_33, TEXT_33),
        # real line breaks, quotes, the last colon's block
        ('Review this:\n\n"Great food, slow service."', "Great food, slow service."),
        ("Notes: see below.\nTranslate to French:\n  Hello my old friend", "Hello my old friend"),
        ("Check:\r\n`rm -rf build dist`", "rm -rf build dist"),
        ("Context:\nold text here.\nTranslate to French:\nHello my friend", "Hello my friend"),
        ('Review:\n"**Great food, slow service.**"', "Great food, slow service."),
        ("Read:\\nLine one.\\nLine two here.", "Line one.\nLine two here."),
        ("Memory:\\nA lot of it.\\n\\nBase instructions.\\nWhat is it?", None),
        ("Read this:\nLine one of it.\nLine two of it.", "Line one of it.\nLine two of it."),
        # none: words on the colon's line, too short, paragraphs after it, no colon
        ("Summarize this: it is short and sweet", None),
        ("Answer:\nyes", None),
        ("Memory:\nA lot of text here.\n\nBase instructions finished.\nWhat is it?", None),
        ("Here is the answer\nLogistic regression is absent.", None),
    ],
)
def test_the_block_the_request_ends_with(query: str, block: str | None) -> None:
    assert pasted_block(query) == block


@pytest.mark.parametrize(
    ("name", "spec", "takes"),
    [
        ("answer", {"type": "string", "description": "The response provided by the LLM."}, True),
        ("review_text", {"type": "string"}, True),
        (
            "input",
            {"type": "string", "description": "The input string to be parsed in plain text."},
            True,
        ),
        # not a text: the name and description say nothing of one, an enum, not a string
        ("date", {"type": "string", "description": "A string of the date."}, False),
        ("content", {"type": "string", "enum": ["short", "long"]}, False),
        ("body", {"type": "object"}, False),
    ],
)
def test_a_parameter_that_takes_a_text(name: str, spec: dict[str, Any], takes: bool) -> None:
    assert takes_text(name, spec) is takes


def _tool(*texts: str) -> Tool:
    properties: dict[str, Any] = {n: {"type": "string", "description": "Plain."} for n in texts}
    properties["language"] = {"type": "string", "description": "The language."}
    return Tool("t", "", {"type": "object", "properties": properties, "required": list(texts)})


def _pasted(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    call = ToolCall(name="t", arguments=draft)
    [out], notes = pasted_values([call], [tool], query)
    assert out.id == call.id
    return out.arguments, notes


@pytest.mark.parametrize(
    "value",
    [
        "no answer",  # live_simple_33, _37: a text of its own
        TEXT_33 + " However, I can answer this question based on the provided answer.",  # _35
        "Logistic regression",  # a part of it
    ],
)
def test_the_text_takes_the_block(value: str) -> None:
    arguments, notes = _pasted(_tool("answer"), ANSWER_33, answer=value, language="en")
    assert arguments == {"answer": TEXT_33, "language": "en"}
    assert notes == [f"t.answer: {value!r} as the text pasted after the colon"]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        (_tool("answer"), ANSWER_33, {"answer": TEXT_33}),  # the block already
        (_tool("answer"), "What is logistic regression?", {"answer": "no answer"}),  # no block
        (_tool("summary"), ANSWER_33, {"summary": "x"}),  # no parameter takes a text
        (_tool("text", "content"), ANSWER_33, {"text": "x"}),  # two that take a text
        (_tool("answer"), ANSWER_33, {"answer": 3}),  # no string
    ],
)
def test_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _pasted(tool, query, **draft) == (draft, [])


def test_a_turn_takes_the_pasted_text() -> None:
    draft = '[{"name": "t", "arguments": {"answer": "no answer", "language": "en"}}]'
    backend = ScriptedBackend([draft, draft], supports_constraint=True)
    turn = one_turn(backend, ANSWER_33, [_tool("answer")], example_shapes=True)
    assert turn.turn.calls[0].arguments == {"answer": TEXT_33, "language": "en"}
    plain = one_turn(backend, ANSWER_33, [_tool("answer")], example_shapes=False)
    assert plain.turn.calls[0].arguments["answer"] == "no answer"


def test_a_call_of_many_parameters_takes_little_time() -> None:
    properties: dict[str, Any] = {f"p{i}": {"type": "string"} for i in range(3000)}
    properties["answer"] = {"type": "string"}
    tool = Tool("t", "", {"type": "object", "properties": properties})
    call = ToolCall(name="t", arguments={**{f"p{i}": "x" for i in range(3000)}, "answer": "no"})
    started = time.perf_counter()
    [out], _ = pasted_values([call], [tool], ANSWER_33)
    assert time.perf_counter() - started < 5
    assert out.arguments["answer"] == TEXT_33
