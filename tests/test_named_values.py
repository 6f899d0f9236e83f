"""A value the user wrote right after naming its parameter (`lamagent.gate.named_values`).
The drafts are the embedded model's on BFCL cases (named), and made-up ones."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.named_values import invented_values, named_values
from lamagent.messages import ToolCall
from lamagent.tools import Tool


def _tool(**parameters: dict[str, Any]) -> Tool:
    properties = {n: {"type": "string", **spec} for n, spec in parameters.items()}
    return Tool("t", "", {"type": "object", "properties": properties, "required": []})


TODO = _tool(content={"description": "The content of the task."})


def _named(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = named_values([ToolCall(name="t", arguments=draft)], [tool], query)
    return calls[0].arguments, notes


def _invented(tool: Tool, query: str, **draft: Any) -> tuple[dict[str, Any], list[str]]:
    calls, notes = invented_values([ToolCall(name="t", arguments=draft)], [tool], query)
    return calls[0].arguments, notes


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # BFCL live_simple_57-26-1, _63-29-3: the model left off the value's first words
            TODO,
            "add todo with content go to sleep at 9 pm",
            {"content": "sleep at 9 pm"},
            {"content": "go to sleep at 9 pm"},
        ),
        (  # BFCL live_simple_80-41-0: quoted after "should be", whatever the model wrote
            _tool(Title={}, Content={}),
            "I need to add a news item about the latest advancements in AI. The title should "
            "be 'Breakthrough in Artificial Intelligence', and the content must cover AI.",
            {"Title": "AI Breakthrough Latest Developments", "Content": "AI"},
            {"Title": "Breakthrough in Artificial Intelligence", "Content": "AI"},
        ),
        (  # BFCL live_simple_83-44-0: "titled" names the title
            _tool(Title={}),
            "I want to publish a news article titled 'Julian is Testing' with 'a detailed "
            "analysis' as content.",
            {"Title": "Productivity and Sleep Patterns"},
            {"Title": "Julian is Testing"},
        ),
        (  # made up: two words of the name, a link, double quotes, camelCase parameter
            _tool(fileName={}),
            'Save it with the file name set to "q3 report.pdf" please.',
            {"fileName": "report.pdf"},
            {"fileName": "q3 report.pdf"},
        ),
        (  # made up: a colon, and a command ending with a quoted part the model copied alone
            _tool(command={}),
            "Run this command: grep -rn 'TODO' src",
            {"command": "rn 'TODO' src"},
            {"command": "grep -rn 'TODO' src"},
        ),
        (  # bfcl-eval live_multiple_69-30-0: the model gave the host the span the user
            # quoted for the password
            _tool(nickname={}, host={}, password={}),
            "Configure a new PostgreSQL server with the nickname 'PrimaryDB', host "
            "'db.example.com', and a password '1234567890'.",
            {"nickname": "PrimaryDB", "host": "1234567890", "password": "1234567890"},
            {"nickname": "PrimaryDB", "host": "db.example.com", "password": "1234567890"},
        ),
    ],
)
def test_the_named_value(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _named(tool, query, **draft)
    assert arguments == meant
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)


@pytest.mark.parametrize(
    ("tool", "query", "draft", "meant"),
    [
        (  # BFCL simple_python_182: the model left the value empty
            _tool(case_number={}),
            "Retrieve all the lawsuit details for case number XYZ123.",
            {"case_number": ""},
            {"case_number": "XYZ123"},
        ),
        (  # bfcl-eval live_multiple_207-91-1: brackets, the user's closing one not taken
            _tool(employee_id={}),
            "What is the tech stack that employee (id Adriel) was working on",
            {"employee_id": ");  "},
            {"employee_id": "Adriel"},
        ),
        (  # bfcl-eval live_multiple_365-134-10: up to the sentence's end
            _tool(directed_by={}, cast={}),
            "Find me a Comedy-drama movie that stars Josh Barclay Caras and is directed by "
            "Gene Stupnitsky?",
            {"directed_by": "dontcare", "cast": "Josh Barclay Caras"},
            {"directed_by": "Gene Stupnitsky", "cast": "Josh Barclay Caras"},
        ),
        (  # bfcl-eval live_multiple_258-122-0: the description's example is no user's word
            _tool(version={"description": "The version, such as '1.0.0'."}),
            "see details for the 'Orion' version 2.1.3.",
            {"version": "1.0.0.0"},
            {"version": "2.1.3"},
        ),
        (  # made up: a value written inside the user's words ("Orion") is no word of theirs
            _tool(version={}),
            "see details for the 'Orion' version 2.1.3.",
            {"version": "ion"},
            {"version": "2.1.3"},
        ),
        (  # made up: up to the first function word, and to a comma
            _tool(director={}, order_id={}),
            "movies by director Herbert Ross and featuring James Shapkoff; order id A-77, today",
            {"director": "Spielberg", "order_id": "#0000"},
            {"director": "Herbert Ross", "order_id": "A-77"},
        ),
    ],
)
def test_the_named_value_for_one_the_model_invented(
    tool: Tool, query: str, draft: dict[str, Any], meant: dict[str, Any]
) -> None:
    arguments, notes = _invented(tool, query, **draft)
    assert arguments == meant
    assert len(notes) == sum(draft[k] != meant[k] for k in draft)
    assert _named(tool, query, **draft) == (draft, [])  # the model's end of it: none


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        # the model's value holds the user's words: its own form of them
        (
            _tool(location={}),
            "a guitar shop with location Nashville please",
            {"location": "Nashville, TN"},
        ),
        (_tool(date={}), "for the date of April 25th 2023, please", {"date": "2023-04-25"}),
        # what follows the name starts with a function word, or is the parameter's own word
        (_tool(view={}), "the view for 3 days starting from May 12", {"view": "week"}),
        (
            _tool(decay={"description": "The decay factor."}),
            "and a decay factor of 0.5?",
            {"decay": "half"},
        ),
        # "Data" is no `database` when the value replaces an invented one
        (_tool(database={}), "add a Rich Data Services server", {"database": "123.45.6.1"}),
        # more words than a value's start, or marks only
        (_tool(title={}), "a book with title Night Circus Mystery Novel Saga", {"title": "x"}),
        (_tool(league={}), "What is the ranking in the league?", {"league": "Ligue 1"}),
        # cut inside brackets
        (_tool(pivot={}), "rotate around the pivot point (12, 17) by 30", {"pivot": "]["}),
        # bfcl-eval multiple_46: "asc" holds no word of "ascending", and what follows the
        # name is a list in brackets (another argument's value)
        (
            _tool(order={"description": "'asc' for ascending order, or 'desc'."}),
            "Sort this list of names in ascending order: ['Sam', 'Alice', 'Jack']",
            {"order": "asc"},
        ),
        (_tool(filters={}), "Apply the filters {year, 2020} now", {"filters": "x"}),
        # bfcl-eval irrelevance_101: "to" starts an infinitive, no value
        (_tool(month={}), "What is the best month to visit Hawaii?", {"month": "January"}),
        # quoted: the value whole is `named_values`'s
        (_tool(title={}), "a book with title 'Night Circus'", {"title": "x"}),
        # BFCL simple_python_15: a value the user wrote as it is, no word of it two letters
        (_tool(function={}), "for the function y = x^3 using simpson", {"function": "x^3"}),
        # in another notation: its letters and digits in a row of the user's (BFCL
        # simple_python_15's answer "x**3", parallel_multiple_4's "x**2")
        (_tool(function={}), "for the function y = x^3 using simpson", {"function": "x**3"}),
        (_tool(function={}), "the function f(x) = x^2 from 1 to 5", {"function": "x**2"}),
        # one character the user wrote as a word
        (_tool(version={}), "Use version 5 Beta please", {"version": "5"}),
    ],
)
def test_an_invented_value_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _invented(tool, query, **draft) == (draft, [])


def test_a_parameter_the_calls_give_different_values_is_left_alone() -> None:
    # bfcl-eval parallel_multiple_112: two artworks, one of them "named"
    tool = _tool(artwork_name={})
    query = (
        "find the price of the artwork named 'Starry Night', and then of another artwork "
        "called 'The Scream'"
    )
    calls = [
        ToolCall(name="t", arguments={"artwork_name": "Starry Night"}),
        ToolCall(name="t", arguments={"artwork_name": "Scream"}),
    ]
    assert named_values(calls, [tool], query) == (calls, [])


def test_the_note_says_what_changed() -> None:
    _, notes = _named(TODO, "add todo with content go to sleep at 9 pm", content="sleep at 9 pm")
    assert notes == ["t.content: 'sleep at 9 pm' as 'go to sleep at 9 pm', named"]


@pytest.mark.parametrize(
    ("tool", "query", "draft"),
    [
        # BFCL simple_python_268: the model wrote the value whole, the sentence goes on
        (
            _tool(material={}),
            "Find me the sculptures of Michelangelo with material Marble in Rome, Italy.",
            {"material": "Marble"},
        ),
        # BFCL simple_python_243: an article is no part of the value
        (_tool(discovery={}), "Who discovered the neutron?", {"discovery": "neutron"}),
        # BFCL parallel_2: a list, not one value
        (
            _tool(resistivity={}),
            "a wire of 5m with resistivity of copper and aluminum",
            {"resistivity": "aluminum"},
        ),
        # BFCL simple_python_108: the value is a span the user quoted, whole
        (
            _tool(target={}),
            "with a target variable 'Purchase_Amount'. Also apply standardization.",
            {"target": "Purchase_Amount"},
        ),
        # a span quoted for another parameter, but quoted twice: whose is it?
        (
            _tool(host={}, password={}),
            "host 'db.example.com', password 'pw1', and again 'pw1'",
            {"host": "pw1", "password": "pw1"},
        ),
        # BFCL parallel_99: more words left off than a value's start
        (
            _tool(substance={}),
            "The substance I am using for this experiment is water.",
            {"substance": "water"},
        ),
        # bfcl-eval simple_java_61: the words left off are the parameter's ("decay factor")
        (
            _tool(decay={"description": "The decay factor, must be between 0 and 1."}),
            "an offset of '2d', and a decay factor of 0.5?",
            {"decay": "0.5"},
        ),
        # the word before the name names another parameter: the value is that one's
        (
            _tool(name={}, restaurant={}),
            "Book a table at the restaurant named 'Nobu' for John",
            {"name": "John", "restaurant": "Nobu"},
        ),
        # the name written before two values: which one?
        (TODO, "content 'milk' first, then content 'eggs'", {"content": "bread"}),
        # the name written after the value
        (TODO, "add 'buy milk' as content", {"content": "milk"}),
        # an enum or a pattern keeps the grammar's values
        (_tool(mode={"enum": ["a", "b"]}), "set the mode to 'c'", {"mode": "a"}),
        (_tool(code={"pattern": "^[A-Z]+$"}), "the code 'xyz'", {"code": "ABC"}),
        # an identifier's word between the name and the value labels it (BFCL
        # live_multiple_115, _247, _253)
        (
            _tool(vulnerability={}),
            "the vulnerability ID ef903ac-893-f00?",
            {"vulnerability": "ef903ac-893-f00"},
        ),
        (_tool(project={}), "the project with id SUPERFANCY", {"project": "SUPERFANCY"}),
        (_tool(version={}), "the badge of bandana, version number 5", {"version": "5"}),
        # a name too short to find, and a value that is no string
        (_tool(id={}), "the id 'A12'", {"id": "B"}),
        (_tool(count={"type": "integer"}), "count '12'", {"count": 3}),
    ],
)
def test_left_alone(tool: Tool, query: str, draft: dict[str, Any]) -> None:
    assert _named(tool, query, **draft) == (draft, [])
