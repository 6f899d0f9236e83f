"""Math expressions the user wrote, for the parameters that take one
(`lamagent.gate.expressions`). The drafts are the embedded model's on BFCL cases (named), and
made-up ones."""

from __future__ import annotations

import time
from typing import Any

import pytest
from turn_helpers import bfcl_tool, call

from lamagent.gate.expressions import expression_values, written_expressions


@pytest.mark.parametrize(
    ("text", "expressions"),
    [
        ("the function y = x^3 using simpson method.", ["x^3"]),
        ("Find the integral of the function f(x) = 3x^2 from 1 to 2.", ["3x^2"]),
        ("Calculate the derivative of the function 3x^2 + 2x - 1.", ["3x^2 + 2x - 1"]),
        (
            "Perform Gaussian integral of the function exp(-x^2) from -2 to 2. Also the "
            "definite integral from 0 to 3.1416 of sin(x).",
            ["exp(-x^2)", "sin(x)"],
        ),
        ("the polynomial function '3x^3 - 2x^2 + 5x - 7' and then", ["3x^3 - 2x^2 + 5x - 7"]),
        ("the area of (x^2 + 1) from 0 to 1", ["(x^2 + 1)"]),
        ("the area of x^2 + 1) and more", ["x^2 + 1"]),  # a parenthesis it never opened
        # no variable, sizes, a bound, the article "a"
        ("from x = -2 to x = 3, 5 + 3 apples", []),
        ("a 16x16 painting on a 24 x 36 canvas", []),
        ("the difference a - b", []),
        ("What is the function of ATP synthase in mitochondria?", []),
    ],
)
def test_written_expressions(text: str, expressions: list[str]) -> None:
    assert written_expressions(text) == expressions


@pytest.mark.parametrize(
    "text",
    ["(" * 80_000 + "x^2", "x^2" + ")" * 80_000, "x+" * 50_000 + "1", "a x b y " * 30_000],
    ids=["opened", "closed", "operators", "letters"],
)
def test_a_long_hostile_text_is_read_in_bounded_time(text: str) -> None:
    # the parentheses an expression never closes are read once, not once per parenthesis
    started = time.perf_counter()
    written_expressions(text)
    assert time.perf_counter() - started < 1.0


def _function_tool(name: str, parameter: str, description: str) -> Any:
    return bfcl_tool(
        name,
        "A calculus helper.",
        **{
            parameter: {"type": "string", "description": description},
            "a": {"type": "integer", "description": "The lower bound."},
        },
    )


INTEGRAL = _function_tool("calculate_integral", "func", "The function to be integrated.")


@pytest.mark.parametrize(
    ("query", "value", "meant"),
    [
        (  # BFCL simple_python_15: the name the user gave the function with it
            "Calculate the area under the curve from x = -2 to x = 3 for the function y = x^3.",
            "y = x^3",
            "x^3",
        ),
        ("... for the function f(x)=x^2. And find the derivative at x=3.", "f(x)=x^2", "x^2"),
        # BFCL multiple_33: no letter or digit at all
        ("Find the integral of the function f(x) = 3x^2 from 1 to 2.", ",", "3x^2"),
        # bfcl-eval parallel_multiple_19: the expression with a character that is none of it
        ("Also calculate the definite integral from 0 to 3.1416 of sin(x).", "sin(x)}", "sin(x)"),
    ],
)
def test_the_users_expression(query: str, value: str, meant: str) -> None:
    calls, notes = expression_values([call(INTEGRAL.name, func=value, a=1)], [INTEGRAL], query)
    assert calls[0].arguments == {"func": meant, "a": 1}
    assert notes == [f"calculate_integral.func: {value!r} as {meant!r}, the user's expression"]


def test_an_empty_value_takes_the_first_expression_no_argument_holds() -> None:
    query = (
        "Integrate 3x^2 - 2x + 1 between 1 and 2, then differentiate 2x^3 - 3x^2 + 4x - 5 at x = 2."
    )
    derivative = _function_tool("calculate_derivative", "func", "The function to be derived.")
    drafted = [
        call(INTEGRAL.name, func="3x^2 - 2x + 1", a=1),
        call(derivative.name, func=", ", a=2),
    ]
    calls, _ = expression_values(drafted, [INTEGRAL, derivative], query)
    assert [c.arguments["func"] for c in calls] == ["3x^2 - 2x + 1", "2x^3 - 3x^2 + 4x - 5"]


@pytest.mark.parametrize(
    ("query", "value"),
    [
        # the model's own rewriting, the user's expression as it is
        ("the function 3x^2 + 2x - 1", "3*x**2 + 2*x - 1"),
        ("the function 3x^2 + 2x - 1", "3x^2 + 2x - 1"),
        # a text that writes no expression
        ("What is the function of ATP synthase?", ","),
    ],
)
def test_left_alone(query: str, value: str) -> None:
    drafted = [call(INTEGRAL.name, func=value, a=1)]
    assert expression_values(drafted, [INTEGRAL], query) == (drafted, [])


def test_a_parameter_that_takes_no_expression_is_left_alone() -> None:
    tool = bfcl_tool(
        "paint",
        "Paint a picture.",
        style={"type": "string", "description": "The style to paint in."},
    )
    drafted = [call(tool.name, style="y = x^3")]
    assert expression_values(drafted, [tool], "paint y = x^3 for me") == (drafted, [])
