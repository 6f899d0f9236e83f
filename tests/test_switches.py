"""The switches the user named, on or off (`lamagent.gate.switches`). The mentions rule that
asks for a switch named on is tested in test_mentioned_arguments.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.switches import negated_switches, said_switches
from lamagent.messages import ToolCall
from lamagent.tools import Tool

COURT = Tool.from_spec(  # BFCL simple_python_169
    {
        "name": "court_case.search",
        "description": "Retrieves details about a court case using its docket number.",
        "parameters": {
            "type": "dict",
            "required": ["docket_number"],
            "properties": {
                "docket_number": {"type": "string", "description": "The docket number."},
                "full_text": {
                    "type": "boolean",
                    "description": "Option to return the full text of the case ruling.",
                    "default": False,
                },
                "with_verdict": {"type": "boolean", "description": "Include the verdict."},
            },
        },
    }
)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("Docket 123456 in Texas. Don't return full text", {"full_text": False}),
        (
            "Docket 123456, the full text please, without the verdict",
            {"full_text": True, "with_verdict": False},
        ),
        # the first of two words names it; the second alone does not
        ("Docket 123456, full please", {"full_text": True}),
        ("Docket 123456, the text of it", {}),
    ],
)
def test_said_switches(query: str, said: dict[str, bool]) -> None:
    assert said_switches(COURT, query) == said


def _call(**arguments: Any) -> ToolCall:
    return ToolCall(name="court_case.search", arguments={"docket_number": "123456", **arguments})


def test_a_switch_named_off_is_written_false() -> None:
    calls = [_call(full_text=True, with_verdict=True)]
    out, notes = negated_switches(calls, [COURT], "Docket 123456. Don't return full text")
    assert out[0].arguments == {"docket_number": "123456", "full_text": False, "with_verdict": True}
    assert notes == ["court_case.search.full_text: true as false, the switch the user named off"]
    assert out[0].id == calls[0].id


@pytest.mark.parametrize(
    ("arguments", "query"),
    [
        # named on, or not named: the model's
        ({"full_text": True}, "Docket 123456 with the full text"),
        ({"full_text": True}, "Docket 123456"),
        # already false
        ({"full_text": False}, "Docket 123456. Don't return full text"),
    ],
)
def test_left_alone(arguments: dict[str, Any], query: str) -> None:
    calls = [_call(**arguments)]
    assert negated_switches(calls, [COURT], query) == (calls, [])


def test_the_tools_own_word_names_no_switch_by_itself() -> None:
    # BFCL live_simple_103-61-1: "how much tax I need to pay" is no `tax_exempt`
    tax = Tool.from_spec(
        {
            "name": "calculate_tax",
            "description": "Calculates the sales tax for a purchase.",
            "parameters": {
                "type": "dict",
                "required": [],
                "properties": {"tax_exempt": {"type": "boolean", "description": "Exempt."}},
            },
        }
    )
    assert said_switches(tax, "I'm not sure how much tax I need to pay.") == {}
    assert said_switches(tax, "The purchase is tax exempt.") == {"tax_exempt": True}


def test_the_tools_description_may_describe_the_switch() -> None:
    # BFCL live_multiple_739-168-1: "The transaction can be marked as private"
    payment = Tool.from_spec(
        {
            "name": "Payment_1_MakePayment",
            "description": "Send money to a friend. The transaction can be marked as private.",
            "parameters": {
                "type": "dict",
                "required": [],
                "properties": {"private_visibility": {"type": "boolean", "description": "."}},
            },
        }
    )
    query = "Send $50 to my friend Alex and make sure the transaction is private."
    assert said_switches(payment, query) == {"private_visibility": True}
