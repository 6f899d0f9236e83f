"""Property tests: no text, however broken, makes a parser raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent import formats
from lamagent.formats.stream import CallStreamParser
from lamagent.messages import AssistantTurn

SEEDS = [
    '[{"name": "get_weather", "arguments": {"location": "London"}}]',
    '{"thought": "x", "tool_calls": [{"name": "a", "arguments": {}}]}',
    '<tool_call>{"name": "a", "arguments": {"q": "\\"]}"}}</tool_call>',
    '```json\n[{"name": "a", "arguments": {}}]\n```',
    "[TOOL_CALLS] [",
    '<think>a</think>{"name"',
]
ALPHABET = st.sampled_from([*'[]{}",:\\ \n`<>/abnmeTOLC_01', "<tool_call>", "</think>"])


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 5)))
        text = text[:i] + "".join(draw(st.lists(ALPHABET, max_size=4))) + text[j:]
    return text


def well_formed(turn: AssistantTurn) -> bool:
    kinds = [bool(turn.calls), turn.answer is not None, turn.error is not None]
    return sum(kinds) == 1


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), mutated()))
def test_parse_never_raises(text: str) -> None:
    for name in formats.available():
        turn = formats.get(name).parse(text)
        assert well_formed(turn) and turn.raw == text


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), mutated()), st.lists(st.integers(0, 80), max_size=8))
def test_stream_never_raises_and_finishes_like_parse(text: str, cuts: list[int]) -> None:
    parser = CallStreamParser()
    last = 0
    for cut in [*sorted(c for c in cuts if c <= len(text)), len(text)]:
        parser.feed(text[last:cut])
        last = cut
    parser.flush()
    turn = parser.finish()
    whole = formats.get("xlam2-qwen").parse(text)
    assert turn.model_dump(exclude={"calls"}) == whole.model_dump(exclude={"calls"})
    assert [c.to_xlam() for c in turn.calls] == [c.to_xlam() for c in whole.calls]
