"""A percentage the user wrote, in the form the parameter takes (`example_shapes`).

`percent_fractions` on BFCL's own parameter descriptions, then the turn source and the loop
with the scripted backend. The real engine is tested in test_percentages_gguf.py.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from turn_helpers import one_turn

from lamagent import Agent
from lamagent.backends.scripted import ScriptedBackend
from lamagent.backends.scripted_chat import ScriptedChatBackend
from lamagent.gate.percentages import percent_fractions
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.turns import TurnRequest, turn_source


def _tool(description: str, kind: str = "float") -> Tool:
    return Tool.from_spec(
        {
            "name": "invest",
            "description": "Grow an investment.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "rate": {"type": kind, "description": description},
                    "years": {"type": "integer", "description": "How long."},
                },
                "required": ["rate", "years"],
            },
        }
    )


def _rate(text: str, rate: Any, description: str = "The annual interest rate.", **kw: Any) -> Any:
    call = ToolCall(name="invest", arguments={"rate": rate, "years": 2})
    calls, notes = percent_fractions([call], text, [_tool(description, **kw)])
    assert bool(notes) == (calls[0].arguments["rate"] != rate)
    return calls[0].arguments["rate"]


RATE_3 = "Invest $1000 at an annual interest rate of 3% for 2 years."


@pytest.mark.parametrize(
    ("description", "rate"),
    [
        # BFCL's descriptions: a fraction said, shown, or not said at all (the common case)
        ("The annual interest rate.", 0.03),
        ("The annual interest rate. Enter as a decimal. E.g, 5% is 0.05", 0.03),
        ("The expected annual return on investment as a decimal. E.g. 5% = 0.05", 0.03),
        ("El porcentaje de enganche. Ejemplo: 0.1 para un enganche del 10%.", 0.03),
        ("The level of confidence. Default is 0.9.", 0.03),
        # a percentage said: the value stays as written
        ("The interest rate for a year as a percentage.", 3),
        ("Interest rate in percentage.", 3),
        ("La tasa de interés mínima anual fija en porcentaje. Por ejemplo, 9.60%.", 3),
        ("A decimal value representing the score as a percentage, from 0.0 to 100.0", 3),
    ],
)
def test_a_percentage_takes_the_form_the_description_gives(description: str, rate: Any) -> None:
    assert _rate(RATE_3, 3, description) == rate


@pytest.mark.parametrize(
    ("text", "written", "rate"),
    [
        ("at 2.5% a year for 2 years", 2.5, 0.025),
        ("al 2,5 % anual durante 2 años", 2.5, 0.025),
        ("a return of 7 percent over 2 years", 7, 0.07),
        ("a return of 7.0% over 2 years", 7.0, 0.07),
        # the model wrote the fraction already, or a value that is no percentage of the text
        (RATE_3, 0.03, 0.03),
        (RATE_3, 1000, 1000),
        # the number is written without the sign too: it may be the other value
        ("5% for 5 years", 5, 5),
        # 0% is 0 either way
        ("at 0% for 2 years", 0, 0),
    ],
)
def test_which_values_are_percentages(text: str, written: Any, rate: Any) -> None:
    assert _rate(text, written) == rate


PERCENTAGE = "The interest rate for a year as a percentage."


@pytest.mark.parametrize(
    ("text", "written", "rate"),
    [
        # BFCL simple_python_136: the model wrote the fraction of "5%"; the "5 years" does
        # not make 0.05 anyone's
        (
            "Find the compound interest for an investment of $10000 with an annual interest "
            "rate of 5% compounded monthly for 5 years.",
            0.05,
            5.0,
        ),
        ("at 2.5% a year for 2 years", 0.025, 2.5),
        # the percentage as written, or a fraction the user wrote, or no percentage's
        (RATE_3, 3, 3),
        ("at 3% (0.03 a year) for 2 years", 0.03, 0.03),
        (RATE_3, 0.5, 0.5),
    ],
)
def test_a_fraction_where_the_parameter_takes_the_percentage(
    text: str, written: Any, rate: Any
) -> None:
    assert _rate(text, written, PERCENTAGE) == rate
    assert type(_rate(text, written, PERCENTAGE)) is type(rate)


def test_a_fraction_stays_where_the_description_says_no_percentage() -> None:
    assert _rate(RATE_3, 0.03, "The annual interest rate.") == 0.03
    assert _rate(RATE_3, 0.03, "Rate in percent, e.g. 0.05 for 5%.") == 0.03


def test_the_note_says_the_percentage_the_user_wrote() -> None:
    calls = [ToolCall(name="invest", arguments={"rate": 0.03, "years": 2})]
    out, notes = percent_fractions(calls, RATE_3, [_tool(PERCENTAGE)])
    assert out[0].arguments == {"rate": 3.0, "years": 2}
    assert notes == ["invest.rate: 0.03 as 3.0, the percentage the user wrote"]


def test_a_number_beyond_a_float_is_left_as_written() -> None:
    huge = "9" * 400
    assert _rate(f"at {huge}% for 2 years", int(huge)) == int(huge)


def test_integer_and_string_parameters_are_left_alone() -> None:
    assert _rate(RATE_3, 3, kind="integer") == 3
    assert _rate(RATE_3, "3", kind="string") == "3"


def test_a_note_per_value_changed() -> None:
    calls = [ToolCall(name="invest", arguments={"rate": 3, "years": 2})]
    out, notes = percent_fractions(calls, RATE_3, [_tool("The rate.")])
    assert out[0].arguments == {"rate": 0.03, "years": 2} and out[0].id == calls[0].id
    assert notes == ["invest.rate: 3% as 0.03"]


# -- the turn source and the loop ------------------------------------------------------------


def _draft(rate: Any) -> list[ToolCall]:
    return [ToolCall(name="invest", arguments={"rate": rate, "years": 2})]


@pytest.mark.parametrize(("shapes", "rate"), [(True, 0.03), (False, 3)])
def test_the_turn_takes_the_fraction_with_example_shapes(shapes: bool, rate: Any) -> None:
    backend = ScriptedBackend.calls([_draft(3)], supports_constraint=True)
    model_turn = one_turn(backend, RATE_3, [_tool("The rate.")], example_shapes=shapes)
    assert model_turn.turn.calls[0].arguments["rate"] == rate
    assert model_turn.reshaped == (("invest.rate: 3% as 0.03",) if shapes else ())


def test_listed_percentages_each_take_the_fraction() -> None:
    text = "Invest at 3%, 4% and 5% for 2 years."
    backend = ScriptedBackend.calls([_draft(3)], supports_constraint=True)
    model_turn = one_turn(
        backend, text, [_tool("The rate.")], example_shapes=True, listed_items=True
    )
    assert [c.arguments["rate"] for c in model_turn.turn.calls] == [0.03, 0.04, 0.05]


def test_a_chat_backend_turn_takes_it_too() -> None:
    request = TurnRequest(
        messages=[Message.user(RATE_3)],
        tools=[_tool("The rate.")],
        params=GenerationParams(example_shapes=True),
    )
    backend = ScriptedChatBackend([_draft(3)])
    model_turn = anyio.run(lambda: turn_source(backend).next_turn(request))
    assert model_turn.turn.calls[0].arguments["rate"] == 0.03


def test_the_tool_gets_the_fraction_and_the_step_records_it() -> None:
    seen: list[float] = []

    def invest(rate: float, years: int) -> str:
        """Grow an investment.

        Args:
            rate: The annual interest rate.
            years: How long.
        """
        seen.append(rate)
        return "ok"

    backend = ScriptedBackend.calls([_draft(3), "Done."], supports_constraint=True)
    agent = Agent(backend, tools=[invest], constrained=True, example_shapes=True)
    result = agent.run(RATE_3)
    assert seen == [0.03]
    first, last = result.trajectory.steps[0], result.trajectory.steps[-1]
    assert first.reshaped == ["invest.rate: 3% as 0.03"]
    assert '"rate": 3' in first.raw_output  # what the model wrote is kept
    assert last.reshaped is None
