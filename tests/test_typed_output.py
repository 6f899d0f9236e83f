"""`Agent(output_type=...)`: the final answer as a validated value, retried on failure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel, field_validator
from typing_extensions import TypedDict

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.errors import ConfigError
from lamagent.output import OutputType
from lamagent.trajectory import open_store


class Person(BaseModel):
    name: str
    age: int


@dataclass
class City:
    name: str
    population: int


class Weather(TypedDict):
    city: str
    celsius: float


@tool
def birth_year(name: str) -> int:
    """The year a person was born."""
    return {"Ada Lovelace": 1815}.get(name, 0)


ADA = '{"name": "Ada Lovelace", "age": 36}'


def constrained(outputs: list[str]) -> ScriptedBackend:
    """A backend that checks every output against the constraint it was given."""
    return ScriptedBackend(outputs, supports_constraint=True)


def test_without_tools_the_first_turn_is_constrained_to_the_type() -> None:
    backend = constrained([ADA])
    result = Agent(backend, output_type=Person).run("Ada Lovelace was 36.")
    assert result.outcome == "answer"
    assert result.output == Person(name="Ada Lovelace", age=36)
    assert result.answer == ADA
    constraint = backend.requests[0][1].constraint
    assert constraint is not None and not constraint.allow_text
    assert constraint.json_schema == OutputType(Person).schema
    step = result.trajectory.steps[0]
    assert step.output == {"name": "Ada Lovelace", "age": 36}  # the parsed value, as JSON
    assert step.raw_output == ADA  # and the raw text
    assert result.trajectory.metadata["output_type"]["name"] == "Person"


class CheckedPerson(BaseModel):
    """A type whose validation goes beyond its schema (what a grammar cannot enforce)."""

    name: str
    age: int

    @field_validator("age")
    @classmethod
    def plausible(cls, age: int) -> int:
        if not 0 <= age <= 150:
            raise ValueError(f"an age of {age} is not plausible")
        return age


def test_validation_error_is_fed_back_and_retried() -> None:
    backend = constrained(['{"name": "Ada Lovelace", "age": 360}', ADA])
    result = Agent(backend, output_type=CheckedPerson).run("Ada Lovelace was 36.")
    assert result.output == CheckedPerson(name="Ada Lovelace", age=36)
    first, second = result.trajectory.steps
    assert first.parse_error is not None and "not plausible" in first.parse_error
    assert first.output is None
    assert "not plausible" in str(first.observation) and '"required"' in str(first.observation)
    assert '"age": 360' in backend.requests[1][0]  # the model saw its own answer...
    assert "does not match the required type" in backend.requests[1][0]  # ...and the error
    assert backend.requests[1][1].constraint == OutputType(CheckedPerson).constraint
    assert second.output == {"name": "Ada Lovelace", "age": 36}


def test_retries_stop_at_max_retries() -> None:
    backend = constrained(['{"name": "Ada", "age": 999}'] * 2)
    result = Agent(backend, output_type=CheckedPerson, max_retries=2).run("Ada was 36.")
    assert result.outcome == "max_retries"
    assert result.output is None
    assert len(result.trajectory.steps) == 2


def test_with_tools_a_text_answer_is_asked_again_as_json_under_the_constraint() -> None:
    fmt_calls = ScriptedBackend.calls(
        [[ToolCall(name="birth_year", arguments={"name": "Ada Lovelace"})], "She was born 1815."]
    )
    outputs = [*fmt_calls._outputs, '{"name": "Ada Lovelace", "age": 36}']  # type: ignore[misc]
    backend = constrained(outputs)
    result = Agent(backend, tools=[birth_year], output_type=Person).run("Who, how old?")
    assert result.output == Person(name="Ada Lovelace", age=36)
    calls_step, text_step, json_step = result.trajectory.steps
    assert calls_step.calls[0].result == 1815
    assert text_step.answer == "She was born 1815." and text_step.output is None
    assert text_step.nudge is not None and "JSON Schema" in text_step.nudge
    assert not text_step.parse_error  # asking for JSON is not a failure
    call_grammar = backend.requests[1][1].constraint
    output_grammar = backend.requests[2][1].constraint
    assert call_grammar is not None and call_grammar.allow_text  # text or calls
    assert output_grammar == OutputType(Person).constraint
    assert json_step.output == {"name": "Ada Lovelace", "age": 36}


def test_unconstrained_backend_still_validates_and_retries() -> None:
    backend = ScriptedBackend(
        ["Ada was thirty-six.", '{"name": "Ada"}', "```json\n" + ADA + "\n```"]
    )
    result = Agent(backend, output_type=Person).run("Ada Lovelace was 36.")
    assert result.output == Person(name="Ada Lovelace", age=36)
    assert all(params.constraint is None for _, params in backend.requests)
    asked, wrong, right = result.trajectory.steps
    assert asked.nudge is not None
    assert wrong.parse_error is not None and "age" in wrong.parse_error
    assert right.output == {"name": "Ada Lovelace", "age": 36}


def test_a_text_answer_that_already_validates_ends_the_run() -> None:
    result = Agent(ScriptedBackend(["36"]), output_type=int).run("How old was Ada?")
    assert result.output == 36 and len(result.trajectory.steps) == 1
    result = Agent(ScriptedBackend(["Paris"]), output_type=str).run("Capital of France?")
    assert result.output == "Paris"


@pytest.mark.parametrize(
    ("output_type", "text", "expected"),
    [
        (City, '{"name": "Lyon", "population": 522000}', City("Lyon", 522000)),
        (Weather, '{"city": "Oslo", "celsius": -3.5}', {"city": "Oslo", "celsius": -3.5}),
        (list[int], "[1, 2, 3]", [1, 2, 3]),
    ],
)
def test_dataclass_typeddict_and_plain_types(
    output_type: object, text: str, expected: object
) -> None:
    backend = constrained([text])
    result = Agent(backend, output_type=output_type).run("go")
    assert result.output == expected
    assert result.trajectory.steps[0].output == json.loads(text)


def test_the_parsed_value_is_stored(tmp_path: Path) -> None:
    store = open_store(tmp_path / "t.db")
    result = Agent(constrained([ADA]), output_type=Person, store=store).run("Ada was 36.")
    stored = store.get(result.trajectory.unique_trajectory_id)
    assert stored is not None
    assert stored.steps[0].output == {"name": "Ada Lovelace", "age": 36}
    assert stored.answer == ADA
    assert stored.metadata["output_type"]["schema"]["required"] == ["name", "age"]
    store.close()


def test_a_type_without_json_schema_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="output_type"):
        Agent(ScriptedBackend([]), output_type=object())


def test_plain_text_runs_have_no_output() -> None:
    result = Agent(ScriptedBackend(["hello"])).run("hi")
    assert result.output is None and result.trajectory.steps[0].output is None


def test_on_a_chat_backend_it_validates_and_retries() -> None:
    from lamagent.backends.scripted_chat import ScriptedChatBackend

    backend = ScriptedChatBackend(
        [
            [ToolCall(name="birth_year", arguments={"name": "Ada Lovelace"})],
            "She was born in 1815 and died at 36.",
            '{"name": "Ada Lovelace", "age": 360}',
            '{"name": "Ada Lovelace", "age": 36}',
        ]
    )
    agent = Agent(backend, tools=[birth_year], output_type=CheckedPerson)
    result = agent.run("Who was she, and how old?")
    assert result.output == CheckedPerson(name="Ada Lovelace", age=36)
    called, asked, wrong, right = result.trajectory.steps
    assert called.calls[0].result == 1815
    assert asked.nudge is not None
    assert wrong.parse_error is not None and "not plausible" in wrong.parse_error
    last_messages = backend.requests[-1][0]
    assert "not plausible" in str(last_messages[-1].content)  # the model read the error
    assert right.output == {"name": "Ada Lovelace", "age": 36}


def test_json_written_at_once_is_taken_as_the_answer() -> None:
    # unconstrained, with tools: the model answers JSON right away (it reads as malformed calls)
    backend = ScriptedBackend([ADA])
    result = Agent(backend, tools=[birth_year], output_type=Person).run("Ada was 36.")
    assert result.output == Person(name="Ada Lovelace", age=36)
    step = result.trajectory.steps[0]
    assert step.parse_error is None and step.output == {"name": "Ada Lovelace", "age": 36}
    assert len(result.trajectory.steps) == 1
