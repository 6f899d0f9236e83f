"""A time of day in the form its parameter names, on the real engine with the embedded model
(SmolLM2-135M).

Asked to move an event "to November 1, 2023 at 4pm London time" (BFCL live_simple_138-91-0,
"in ISO-8601 format (e.g., 'YYYY-MM-DDTHH:MM:SSZ')"), the model under the calls-only grammar
(the evaluation's settings) copies the user's words; with `example_shapes` the turn holds
"2023-11-01T16:00:00". Asked for "a show around 8:30 pm" (bfcl-eval live_multiple_423-141-12's
tool), it leaves the show time out; with `mentioned_arguments` it writes "20:30".
"""

from __future__ import annotations

from typing import Any

import pytest
from gguf_model import calls_turn, shaped_argument


@pytest.mark.parametrize("shapes", [False, True])
def test_the_date_and_time_in_iso_8601(gguf: Any, shapes: bool) -> None:
    text, value, notes = shaped_argument(gguf, "live_simple_138-91-0", shapes, "dateOrTime")
    assert '"dateOrTime": "November 1, 2023 at 4pm London time"' in text
    assert value == ("2023-11-01T16:00:00" if shapes else "November 1, 2023 at 4pm London time")
    assert any("the user's time" in note for note in notes) == shapes


@pytest.mark.parametrize("shapes", [False, True])
def test_the_hour_on_a_24_hour_clock(gguf: Any, shapes: bool) -> None:
    text, value, notes = shaped_argument(gguf, "simple_python_35", shapes, "operating_hours")
    assert '"operating_hours": 11' in text
    assert value == (23 if shapes else 11)
    assert any("the hour of the user's time" in note for note in notes) == shapes


TICKETS: dict[str, Any] = {
    "name": "Movies_1_BuyMovieTickets",
    "description": "Purchase tickets for a specific movie showtime at a designated theater "
    "location.",
    "parameters": {
        "type": "dict",
        "required": ["movie_name", "number_of_tickets", "location"],
        "properties": {
            "movie_name": {
                "type": "string",
                "description": "The title of the movie for which tickets are being purchased.",
            },
            "number_of_tickets": {
                "type": "integer",
                "description": "The total number of tickets to be bought.",
            },
            "location": {
                "type": "string",
                "description": "The location of the theater, in the format of 'City, State', "
                "such as 'Los Angeles, CA'.",
            },
            "show_time": {
                "type": "string",
                "description": "The start time of the movie showing, in 24-hour format 'HH:MM'.",
                "default": "20:00",
            },
        },
    },
}


def test_the_time_the_user_asked_for_is_written(gguf: Any) -> None:
    query = (
        "Hi, I'm looking to watch 'The Last Adventure'. Find me two tickets for a show around "
        "8:30 pm in San Francisco?"
    )
    plain = calls_turn(gguf, query, TICKETS, copy_bias=3.0, max_tokens=128)
    assert "show_time" not in plain.turn.calls[0].arguments
    asked = calls_turn(
        gguf, query, TICKETS, copy_bias=3.0, mentioned_arguments=True, max_tokens=128
    )
    assert asked.turn.calls[0].arguments["show_time"] == "20:30"
    assert dict(asked.mentioned) == {"Movies_1_BuyMovieTickets": ("show_time",)}
