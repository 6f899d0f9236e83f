"""Property tests: no text, however broken, makes a parser raise."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lamagent import formats
from lamagent.formats.controls import JOINER, ControlStrings
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


CONTROL_PIECES = ["<|im_end|>", "<|im_start|>", "<|eot_id|>", "[INST]", "<|", "|>", "im_end"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(CONTROL_PIECES), st.text(max_size=4)), max_size=10))
def test_neutralising_leaves_no_control_string_and_only_adds_joiners(pieces: list[str]) -> None:
    controls = ControlStrings(["<|im_end|>", "<|im_start|>", "<|eot_id|>", "[INST]"])
    text = "".join(pieces).replace(JOINER, "")
    out = controls.neutralise(text)
    assert not controls.found_in(out)
    assert out.replace(JOINER, "") == text
    assert controls.neutralise(out) == out
    assert controls.neutralise_value({text: [text, 1]}) == {out: [out, 1]}


@settings(max_examples=100, deadline=None)
@given(
    st.text(" \n\t", max_size=3), st.text(" \n", max_size=3), st.sampled_from(formats.available())
)
def test_an_empty_call_list_is_an_empty_answer_that_renders_back(
    before: str, inside: str, name: str
) -> None:
    fmt = formats.get(name)
    turn = fmt.parse(f"{before}[{inside}]{before}")
    assert turn.answer == "" and not turn.calls and turn.error is None
    assert fmt.parse(fmt.render_assistant(turn)).answer == ""


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from([*'ab é\u2028"\\', "<|im_start|>"]), max_size=4).map("".join),
    st.just("lone \ud800 surrogate"),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 2)), inner, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(["name", "description", "parameters"]), JSON_VALUES)),
    st.booleans(),
)
def test_the_remembered_tool_section_is_the_direct_one_byte_for_byte(
    specs: list[dict[str, object]], ensure_ascii: bool
) -> None:
    """The tool section is remembered by content: never a stale or merged text (`1` is not
    `1.0` is not `true`, though they compare equal), under any encoding and control set."""
    import json

    from lamagent.formats.specs import indented_specs

    controls = ControlStrings(["<|im_start|>"])
    direct = "".join(
        controls.neutralise(json.dumps(s, indent=4, ensure_ascii=ensure_ascii)) + "\n\n"
        for s in specs
    )
    for _ in range(2):  # computed, then remembered
        got = indented_specs(
            specs, ensure_ascii=ensure_ascii, neutralise=controls.neutralise, neutraliser=controls
        )
        assert got == direct
    other = ControlStrings([])  # another control set is another text
    plain = "".join(json.dumps(s, indent=4, ensure_ascii=ensure_ascii) + "\n\n" for s in specs)
    assert (
        indented_specs(
            specs, ensure_ascii=ensure_ascii, neutralise=other.neutralise, neutraliser=other
        )
        == plain
    )


def test_equal_but_differently_written_specs_get_their_own_sections() -> None:
    from lamagent.formats.specs import indented_specs

    controls = ControlStrings([])
    texts = [
        indented_specs(
            [{"name": "f", "parameters": {"default": value}}],
            ensure_ascii=False,
            neutralise=controls.neutralise,
            neutraliser=controls,
        )
        for value in (1, 1.0, True)
    ]
    assert [t.split('"default": ')[1].split("\n")[0] for t in texts] == ["1", "1.0", "true"]


def test_a_spec_that_is_not_json_raises_as_before() -> None:
    import pytest

    from lamagent.formats.specs import indented_specs

    controls = ControlStrings([])
    with pytest.raises(TypeError):
        indented_specs(
            [{"name": "f", "parameters": {"x": object()}}],
            ensure_ascii=False,
            neutralise=controls.neutralise,
            neutraliser=controls,
        )
