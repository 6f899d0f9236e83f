"""The turn source: one contract between the loop and a model, for prompt and chat backends.

These tests use the scripted doubles (they test the loop and the evaluation, not the engines;
the engines run the same paths in tests/test_backend_*.py and tests/test_eval_server.py).
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from lamagent import Agent, tool
from lamagent.backends.scripted import ScriptedBackend
from lamagent.backends.scripted_chat import ScriptedChatBackend
from lamagent.errors import BackendError, ConfigError, ConstraintError
from lamagent.eval import evaluate_bfcl
from lamagent.eval.bfcl_data import BFCLCase
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.turns import ChatTurns, PromptTurns, TurnRequest, turn_source


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temperature_c": 21}


def test_each_backend_kind_resolves_to_its_turn_source() -> None:
    prompt = turn_source(ScriptedBackend(["hi"]))
    chat = turn_source(ScriptedChatBackend(["hi"]))
    assert isinstance(prompt, PromptTurns) and isinstance(chat, ChatTurns)
    assert prompt.format.name == chat.format.name == "xlam2-qwen"  # detected
    assert turn_source(ScriptedBackend(["hi"]), "xlam1-fc").format.name == "xlam1-fc"
    with pytest.raises(ConfigError, match="neither a Backend"):
        turn_source(object())  # type: ignore[arg-type]


def test_prompt_turns_render_constrain_and_parse() -> None:
    backend = ScriptedBackend.calls([[ToolCall(name="get_weather", arguments={"city": "Oslo"})]],
                                    supports_constraint=True)  # fmt: skip
    source = turn_source(backend)
    request = TurnRequest(
        messages=[Message.user("Weather in Oslo?")],
        tools=[get_weather],
        params=GenerationParams(max_tokens=64),
        tool_choice="required",
        constrained=True,
        max_calls=2,
    )
    pieces: list[str] = []
    model_turn = anyio.run(lambda: source.next_turn(request, on_raw=pieces.append))
    assert [c.name for c in model_turn.turn.calls] == ["get_weather"]
    assert "".join(pieces) == model_turn.generation.text
    prompt, params = backend.requests[0]
    assert prompt == model_turn.prompt == source.format.render(request.messages, [get_weather])
    assert params.constraint is not None and not params.constraint.allow_text  # calls only
    assert params.stop == list(source.format.stop) and params.max_tokens == 64
    # The grammar for the same tools is built once.
    assert source.constraint([get_weather], "required", 2) is params.constraint


def test_chat_turns_send_messages_and_tools_and_take_the_servers_calls() -> None:
    backend = ScriptedChatBackend(
        [[ToolCall(name="get_weather", arguments={"city": "Oslo"})], "It is 21 C in Oslo."]
    )
    result = Agent(backend, tools=[get_weather], tool_choice="required").run("Weather in Oslo?")
    assert result.answer == "It is 21 C in Oslo."
    first_messages, tools, choice = backend.requests[0]
    assert [m.role for m in first_messages] == ["user"]
    assert tools[0]["name"] == "get_weather" and choice == "required"
    # After the first call a forced choice falls back to auto, as on prompt backends.
    second_messages, _, choice = backend.requests[1]
    assert choice == "auto"
    assert [m.role for m in second_messages] == ["user", "assistant", "tool"]
    assert second_messages[-1].content == {"city": "Oslo", "temperature_c": 21}
    step = result.trajectory.steps[0]
    assert step.tool_calls[0]["arguments"] == {"city": "Oslo"}


def test_a_chat_reply_with_calls_as_text_is_read_by_the_format() -> None:
    # A server without a tool parser returns the model's call list as plain content.
    backend = ScriptedChatBackend(
        ['[{"name": "get_weather", "arguments": {"city": "Rome"}}]', "Sunny."]
    )
    result = Agent(backend, tools=[get_weather]).run("Weather in Rome?")
    assert result.answer == "Sunny."
    assert result.trajectory.steps[0].tool_calls[0]["arguments"] == {"city": "Rome"}


def test_chat_turns_stream_their_answer_once() -> None:
    backend = ScriptedChatBackend(["Hello there."])
    events = list(Agent(backend).stream("Hi"))
    texts = [e.text for e in events if type(e).__name__ == "TextDelta"]
    assert texts == ["Hello there."]


def test_a_grammar_cannot_be_forced_on_a_chat_backend() -> None:
    with pytest.raises(ConstraintError):
        Agent(ScriptedChatBackend([]), tools=[get_weather], constrained=True)
    # "auto" constrains where it can: a chat backend runs unconstrained.
    assert Agent(ScriptedChatBackend(["ok"]), tools=[get_weather]).run("x").answer == "ok"


def test_a_chat_backend_failure_ends_the_run_as_an_error() -> None:
    backend = ScriptedChatBackend([BackendError("server down")])
    result = Agent(backend, tools=[get_weather]).run("x")
    assert result.outcome == "error" and "server down" in (result.error or "")


def test_the_evaluation_runs_a_chat_backend() -> None:
    record = {
        "id": "simple_0",
        "question": [[{"role": "user", "content": "Weather in Oslo?"}]],
        "function": [get_weather.spec()],
    }
    case = BFCLCase("simple_0", "simple_python", record, [{"get_weather": {"city": ["Oslo"]}}])
    backend = ScriptedChatBackend([[ToolCall(name="get_weather", arguments={"city": "Oslo"})]])
    report = evaluate_bfcl(backend, [case], progress=False)
    assert report.overall == 1.0
    assert backend.requests[0][1][0]["name"] == "get_weather"


def test_settings_are_objects_and_shorthands_map_onto_them() -> None:
    from lamagent.settings import Limits

    agent = Agent(ScriptedBackend(["x"]), limits=Limits(max_steps=2), max_tokens=7, tool_timeout=3)
    assert agent.limits.max_steps == 2
    assert agent.generation.max_tokens == 7
    assert agent.policy.timeout == 3
    with pytest.raises(ConfigError, match="unknown setting 'max_step'"):
        Agent(ScriptedBackend(["x"]), max_step=2)
    with pytest.raises(ConfigError, match="max_steps"):
        Agent(ScriptedBackend(["x"]), max_steps=0)
    with pytest.raises(ValueError):  # ConfigError is a ValueError
        Agent(ScriptedBackend(["x"]), max_concurrency=0)


def test_a_chat_server_that_ignores_a_required_call_is_an_error_not_an_answer() -> None:
    backend = ScriptedChatBackend(["The weather in Oslo is mild."])
    result = Agent(backend, tools=[get_weather], tool_choice="required").run("Weather in Oslo?")
    assert result.outcome == "error" and result.answer is None
    assert "ConstraintError" in (result.error or "") and "tool_choice" in (result.error or "")
    # with tool_choice="auto" the same reply is an answer
    auto = Agent(ScriptedChatBackend(["The weather in Oslo is mild."]), tools=[get_weather])
    assert auto.run("Weather in Oslo?").answer == "The weather in Oslo is mild."
