"""The tolerant parser: every output variant in xlam-formats.md, and what is an error."""

from __future__ import annotations

import pytest

from lamagent import formats

CALL = [("get_weather", {"location": "London"})]
TWO = [("get_weather", {"location": "London"}), ("get_time", {})]

CALL_VARIANTS = {
    "bare list": ('[{"name": "get_weather", "arguments": {"location": "London"}}]', CALL, ""),
    "single object": ('{"name": "get_weather", "arguments": {"location": "London"}}', CALL, ""),
    "parallel": (
        '[{"name": "get_weather", "arguments": {"location": "London"}}, '
        '{"name": "get_time", "arguments": {}}]',
        TWO,
        "",
    ),
    "fenced json": (
        "Calling now.\n```json\n"
        '[{"name": "get_weather", "arguments": {"location": "London"}}]\n```',
        CALL,
        "Calling now.",
    ),
    "TOOL_CALLS prefix": (
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "London"}}]',
        CALL,
        "",
    ),
    "tool_call tags": (
        'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"location": "London"}}\n'
        '</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>',
        TWO,
        "Let me check.",
    ),
    "after think": (
        '<think>London, so get_weather.</think>\n[{"name": "get_weather", "arguments": '
        '{"location": "London"}}]',
        CALL,
        "London, so get_weather.",
    ),
    "xlam1 fc": (
        '{"tool_calls": [{"name": "get_weather", "arguments": {"location": "London"}}]}',
        CALL,
        "",
    ),
    "xlam1 general": (
        '{"thought": "I need the weather.", "tool_calls": [{"name": "get_weather", '
        '"arguments": {"location": "London"}}]}',
        CALL,
        "I need the weather.",
    ),
    "arguments as JSON string": (
        '[{"name": "get_weather", "arguments": "{\\"location\\": \\"London\\"}"}]',
        CALL,
        "",
    ),
    "text after calls": (
        '[{"name": "get_weather", "arguments": {"location": "London"}}] I will report back.',
        CALL,
        "I will report back.",
    ),
    "openai item": (
        '[{"function": {"name": "get_weather", "arguments": {"location": "London"}}}]',
        CALL,
        "",
    ),
}


@pytest.mark.parametrize("name", formats.available())
@pytest.mark.parametrize("variant", list(CALL_VARIANTS))
def test_call_variants(name: str, variant: str) -> None:
    text, calls, thought = CALL_VARIANTS[variant]
    turn = formats.get(name).parse(text)
    assert turn.error is None, turn.error
    assert [(c.name, c.arguments) for c in turn.calls] == calls
    assert turn.thought == thought
    assert turn.raw == text and turn.answer is None


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The weather in London is 15 C.", "The weather in London is 15 C."),
        ("  Which city do you mean?\n", "Which city do you mean?"),
        ("[1] is a footnote, {braces} too.", "[1] is a footnote, {braces} too."),
        ("```python\nprint('hi')\n```", "```python\nprint('hi')\n```"),
        ('{"thought": "Nothing to call; it is 4.", "tool_calls": []}', "Nothing to call; it is 4."),
        ('{"tool_calls": []}', ""),
        ("[]", ""),  # xLAM-2's empty call list: no call, nothing to say
        (" [ ]\n", ""),
        ("<think>nothing to call</think>[]", ""),
        ("[] is an empty list", "[] is an empty list"),
        ("<think>easy</think>It is 4.", "It is 4."),
    ],
)
def test_plain_text_is_an_answer(text: str, answer: str) -> None:
    turn = formats.get("xlam2-qwen").parse(text)
    assert turn.is_answer and turn.answer == answer


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[{"arguments": {"location": "London"}}]', "no string 'name'"),
        ('[{"name": "get_weather"}]', "no 'arguments'"),
        ('[{"name": "get_weather", "arguments": [1, 2]}]', "must be an object"),
        ('[{"name": "get_weather", "arguments": "{not json"}]', "get_weather"),
        ('[{"name": "get_weather", "arguments": {}}, 7]', "call 2"),
        ('[{"name": "get_weather", "arguments": {"location": "Lon', "cut off"),
        ('[{"name": "get_weather", "arguments": {}} {"name": "x"}]', "invalid JSON"),
        ("<tool_call>get_weather(London)</tool_call>", "expected a JSON call"),
        ("<think>still thinking about", "cut off while thinking"),
        ("   ", "empty"),
    ],
)
def test_malformed_output_is_a_parse_error(text: str, needle: str) -> None:
    turn = formats.get("xlam2-qwen").parse(text)
    assert turn.error is not None and not turn.calls
    assert needle in turn.error.message
    assert turn.error.text == text


def test_items_without_name_are_reported_not_dropped() -> None:
    # vLLM's parser drops the bad item and runs the good one; here the whole turn is an error
    turn = formats.get("xlam2-qwen").parse(
        '[{"name": "get_time", "arguments": {}}, {"arguments": {"location": "Paris"}}]'
    )
    assert turn.error is not None and turn.calls == []
    assert "call 2" in turn.error.message


def test_empty_arguments_survive() -> None:
    turn = formats.get("xlam2-qwen").parse('[{"name": "get_time", "arguments": {}}]')
    assert turn.calls[0].arguments == {}
