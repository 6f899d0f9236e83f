"""`LoopWatch`: the engines' view of a value going round while the model writes it."""

from __future__ import annotations

import pytest

from lamagent.backends._engine.loop_watch import LoopWatch

CALL = '[{"name": "tool", "arguments": {'
BODY = "Let's meet at 10 AM tomorrow. "


def _first_closing(watch: LoopWatch, text: str) -> int | None:
    """Feed `text` a character at a time; the index after which the watch is closing."""
    for index, ch in enumerate(text):
        watch.feed(ch)
        if watch.closing:
            return index
    return None


def test_a_string_going_round_is_closed_after_three_rounds() -> None:
    watch = LoopWatch(["the body 'Let's meet at 10 AM tomorrow'"])
    head = CALL + '"body": "'
    at = _first_closing(watch, head + BODY * 6)
    assert at == len(head) + 3 * len(BODY) - 1  # the third round's last character
    assert watch.in_string
    watch.feed('"')
    assert not watch.closing  # the string is closed: the model writes on
    watch.feed(', "to": "a@b.c"}}]')
    assert not watch.closing


def test_a_list_going_round_is_closed_at_its_eighth_round() -> None:
    watch = LoopWatch(["the scores 85, 90, 88 and 91"])
    head = CALL + '"data": [85, 90, 88'
    at = _first_closing(watch, head + ", 91" * 12)
    assert at == len(head) + 8 * len(", 91")  # the comma after the eighth 91
    assert not watch.in_string
    watch.feed("]")
    assert not watch.closing
    watch.feed(', "bins": 5}}]')
    assert not watch.closing


def test_a_list_of_strings_is_closed_even_inside_an_element() -> None:
    watch = LoopWatch(["the rating and player count"])
    at = _first_closing(watch, CALL + '"fields": ["rating", ' + '"player count", "rating", ' * 5)
    assert at is not None
    watch.feed('"pla')
    assert watch.closing and watch.in_string  # the element is closed first, then the list
    watch.feed('"')
    assert watch.closing and not watch.in_string
    watch.feed("]")
    assert not watch.closing


@pytest.mark.parametrize(
    ("text", "sources"),
    [
        # the user wrote the repetition
        (CALL + '"laugh": "' + "ha " * 12, ["he said " + "ha " * 12]),
        (CALL + '"v": [' + "0, " * 12, ["the vector " + "0, " * 12]),
        # too short to be a loop
        (CALL + '"v": [' + "0, " * 6, []),
        (CALL + '"s": "' + "ab " * 5, []),
        # no round
        (CALL + '"v": [' + ", ".join(str(i) for i in range(40)), []),
        (CALL + '"s": "' + "a long text without any round in it at all, none", []),
    ],
)
def test_what_is_not_closed(text: str, sources: list[str]) -> None:
    watch = LoopWatch(sources)
    assert _first_closing(watch, text) is None


def test_the_outermost_list_is_the_repeat_guards() -> None:
    # a call list going round is RepeatGuard's to cut (whole calls), not a value's loop
    call = '{"name": "tool", "arguments": {}}, '
    watch = LoopWatch()
    assert _first_closing(watch, "[" + call * 12) is None


def test_an_escaped_quote_does_not_end_the_string() -> None:
    watch = LoopWatch()
    text = CALL + '"q": "' + 'say \\"hi\\" ' * 8
    assert _first_closing(watch, text) is not None
    watch.feed('\\"')
    assert watch.closing and watch.in_string
