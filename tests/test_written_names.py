"""The names and quoted strings a text writes (`lamagent.gate.written_names`): the values a
piece of a request gives, read by `asked_values` and `named_asks`."""

from __future__ import annotations

import time

import pytest

from lamagent.gate.written_names import written_names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Invest $2000 in Google and withdraw from Apple Inc.", ["Google", "Apple Inc."]),
        ("Analyze the company named 'Tech Innovators'.", ["Tech Innovators"]),
        # a sentence's opening word, the user's "I": capitalised, no names
        ("Finally, find it. Can you? I'd like New York.", ["New York"]),
        ("I'm in Paris", ["Paris"]),
        # a name that opens a sentence loses its first word: it cannot be told from the
        # capital every sentence opens with
        ("Lakers scores, please", []),
        ("Los Angeles Lakers scores", ["Angeles Lakers"]),
        # dates, numbers quoted, stop words and asking verbs only, short ones: none
        ("Book it for January 18 with '180' of 'the' at 'Find' in 'NY'", []),
        # weekdays are dates too ("next Friday"), a name that opens with none is a name
        ("Concerts next Friday or on Sunday with Fleetwood Mac", ["Fleetwood Mac"]),
        # each once, in order
        ("Visit Rome, then Oslo, then Rome again", ["Rome", "Oslo"]),
    ],
)
def test_written_names(text: str, names: list[str]) -> None:
    assert written_names(text) == names


def test_a_long_text_is_read_quickly() -> None:
    # each name's sentence opening is looked for just before it, not through the whole text
    text = "It was Oslo. " * 5000 + "Finally, Rome."
    started = time.perf_counter()
    assert written_names(text) == ["Oslo", "Rome"]
    assert time.perf_counter() - started < 2
