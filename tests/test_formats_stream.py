"""The streaming parser agrees with the whole-text parser for every way of splitting output."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent import formats
from lamagent.formats import CallDelta, StreamEvent, TextPiece
from lamagent.formats.parse import parse_output
from lamagent.formats.stream import CallStreamParser

OUTPUTS = [
    '[{"name": "get_weather", "arguments": {"location": "London"}}]',
    '[{"name": "get_time", "arguments": {}}, {"name": "get_time", "arguments": {}}]',
    '  {"name": "get_time", "arguments": {}}  ',
    '[{"name": "echo", "arguments": {"text": "a \\"quoted\\" ] } [ { text\\\\"}}]',
    'Sure.\n```json\n[{"name": "get_weather", "arguments": {"location": "Paris"}}]\n```\nDone.',
    '[TOOL_CALLS][{"name": "get_time", "arguments": {}}]',
    'I will call two tools. <tool_call>{"name": "a", "arguments": {}}</tool_call>\n'
    '<tool_call>{"name": "b", "arguments": {"n": [1, {"x": 2}]}}</tool_call>',
    '<think>Let me see [ { </think>[{"name": "get_time", "arguments": {}}]',
    '{"thought": "two calls", "tool_calls": [{"name": "a", "arguments": {}}, '
    '{"name": "b", "arguments": {"q": "{}"}}]}',
    '{"thought": "nothing to do, the answer is 4", "tool_calls": []}',
    "The weather in London is 15 C.",
    "Use [brackets] and {braces} freely; ``code`` too.",
    "```python\nprint(1)\n```",
    "Ends with an open bracket [",
    "<think>done</think>  It is 4.  ",
    '[{"name": "get_weather", "arguments": {"location": "Lon',
    '[{"arguments": {}}]',
    "",
    "<tool_call>oops</tool_call>",
    "[]",
    " [ ] ",
    "<think>nothing</think>[]",
    "[] then text",
    "[ {} ]",
]


def stream(text: str, cuts: list[int]) -> tuple[list[StreamEvent], CallStreamParser]:
    parser = CallStreamParser()
    events: list[StreamEvent] = []
    last = 0
    for cut in [*sorted(cuts), len(text)]:
        events += parser.feed(text[last:cut])
        last = cut
    events += parser.flush()
    return events, parser


def check(text: str, cuts: list[int]) -> None:
    expected = parse_output(text)
    events, parser = stream(text, cuts)
    turn = parser.finish()
    assert turn.model_dump(exclude={"calls"}) == expected.model_dump(exclude={"calls"})
    assert [c.to_xlam() for c in turn.calls] == [c.to_xlam() for c in expected.calls]
    streamed = [e.call for e in events if isinstance(e, CallDelta)]
    if expected.error is None:
        # each call exactly once, whole, with the id finish() reports
        assert streamed == turn.calls
        assert [e.index for e in events if isinstance(e, CallDelta)] == list(range(len(streamed)))
    text_out = "".join(e.text for e in events if isinstance(e, TextPiece))
    if expected.answer is not None and not expected.thought:
        assert text_out == expected.answer


@pytest.mark.parametrize("text", OUTPUTS)
def test_one_char_chunks(text: str) -> None:
    check(text, list(range(1, len(text))))


@pytest.mark.parametrize("text", OUTPUTS)
def test_every_single_split(text: str) -> None:
    for cut in range(len(text) + 1):
        check(text, [cut])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(OUTPUTS), st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_random_chunks(text: str, cuts: list[int]) -> None:
    check(text, [c for c in cuts if c <= len(text)])


def test_text_is_not_held_longer_than_needed() -> None:
    parser = CallStreamParser()
    assert parser.feed("Hello") == [TextPiece("Hello")]
    assert parser.feed(" wor") == [TextPiece(" wor")]
    assert parser.feed("ld [") == [TextPiece("ld")]  # the bracket might open a call
    assert parser.feed("1]") == [TextPiece(" [1]")]


def test_an_empty_call_list_is_not_streamed_as_text() -> None:
    parser = CallStreamParser()
    events = parser.feed("[") + parser.feed(" ]") + parser.feed("\n") + parser.flush()
    assert events == []
    assert parser.finish().answer == ""


@pytest.mark.parametrize("unit", ["{", "[", "<", "[{", '{"na', "```x\n", "a [ b { "])
def test_one_large_chunk_is_read_in_linear_time(unit: str) -> None:
    def seconds(size: int) -> float:
        text = unit * (size // len(unit))
        start = time.perf_counter()
        parser = CallStreamParser()
        parser.feed(text)
        parser.flush()
        parser.finish()
        return time.perf_counter() - start

    small, large = seconds(600_000), seconds(1_200_000)
    assert large < 3.0 * small + 0.05  # doubling the input about doubles the time
    assert small < 2.0


def test_calls_are_emitted_as_each_object_closes() -> None:
    parser = formats.get("xlam2-qwen").stream_parser()
    assert parser.feed('[{"name": "a", "arguments": {}}') != []
    events = parser.feed(', {"name": "b", "arguments": {"x": 1}')
    assert events == []
    events = parser.feed("}]")
    assert [type(e) for e in events] == [CallDelta]
    call = events[0]
    assert isinstance(call, CallDelta) and call.index == 1 and call.call.arguments == {"x": 1}
