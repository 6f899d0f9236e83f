"""The switches the user named, on or off (`lamagent.gate.switches`). The mentions rule that
asks for a switch named on is tested in test_mentioned_arguments.py."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.gate.switches import negated_switches, said_switches, unasked_switches
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


BRIEF = Tool.from_spec(  # BFCL simple_python_215
    {
        "name": "movie_details.brief",
        "description": "This function retrieves a brief about a specified movie.",
        "parameters": {
            "type": "dict",
            "properties": {
                "title": {"type": "string", "description": "Title of the movie"},
                "extra_info": {
                    "type": "boolean",
                    "description": "Option to get additional information like Director, Cast, "
                    "Awards etc.",
                    "default": "false",
                },
                "subtitles": {"type": "boolean", "description": "Subtitles on."},
                "cached": {"type": "boolean", "description": "From the cache.", "default": True},
                "spoilers": {"type": "boolean", "description": "Reveal the plot."},
            },
            "required": ["title", "spoilers"],
        },
    }
)


def _brief(**arguments: Any) -> ToolCall:
    return ToolCall(name="movie_details.brief", arguments={"title": "Interstellar", **arguments})


def test_a_switch_nobody_asked_for_is_left_out() -> None:
    calls = [_brief(extra_info=True, subtitles=True, spoilers=True)]
    out, notes = unasked_switches(calls, [BRIEF], "Give me a brief on movie 'Interstellar'")
    assert out[0].arguments == {"title": "Interstellar", "spoilers": True}
    assert notes == [
        "movie_details.brief.extra_info: true, a switch the user neither named nor spoke of, "
        "left out",
        "movie_details.brief.subtitles: true, a switch the user neither named nor spoke of, "
        "left out",
    ]


@pytest.mark.parametrize(
    ("arguments", "query"),
    [
        ({"extra_info": True}, "Brief me on 'Interstellar', with extra info"),  # named
        ({"extra_info": True}, "Who is in the cast of 'Interstellar'?"),  # spoken of
        ({"subtitles": True}, "Play 'Interstellar' with its subtitles"),
        ({"extra_info": False}, "Give me a brief on movie 'Interstellar'"),  # off: the default
        ({"cached": True}, "Give me a brief on movie 'Interstellar'"),  # on is its default
        ({"spoilers": True}, "Give me a brief on movie 'Interstellar'"),  # required
    ],
)
def test_a_switch_asked_for_or_not_on_stays(arguments: dict[str, Any], query: str) -> None:
    calls = [_brief(**{"spoilers": False, **arguments})]
    assert unasked_switches(calls, [BRIEF], query) == (calls, [])


def test_an_ask_drafted_on_its_own_reads_the_whole_request() -> None:
    # held-out parallel_multiple_93: "... the date of the signing of the Magna Carta and
    # calculate how many years ago that event took place?", its first clause drafted alone
    from lamagent.generation import Generation, GenerationParams
    from lamagent.messages import AssistantTurn, Message
    from lamagent.turns import ModelTurn, TurnRequest, with_invented_values

    tool = Tool.from_spec(
        {
            "name": "history.get_event_date",
            "description": "Get the date of an historical event.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "event_name": {"type": "string", "description": "The name of the event."},
                    "calculate_years_ago": {
                        "type": "boolean",
                        "description": "True if years ago is to be calculated. False by default",
                    },
                },
                "required": ["event_name"],
            },
        }
    )
    call = ToolCall(
        name="history.get_event_date",
        arguments={"event_name": "Magna Carta", "calculate_years_ago": True},
    )
    part = "Could you provide the date of the signing of the Magna Carta?"
    whole = f"{part[:-1]} and calculate how many years ago that event took place?"

    def kept(whole_request: str) -> dict[str, Any]:
        request = TurnRequest(
            messages=[Message.user(part)],
            tools=[tool],
            params=GenerationParams(example_shapes=True),
            tool_choice="required",
            constrained=True,
            whole_request=whole_request,
        )
        turn = ModelTurn(AssistantTurn(calls=[call]), Generation(text=""))
        return with_invented_values(turn, request).turn.calls[0].arguments

    assert kept(whole) == call.arguments
    assert kept("") == {"event_name": "Magna Carta"}  # the part alone asks for no switch
