# ruff: noqa: E501
"""Golden renderings of every format, built by hand from the reference layout in xlam-formats.md.

The expected strings are assembled here from the page's constants, not by the code under test.
"""

from __future__ import annotations

import json

import pytest

from lamagent import formats
from lamagent.errors import FormatError
from lamagent.messages import AssistantTurn, Message, ToolCall

SYSTEM_DEFAULT = (
    "You are a helpful assistant that can use tools. You are developed by Salesforce xLAM team."
)
INSTRUCTION = (
    "You have access to a set of tools. When using tools, make calls in a single JSON array: \n\n"
    + '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, ... '
    + "(additional parallel tool calls as needed)]\n\n"
    + "If no tool is suitable, state that explicitly. If the user's input lacks required "
    + "parameters, ask for clarification. "
    + "Do not interpret or respond until tool results are returned. Once they are available, "
    + "process them or make additional calls if needed. "
    + "For tasks that don't require tools, such as casual conversation or general advice, "
    + "respond directly in plain text. The available tools are:\n\n"
)

WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a location.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location"],
    },
}
TIME = {
    "name": "get_time",
    "description": "Current time.",
    "parameters": {"type": "object", "properties": {}},
}
TOOLS_OPENAI = [{"type": "function", "function": WEATHER}, TIME]

CONVERSATION = [
    {"role": "user", "content": "  Weather in London and Paris, and the time?  "},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"location": "London"}'},
            },
            {"function": {"name": "get_weather", "arguments": {"location": "Paris"}}},
            {"function": {"name": "get_time", "arguments": {}}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": {"temp": 15, "sky": "cloudy"}},
    {"role": "tool", "content": "22 C, sunny"},
    {"role": "tool", "content": ["12:00", "UTC"]},
    {"role": "assistant", "content": "London: 15 C, Paris: 22 C; it is noon. "},
    {"role": "user", "content": "Thanks!"},
]


def qwen_system(system: str, tools: list[dict], instruction: bool = True) -> str:
    out = "<|im_start|>system\n" + system + "\n"
    if tools:
        out += INSTRUCTION if instruction else ""
        for t in tools:
            out += json.dumps(t, indent=4) + "\n\n"
    return out + "<|im_end|>"


def expected_qwen(system: str = SYSTEM_DEFAULT, instruction: bool = True) -> str:
    calls = (
        '[{"name": "get_weather", "arguments": {"location": "London"}}, '
        '{"name": "get_weather", "arguments": {"location": "Paris"}}, '
        '{"name": "get_time", "arguments": {}}]'
    )
    return (
        qwen_system(system, [WEATHER, TIME], instruction)
        + "<|im_start|>user\nWeather in London and Paris, and the time?<|im_end|>"
        + "<|im_start|>assistant\n"
        + calls
        + "<|im_end|>"
        + '<|im_start|>tool\n{"temp": 15, "sky": "cloudy"}<|im_end|>'
        + "<|im_start|>tool\n22 C, sunny<|im_end|>"
        + '<|im_start|>tool\n["12:00", "UTC"]<|im_end|>'
        + "<|im_start|>assistant\nLondon: 15 C, Paris: 22 C; it is noon.<|im_end|>"
        + "<|im_start|>user\nThanks!<|im_end|>"
        + "<|im_start|>assistant\n"
    )


def test_xlam2_qwen_matches_reference_layout() -> None:
    got = formats.get("xlam2-qwen").render(CONVERSATION, TOOLS_OPENAI)
    assert got == expected_qwen()


def test_xlam2_llama_matches_reference_layout() -> None:
    expected = expected_qwen()
    for role in ("system", "user", "assistant"):
        expected = expected.replace(
            f"<|im_start|>{role}\n", f"<|start_header_id|>{role}<|end_header_id|>\n\n"
        )
    expected = expected.replace(
        "<|im_start|>tool\n", "<|start_header_id|>ipython<|end_header_id|>\n\n"
    )
    expected = "<|begin_of_text|>" + expected.replace("<|im_end|>", "<|eot_id|>")
    assert formats.get("xlam2-llama").render(CONVERSATION, TOOLS_OPENAI) == expected


def test_caller_system_message_keeps_instruction_by_default() -> None:
    msgs = [{"role": "system", "content": " You are terse. "}, *CONVERSATION]
    got = formats.get("xlam2-qwen").render(msgs, TOOLS_OPENAI)
    assert got == expected_qwen(system="You are terse.")


def test_caller_system_message_official_mode_drops_instruction() -> None:
    msgs = [{"role": "system", "content": "You are terse."}, *CONVERSATION]
    fmt = formats.get("xlam2-qwen", system_instruction="official")
    assert fmt.render(msgs, TOOLS_OPENAI) == expected_qwen("You are terse.", instruction=False)
    # without a caller system message the official behaviour is the default layout
    assert fmt.render(CONVERSATION, TOOLS_OPENAI) == expected_qwen()


def test_no_tools_system_turn_holds_only_the_system_text() -> None:
    got = formats.get("xlam2-qwen").render([{"role": "user", "content": "hi"}])
    assert got == (
        "<|im_start|>system\n" + SYSTEM_DEFAULT + "\n<|im_end|>"
        "<|im_start|>user\nhi<|im_end|><|im_start|>assistant\n"
    )


def test_message_objects_and_dicts_render_the_same() -> None:
    fmt = formats.get("xlam2-qwen")
    objs = [Message.from_dict(m) for m in CONVERSATION]
    assert fmt.render(objs, TOOLS_OPENAI) == fmt.render(CONVERSATION, TOOLS_OPENAI)


def test_non_ascii_is_kept_as_the_chat_template_does() -> None:
    fmt = formats.get("xlam2-qwen")
    msgs = [
        {"role": "user", "content": "Météo à Zürich?"},
        Message.assistant(
            tool_calls=[ToolCall(name="get_weather", arguments={"location": "Zürich"})]
        ),
    ]
    out = fmt.render(msgs, [WEATHER])
    assert '{"location": "Zürich"}' in out
    escaped = formats.get("xlam2-qwen", ensure_ascii=True).render(msgs, [WEATHER])
    assert '{"location": "Z\\u00fcrich"}' in escaped


def test_bad_messages_raise_format_error() -> None:
    fmt = formats.get("xlam2-qwen")
    with pytest.raises(FormatError):
        fmt.render([{"role": "robot", "content": "x"}])
    with pytest.raises(FormatError):
        fmt.render([{"role": "user", "content": "x"}, {"role": "system", "content": "late"}])
    with pytest.raises(FormatError):
        formats.get("xlam3")


# -- xLAM-1 -----------------------------------------------------------------------------------

FC_TASK = (
    "You are an expert in composing functions. You are given a question and a set of possible "
    "functions. \nBased on the question, you will need to make one or more function/tool calls "
    "to achieve the purpose. \nIf none of the functions can be used, point it out and refuse to "
    "answer. \nIf the given question lacks the parameters required by the function, also point "
    "it out."
)
FC_FORMAT = """The output MUST strictly adhere to the following JSON format, and NO other text MUST be included.
The example format is as follows. Please make sure the parameter type is correct. If no function call is needed, please make tool_calls an empty list '[]'.
```
{
    "tool_calls": [
    {"name": "func_name1", "arguments": {"argument1": "value1", "argument2": "value2"}},
    ... (more tool calls as required)
    ]
}
```"""
V1_TOOLS = (
    '[{"name": "get_weather", "description": "Get the current weather for a location.", '
    '"parameters": {"location": {"type": "string", "description": "City name"}, '
    '"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}]'
)


def sections(task: str, fmt: str, query: str, history: str = "") -> str:
    out = (
        f"[BEGIN OF TASK INSTRUCTION]\n{task}\n[END OF TASK INSTRUCTION]\n\n"
        f"[BEGIN OF AVAILABLE TOOLS]\n{V1_TOOLS}\n[END OF AVAILABLE TOOLS]\n\n"
        f"[BEGIN OF FORMAT INSTRUCTION]\n{fmt}\n[END OF FORMAT INSTRUCTION]\n\n"
        f"[BEGIN OF QUERY]\n{query}\n[END OF QUERY]\n\n"
    )
    if history:
        out += f"\n[BEGIN OF HISTORY STEPS]\n{history}\n[END OF HISTORY STEPS]\n"
    return out


FC_HEAD = (
    "<｜begin▁of▁sentence｜>You are an AI assistant for function calling. For politically "
    "sensitive questions, security and privacy issues, and other non-computer science "
    "questions, you will refuse to answer\n### Instruction:\n"
)


def test_xlam1_fc_first_step() -> None:
    got = formats.get("xlam1-fc").render(
        [{"role": "user", "content": "Weather in Paris?"}], [WEATHER]
    )
    assert got == FC_HEAD + sections(FC_TASK, FC_FORMAT, "Weather in Paris?") + "\n### Response:"


def test_xlam1_fc_history_steps() -> None:
    msgs = [
        {"role": "user", "content": "Weather in Paris?"},
        Message.assistant(
            tool_calls=[ToolCall(name="get_weather", arguments={"location": "Paris"})]
        ),
        {"role": "tool", "content": {"temp": 22}},
    ]
    history = (
        '[{"step_id": 1, "thought": "", "tool_calls": [{"name": "get_weather", "arguments": '
        '{"location": "Paris"}}], "next_observation": [{"temp": 22}], "user_input": ""}]'
    )
    got = formats.get("xlam1-fc").render(msgs, [WEATHER])
    expected = FC_HEAD + sections(FC_TASK, FC_FORMAT, "Weather in Paris?", history)
    assert got == expected + "\n### Response:"


GENERAL_TASK = (
    "Based on the previous context and API request history, generate an API request or a "
    "response as an AI assistant."
)
GENERAL_FORMAT = """The output should be of the JSON format, which specifies a list of generated function calls. The example format is as follows, please make sure the parameter type is correct. If no function call is needed, please make 
    tool_calls an empty list "[]".
    ```
    {"thought": "the thought process, or an empty string", "tool_calls": [{"name": "api_name1", "arguments": {"argument1": "value1", "argument2": "value2"}}]}
    ```"""


def test_xlam1_general_with_system_and_follow_up() -> None:
    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        Message.assistant(
            "I should look it up.", [ToolCall(name="get_weather", arguments={"location": "Paris"})]
        ),
        {"role": "tool", "content": "22 C"},
        {"role": "assistant", "content": "It is 22 C."},
        {"role": "user", "content": "And in London?"},
    ]
    history = json.dumps(
        [
            {
                "step_id": 1,
                "thought": "I should look it up.",
                "tool_calls": [{"name": "get_weather", "arguments": {"location": "Paris"}}],
                "next_observation": ["22 C"],
                "user_input": "",
            },
            {
                "step_id": 2,
                "thought": "It is 22 C.",
                "tool_calls": [],
                "next_observation": "",
                "user_input": "And in London?",
            },
        ]
    )
    body = "Be brief.\n\n" + sections(GENERAL_TASK, GENERAL_FORMAT, "Weather in Paris?", history)
    assert formats.get("xlam1").render(msgs, [WEATHER]) == "<s>[INST] " + body + " [/INST]"


# -- append-only ------------------------------------------------------------------------------

REPLIES = [
    AssistantTurn(calls=[ToolCall(name="get_weather", arguments={"location": "Rome"})]),
    AssistantTurn(calls=[ToolCall(name="get_time", arguments={})], thought="need time"),
    AssistantTurn(answer="It is sunny in Rome."),
]


@pytest.mark.parametrize("name", formats.available())
@pytest.mark.parametrize("reply", REPLIES, ids=["call", "empty-args", "answer"])
@pytest.mark.parametrize("prefix", [CONVERSATION[:1], CONVERSATION], ids=["first", "later"])
def test_append_only_one_step(name: str, reply: AssistantTurn, prefix: list) -> None:
    fmt = formats.get(name)
    msgs = [{"role": "system", "content": "Be helpful."}, *prefix]
    prompt = fmt.render(msgs, TOOLS_OPENAI)
    full = fmt.render([*msgs, reply.to_message()], TOOLS_OPENAI, add_generation_prompt=False)
    assert prompt + fmt.render_assistant(reply) + fmt.end_of_turn == full
    # the reply the format renders parses back to the same calls or answer
    back = fmt.parse(fmt.render_assistant(reply))
    assert [c.to_xlam() for c in back.calls] == [c.to_xlam() for c in reply.calls]


@pytest.mark.parametrize("name", ["xlam2-qwen", "xlam2-llama"])
def test_append_only_across_steps_for_xlam2(name: str) -> None:
    fmt = formats.get(name)
    msgs: list = list(CONVERSATION[:1])
    reply = REPLIES[0].to_message()
    closed = fmt.render([*msgs, reply], TOOLS_OPENAI, add_generation_prompt=False)
    nxt = fmt.render([*msgs, reply, Message.tool("sunny")], TOOLS_OPENAI)
    assert nxt.startswith(closed)
    assert nxt.startswith(fmt.render(msgs, TOOLS_OPENAI))


def test_xlam1_is_not_append_only_across_steps() -> None:
    # documented: the history moves into the single user message once results arrive
    fmt = formats.get("xlam1-fc")
    msgs: list = list(CONVERSATION[:1])
    reply = REPLIES[0].to_message()
    closed = fmt.render([*msgs, reply], TOOLS_OPENAI, add_generation_prompt=False)
    nxt = fmt.render([*msgs, reply, Message.tool("sunny")], TOOLS_OPENAI)
    assert not nxt.startswith(closed)
    assert '"next_observation": ["sunny"]' in nxt


def test_stop_strings_and_end_of_turn() -> None:
    assert (
        formats.get("xlam2-qwen").stop[0] == formats.get("xlam2-qwen").end_of_turn == "<|im_end|>"
    )
    assert formats.get("xlam2-llama").stop[0] == "<|eot_id|>"
    assert formats.get("xlam1-fc").stop[0] == "<|EOT|>"
    assert formats.get("xlam1").stop == ("</s>",)
