# ruff: noqa: E501
"""Chat-template formats: same bytes as the built-in layout, a sandbox that holds, detection."""

from __future__ import annotations

import pytest
from test_formats_render import CONVERSATION, TOOLS_OPENAI, expected_qwen

from lamagent import formats
from lamagent.errors import FormatError
from lamagent.formats.template import TemplateFormat
from lamagent.generation import ModelInfo

# A template written here to the reference layout of xlam-formats.md (ChatML variant), with the
# official template's rules for a tool result given as {"content": ...} (its content is shown)
# and for an assistant turn with `tool_calls: []` and no text (the empty list `[]`).
XLAM2_TEMPLATE = """{{- "<|im_start|>system\\n" }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = "You are a helpful assistant that can use tools. You are developed by Salesforce xLAM team." %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- system_message + "\\n" }}
{%- if tools is not none %}
{{- "You have access to a set of tools. When using tools, make calls in a single JSON array: \\n\\n" }}
{{- '[{"name": "tool_call_name", "arguments": {"arg1": "value1", "arg2": "value2"}}, ... (additional parallel tool calls as needed)]\\n\\n' }}
{{- "If no tool is suitable, state that explicitly. If the user's input lacks required parameters, ask for clarification. " }}
{{- "Do not interpret or respond until tool results are returned. Once they are available, process them or make additional calls if needed. " }}
{{- "For tasks that don't require tools, such as casual conversation or general advice, respond directly in plain text. The available tools are:\\n\\n" }}
    {%- for func in tools %}
        {{- func | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- "<|im_end|>" }}
{%- for message in loop_messages %}
    {%- if message['role'] == 'tool' %}
        {%- set result = message.content.content if message.content is mapping and 'content' in message.content else message.content %}
        {%- if result is string %}
            {{- "<|im_start|>tool\\n" + result + "<|im_end|>" }}
        {%- else %}
            {{- "<|im_start|>tool\\n" + (result | tojson) + "<|im_end|>" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and (message.tool_calls or not message.content) %}
        {{- "<|im_start|>assistant\\n[" }}
        {%- for tool_call in message.tool_calls %}
            {{- tool_call.function | tojson }}
            {%- if not loop.last %}{{- ", " }}{%- endif %}
        {%- endfor %}
        {{- "]<|im_end|>" }}
    {%- else %}
        {{- "<|im_start|>" + message['role'] + "\\n" + message['content'] | trim + "<|im_end|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- "<|im_start|>assistant\\n" }}{%- endif %}
"""


def test_template_renders_the_same_bytes_as_the_builtin() -> None:
    fmt = formats.from_chat_template(XLAM2_TEMPLATE, eos_token="<|im_end|>")
    assert isinstance(fmt, TemplateFormat)
    assert fmt.tool_style == "spec"  # xLAM's template dumps the tools as given
    assert fmt.render(CONVERSATION, TOOLS_OPENAI) == expected_qwen()
    builtin = formats.get("xlam2-qwen")
    assert fmt.render(CONVERSATION, TOOLS_OPENAI) == builtin.render(CONVERSATION, TOOLS_OPENAI)
    assert fmt.stop == builtin.stop and fmt.end_of_turn == "<|im_end|>"
    turn = fmt.parse('[{"name": "get_time", "arguments": {}}]')
    assert turn.calls[0].name == "get_time"


def test_tojson_keeps_order_and_does_not_escape_html() -> None:
    fmt = formats.from_chat_template("{{ tools | tojson }}", tool_style="spec")
    out = fmt.render([], [{"name": "z<a>&'", "description": "d", "parameters": {"b": 1, "a": 2}}])
    assert out == '[{"name": "z<a>&\'", "description": "d", "parameters": {"b": 1, "a": 2}}]'


def test_openai_tool_style_and_variables() -> None:
    fmt = formats.from_chat_template(
        "{{ bos_token }}{% for t in tools %}{{ t.type }}:{{ t.function.name }}{% endfor %}",
        bos_token="<s>",
    )
    assert fmt.render([], [{"name": "f", "description": "", "parameters": {}}]) == "<s>function:f"


def test_raise_exception_is_a_format_error() -> None:
    fmt = formats.from_chat_template("{{ raise_exception('Only user and assistant roles') }}")
    with pytest.raises(FormatError, match="Only user and assistant roles"):
        fmt.render([{"role": "user", "content": "x"}])


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('echo pwned') }}",
        "{{ messages.__class__.__init__.__globals__ }}",
        "{% set x = messages.append(1) %}{{ x }}",
        "{{ (1).__class__.__base__.__subclasses__() }}",
    ],
)
def test_malicious_templates_are_stopped(template: str) -> None:
    fmt = formats.from_chat_template(template)
    with pytest.raises(FormatError, match=r"unsafe|failed"):
        fmt.render([{"role": "user", "content": "x"}])


def test_broken_template_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="does not compile"):
        formats.from_chat_template("{% for %}")


SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
    "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@pytest.mark.parametrize(
    ("info", "name"),
    [
        (ModelInfo(chat_template=SMOLLM2_TEMPLATE), "xlam2-qwen"),
        (ModelInfo(), "xlam2-qwen"),
        (ModelInfo(eos_token="<|eot_id|>", bos_token="<|begin_of_text|>"), "xlam2-llama"),
        (ModelInfo(chat_template="{{'### Instruction:\\n' + m}}"), "xlam1-fc"),
        (ModelInfo(eos_token="<|EOT|>"), "xlam1-fc"),
        (ModelInfo(chat_template="{{ '[INST] ' + m + ' [/INST]' }}"), "xlam1"),
        (ModelInfo(chat_template=XLAM2_TEMPLATE), "xlam2-qwen+template"),
    ],
)
def test_detect(info: ModelInfo, name: str) -> None:
    assert formats.detect(info).name == name


def test_detected_template_family_for_llama_headers() -> None:
    tpl = "<|start_header_id|>{% for t in tools %}{{ t.function.name }}{% endfor %}"
    fmt = formats.detect(ModelInfo(chat_template=tpl))
    assert fmt.name == "xlam2-llama+template" and fmt.stop[0] == "<|eot_id|>"


EMPTY_CALLS_AND_RECORDS = [
    {"role": "user", "content": "Anything to do?"},
    {"role": "assistant", "content": None, "tool_calls": []},
    {"role": "user", "content": "Look it up."},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "get_time", "arguments": {}}}],
    },
    {"role": "tool", "content": {"content": "12:00", "status": "ok", "id": 7}},
    {"role": "tool", "content": {"content": {"temp": 15}, "status": "ok"}},
    {"role": "assistant", "content": "It is noon.", "tool_calls": []},
]


def test_empty_call_list_and_result_records_match_the_template() -> None:
    template = formats.from_chat_template(XLAM2_TEMPLATE)
    builtin = formats.get("xlam2-qwen")
    got = builtin.render(EMPTY_CALLS_AND_RECORDS, TOOLS_OPENAI)
    assert got == template.render(EMPTY_CALLS_AND_RECORDS, TOOLS_OPENAI)
    assert "<|im_start|>assistant\n[]<|im_end|>" in got
    assert "<|im_start|>tool\n12:00<|im_end|>" in got and "status" not in got
    assert '<|im_start|>tool\n{"temp": 15}<|im_end|>' in got
    assert "<|im_start|>assistant\nIt is noon.<|im_end|>" in got


def test_tool_calls_key_reaches_the_template() -> None:
    show = formats.from_chat_template(
        "{% for m in messages %}{{ m.role }}:{{ m.tool_calls is defined }};{% endfor %}"
    )
    out = show.render(
        [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "hi", "tool_calls": []},
            {"role": "assistant", "content": "hi"},
            {"role": "assistant", "content": None},  # no text, no calls: an empty call list
        ]
    )
    assert out == "user:False;assistant:True;assistant:False;assistant:True;"


def test_an_empty_call_list_round_trips_through_every_xlam2_rendering() -> None:
    for fmt in (formats.get("xlam2-qwen"), formats.from_chat_template(XLAM2_TEMPLATE)):
        turn = fmt.parse("[]")
        assert turn.answer == "" and turn.calls == [] and turn.error is None
        assert fmt.render_assistant(turn) == "[]"
        prompt = fmt.render([{"role": "user", "content": "q"}])
        full = fmt.render(
            [{"role": "user", "content": "q"}, turn.to_message()], add_generation_prompt=False
        )
        assert full == prompt + "[]" + fmt.end_of_turn
