"""Math expressions the user wrote, for the parameters that take one.

Asked "Calculate the area under the curve from x = -2 to x = 3 for the function y = x^3", the
embedded model under the calls-only grammar writes `"function": "y = x^3"`: the name the user
gave the function with it. Asked "Find the integral of the function f(x) = 3x^2 from 1 to 2",
it writes `"func": ","`; asked for "exp(-x^2)", `"sin(x)}"`.

`expression_values(calls, tools, query)`: where the user's text writes math expressions (a run
of numbers, one-letter variables, the functions `FUNCTIONS`, operators and parentheses that
holds a variable or such a function and an operator, a power or a number times a variable:
"3x^2 + 2x - 1", "exp(-x^2)", "sin(x)"; of one written "y = x^3" or "f(x) = 3x^2", the part
after its last "="; not a size, "16x16"), an open string argument whose parameter takes an
expression (its description or name says "function", "expression", "equation", "formula" or
"polynomial") takes the user's expression it names:

- a value that writes the user's expression after a name and "=" ("y = x^3") is the
  expression ("x^3");
- a value that holds nothing but the characters of an expression with others that are no
  letter, digit or operator ("sin(x)}"), or no letter or digit at all (","), is the first
  of the user's expressions, in the order written, that no other argument of the turn holds
  (an expression whose characters it holds first).

A value that writes none of these stays: the model's own rewriting ("3*x**2"), or a function
of another kind ("the function of ATP" writes no expression). A turn whose calls hold no
argument that takes an expression does not read the request. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import leaf_values
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["FUNCTIONS", "expression_values", "written_expressions"]

#: The functions an expression may call ("exp(-x^2)", "sin(x)").
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs")
_FUNCTION = "|".join(FUNCTIONS)
#: A token of an expression: a number, a function's name, a variable (one letter, not "a" or
#: "I", the words), an operator, a parenthesis.
_LETTER_VARIABLE = r"(?<![A-Za-z])(?![aAI](?![\w(^*]))[A-Za-z](?![A-Za-z])"
_TOKEN = rf"(?:\d+(?:\.\d+)?|(?:{_FUNCTION})(?=\()|{_LETTER_VARIABLE}|\*\*|[-+*/^=()])"
#: A run of tokens, spaces between them.
_RUN = re.compile(rf"{_TOKEN}(?:[ \t]*{_TOKEN})*")
_VARIABLE = re.compile(rf"{_LETTER_VARIABLE}|\b(?:{_FUNCTION})\(")
#: What makes a run an expression: an operator between terms, a power, a number times a
#: variable ("3x"), a function applied.
_OPERATION = re.compile(rf"[-+*/^]\s*[\w(]|\d[A-Za-z]|\b(?:{_FUNCTION})\(")
#: Sizes written with an "x" ("16x16", "24 x 36"), no products of a variable.
_SIZE = re.compile(r"\d+(?:\.\d+)?\s*[xX]\s*\d+(?:\.\d+)?")
#: How an expression starts: a number, a letter, a parenthesis, a sign before its term.
_OPENING = re.compile(r"[\w(]|-(?=[\w(])")
_PARAMETER = re.compile(r"\b(?:function|expression|equation|formula|polynomial)s?\b", re.I)
_NAME_AND_EQUALS = re.compile(r"^\s*[A-Za-z]\w*(?:\s*\([^()]*\))?\s*=\s*")
_KEPT = re.compile(r"[\w.]|\*\*|[-+*/^()]")


def written_expressions(text: str) -> list[str]:
    """The math expressions `text` writes, in order (see the module's docstring)."""
    found: list[str] = []
    for run in _RUN.finditer(text):
        expression = run.group().split("=")[-1].strip()
        expression = _balanced(expression)
        if _SIZE.fullmatch(expression) or not _OPENING.match(expression):
            continue  # "16x16", "24x36": sizes; "- b" of "a - b": no expression's start
        if _VARIABLE.search(expression) and _OPERATION.search(expression):
            found.append(expression)
    return found


def _balanced(expression: str) -> str:
    """`expression` without the parentheses it closes that it never opened, or opens and
    never closes, at its ends ("(x^2" of "(for x^2"; "sin(x))" of "... of sin(x))"); read
    once, however many there are."""
    opened, closed = expression.count("("), expression.count(")")
    start, end = 0, len(expression)
    while closed > opened and end > start and expression[end - 1] in ") ":
        closed -= expression[end - 1] == ")"
        end -= 1
    while opened > closed and start < end and expression[start] in "( ":
        opened -= expression[start] == "("
        start += 1
    return expression[start:end].strip()


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def expression_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each expression parameter's value that names the user's expression
    otherwise made that expression (see the module's docstring), and a note per value
    changed ("integrate.function: 'y = x^3' as 'x^3', the user's expression")."""
    taking = {
        (tool, str(name))
        for tool, properties in tool_schemas(tools).items()
        for name, spec in properties.items()
        if open_string(spec) and _PARAMETER.search(f"{name} {spec.get('description') or ''}")
    }
    if not taking or not any((c.name, n) in taking for c in calls for n in c.arguments):
        return list(calls), []  # no argument takes an expression: the request is not read
    expressions = {_squeezed(e): e for e in written_expressions(query)}
    if not expressions:
        return list(calls), []
    held = {
        _squeezed(value)
        for call in calls
        for value in leaf_values(call.arguments)
        if isinstance(value, str)
    }

    def reshape(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if not isinstance(value, str) or (call.name, name) not in taking:
            return None
        meant = _meant(value, expressions, held)
        if meant is None or meant == value:
            return None
        held.add(_squeezed(meant))
        return meant, f"{value!r} as {meant!r}, the user's expression"

    return reshaped_calls(calls, reshape)


def _meant(value: str, expressions: Mapping[str, str], held: set[str]) -> str | None:
    """The user's expression (`expressions`: each as written, by its characters without
    spaces, in order) `value` stands for, or None."""
    squeezed = _squeezed(value)
    if squeezed in expressions:
        return None  # the user's expression already
    named = _NAME_AND_EQUALS.sub("", value, count=1)
    if named != value and _squeezed(named) in expressions:
        return expressions[_squeezed(named)]  # "y = x^3": the expression after its name
    kept = "".join(_KEPT.findall(squeezed))
    if kept in expressions:
        return expressions[kept]  # "sin(x)}"
    if re.search(r"[^\W_]", value):
        return None  # words or numbers of the model's own
    return next((e for s, e in expressions.items() if s not in held), None)
