"""The agent loop on the scripted backend: answers, calls, errors as observations, limits."""

from __future__ import annotations

import json

import anyio
import pytest

from lamagent import Agent, Message, ScriptedBackend, ToolCall, tool
from lamagent.backends import Constraint
from lamagent.errors import BackendError, ConstraintError, ModelLoadError


@tool
def get_weather(city: str, unit: str = "celsius") -> dict:
    """Current weather for a city.

    Args:
        city: the city name
        unit: celsius or fahrenheit
    """
    return {"city": city, "temperature": 21, "unit": unit}


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def test_plain_answer_ends_the_run_in_one_step() -> None:
    agent = Agent(ScriptedBackend.calls(["Hello! How can I help?"]), tools=[get_weather])
    result = agent.run("hi")
    assert result.outcome == "answer" and result.ok
    assert result.answer == "Hello! How can I help?"
    assert result.steps == 1
    assert [m.role for m in result.messages] == ["user", "assistant"]
    assert result.trajectory.steps[0].answer == "Hello! How can I help?"
    assert result.trajectory.outcome == "answer"


def test_call_then_answer_records_calls_and_observations() -> None:
    backend = ScriptedBackend.calls([[call("get_weather", city="Paris")], "It is 21 C in Paris."])
    result = Agent(backend, tools=[get_weather]).run("Weather in Paris?")
    assert result.answer == "It is 21 C in Paris."
    first = result.trajectory.steps[0]
    assert first.tool_calls == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert first.next_observation == [{"city": "Paris", "temperature": 21, "unit": "celsius"}]
    assert [m.role for m in result.messages] == ["user", "assistant", "tool", "assistant"]
    # the second prompt shows the model its call and the tool's result
    second_prompt = backend.requests[1][0]
    assert '"temperature": 21' in second_prompt
    assert result.usage.requests == 2
    assert set(result.timings) == {"generate", "execute", "total"}


def test_results_come_back_in_call_order() -> None:
    calls = [call("add", a=i, b=100) for i in range(6)]
    backend = ScriptedBackend.calls([calls, "done"])
    result = Agent(backend, tools=[add]).run("sums")
    assert result.trajectory.steps[0].next_observation == [100, 101, 102, 103, 104, 105]
    tool_messages = [m for m in result.messages if m.role == "tool"]
    assert [m.content for m in tool_messages] == [100, 101, 102, 103, 104, 105]
    assert [m.tool_call_id for m in tool_messages] == [c.id for c in result.messages[1].tool_calls]


def test_verification_error_is_an_observation_and_valid_calls_still_run() -> None:
    backend = ScriptedBackend.calls(
        [[call("get_weather", city="Rome"), call("get_wether", city="Oslo")], "ok"]
    )
    result = Agent(backend, tools=[get_weather]).run("weather")
    step = result.trajectory.steps[0]
    assert step.next_observation[0]["city"] == "Rome"
    assert "error" in step.next_observation[1]
    assert "get_wether" in step.next_observation[1]["error"]
    assert [e.kind for e in step.call_errors] == ["unknown_tool"]
    # the invalid call is recorded as the model wrote it
    assert step.tool_calls[1] == {"name": "get_wether", "arguments": {"city": "Oslo"}}
    assert "get_wether" in backend.requests[1][0]
    assert result.outcome == "answer"


def test_coercion_repairs_are_recorded_with_the_coerced_call() -> None:
    backend = ScriptedBackend.calls([[call("add", a="2", b=3)], "5"])
    step = Agent(backend, tools=[add]).run("2+3").trajectory.steps[0]
    assert step.tool_calls == [{"name": "add", "arguments": {"a": 2, "b": 3}}]
    assert step.next_observation == [5]
    assert step.repairs and step.repairs[0].argument == "a"


def test_parse_error_goes_back_to_the_model_with_the_expected_format() -> None:
    backend = ScriptedBackend(['[{"name": "add", "arguments": {"a": 1', "Sorry, 3."])
    result = Agent(backend, tools=[add]).run("1+2")
    step = result.trajectory.steps[0]
    assert step.parse_error
    assert isinstance(step.next_observation, str)
    assert "could not be read" in step.next_observation
    assert '"name": "tool_name"' in step.next_observation
    assert result.messages[2] == Message.user(step.next_observation)
    assert result.outcome == "answer" and result.answer == "Sorry, 3."


def test_max_retries_stops_after_consecutive_failing_turns() -> None:
    bad = [call("nope")]
    backend = ScriptedBackend.calls([bad, bad, bad, "never reached"])
    result = Agent(backend, tools=[add], max_retries=3).run("x")
    assert result.outcome == "max_retries"
    assert result.steps == 3
    assert "3 turns in a row" in (result.error or "")
    assert "nope" in (result.error or "")
    assert result.trajectory.outcome == "max_retries"


def test_a_good_turn_resets_the_retry_count() -> None:
    bad, good = [call("nope")], [call("add", a=1, b=1)]
    backend = ScriptedBackend.calls([bad, good, bad, good, bad, "fine"])
    result = Agent(backend, tools=[add], max_retries=2).run("x")
    assert result.outcome == "answer"
    assert result.steps == 6


def test_max_steps_stops_a_model_that_never_answers() -> None:
    backend = ScriptedBackend.calls([[call("add", a=i, b=0)] for i in range(5)])
    result = Agent(backend, tools=[add], max_steps=3).run("loop")
    assert result.outcome == "max_steps"
    assert result.steps == 3
    assert result.answer is None
    assert len(result.trajectory.steps) == 3


def test_max_total_tokens_stops_the_run() -> None:
    backend = ScriptedBackend.calls([[call("add", a=i, b=0)] for i in range(5)])
    result = Agent(backend, tools=[add], max_total_tokens=300).run("loop")
    assert result.outcome == "max_tokens"
    assert result.usage.total_tokens >= 300
    assert result.steps < 5


def test_max_wall_time_stops_a_slow_run_and_keeps_the_partial_step() -> None:
    slow = ScriptedBackend(["a b c d e f g h i j k l"], delay=0.1)
    result = Agent(slow, tools=[add], max_wall_time=0.35).run("x")
    assert result.outcome == "timeout"
    assert "max_wall_time" in (result.error or "")
    assert len(result.trajectory.steps) == 1
    partial = result.trajectory.steps[0].raw_output
    assert partial and "a b" in partial and "l" not in partial


def test_backend_exception_becomes_outcome_error_with_the_trajectory() -> None:
    backend = ScriptedBackend.calls([[call("add", a=1, b=2)], BackendError("server went away")])
    result = Agent(backend, tools=[add]).run("x")
    assert result.outcome == "error"
    assert "server went away" in (result.error or "")
    assert result.trajectory.steps[0].next_observation == [3]
    assert len(result.trajectory.steps) == 2  # the failed generation is recorded too


def test_system_prompt_and_history_are_rendered_and_recorded() -> None:
    backend = ScriptedBackend.calls(["Your name is Ada."])
    history = [{"role": "user", "content": "I am Ada."}, {"role": "assistant", "content": "Hi!"}]
    result = Agent(backend, system_prompt="Be brief.").run("Who am I?", history=history)
    prompt = backend.requests[0][0]
    assert "Be brief." in prompt and "I am Ada." in prompt
    assert [m.role for m in result.messages] == ["system", "user", "assistant", "user", "assistant"]
    assert result.trajectory.task_instruction == "Be brief."
    assert result.trajectory.metadata["history"][0]["content"] == "I am Ada."


def test_generation_params_come_from_the_agent_and_format() -> None:
    backend = ScriptedBackend.calls(["ok"])
    Agent(backend, max_tokens=77, temperature=0.5, seed=7).run("x")
    params = backend.requests[0][1]
    assert params.max_tokens == 77 and params.temperature == 0.5 and params.seed == 7
    assert "<|im_end|>" in params.stop
    assert params.constraint is None


def test_constrained_true_needs_a_backend_that_supports_it() -> None:
    with pytest.raises(ConstraintError, match="does not support constrained decoding"):
        Agent(ScriptedBackend(["x"]), tools=[add], constrained=True)


def test_auto_constraint_is_passed_when_the_backend_supports_it() -> None:
    backend = ScriptedBackend.calls([[call("add", a=1, b=2)], "3"], supports_constraint=True)
    result = Agent(backend, tools=[add], max_calls_per_turn=4).run("1+2")
    assert result.answer == "3"
    constraint = backend.requests[0][1].constraint
    assert isinstance(constraint, Constraint)
    assert constraint.allow_text is True
    assert constraint.json_schema is not None
    assert json.dumps(constraint.json_schema).count('"add"') >= 1
    assert constraint is backend.requests[1][1].constraint  # built once, reused


def test_constrained_false_never_passes_a_constraint() -> None:
    backend = ScriptedBackend.calls(["3"], supports_constraint=True)
    Agent(backend, tools=[add], constrained=False).run("1+2")
    assert backend.requests[0][1].constraint is None


def test_model_spec_is_loaded_lazily_on_first_run() -> None:
    agent = Agent("/definitely/not/here.gguf", tools=[add])
    assert agent._ctx is None
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        agent.run("x")


def test_run_many_keeps_query_order() -> None:
    backend = ScriptedBackend(lambda prompt: "echo " + prompt.rsplit("user\n", 1)[1].split("<")[0])
    results = Agent(backend).run_many([f"q{i}" for i in range(7)], concurrency=3)
    assert [r.answer for r in results] == [f"echo q{i}" for i in range(7)]


def test_arun_works_inside_an_event_loop_and_run_refuses() -> None:
    agent = Agent(ScriptedBackend.calls(["a", "b"]))

    async def main() -> str | None:
        with pytest.raises(Exception, match="inside an event loop"):
            agent.run("x")
        return (await agent.arun("x")).answer

    assert anyio.run(main) == "a"


def test_forced_tool_choice_resets_to_auto_after_the_first_call() -> None:
    from lamagent import Agent, ScriptedBackend, ToolCall, tool

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        return f"{city}: 14 C"

    backend = ScriptedBackend.calls(
        [[ToolCall(name="lookup", arguments={"city": "Oslo"})], "It is 14 C in Oslo."],
        supports_constraint=True,
    )
    agent = Agent(backend, tools=[lookup], constrained=True, tool_choice="required")
    result = agent.run("Weather in Oslo?")
    assert result.outcome == "answer"
    first, second = (params.constraint for _, params in backend.requests)
    assert first is not None and not first.allow_text  # required: calls only
    assert second is not None and second.allow_text  # reset: text or calls

    kept = ScriptedBackend.calls(
        [[ToolCall(name="lookup", arguments={"city": "Oslo"})]] * 2, supports_constraint=True
    )
    agent = Agent(kept, tools=[lookup], constrained=True, tool_choice="required",
                  reset_tool_choice=False, max_steps=2)  # fmt: skip
    assert agent.run("Weather in Oslo?").outcome == "max_steps"
    assert all(not p.constraint.allow_text for _, p in kept.requests if p.constraint)
