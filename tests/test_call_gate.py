"""The call gate: auto turns draft a call list, keep it when grounded, else answer in text.

Deterministic tests on the scripted backend (the draft and the answer are scripted in order,
and each request's constraint is checked), plus one test on the embedded GGUF model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from typer.testing import CliRunner

from lamagent import Agent, tool
from lamagent.backends.scripted import ScriptedBackend
from lamagent.backends.scripted_chat import ScriptedChatBackend
from lamagent.cli import app
from lamagent.errors import ConfigError
from lamagent.eval import evaluate_bfcl
from lamagent.eval.bfcl_data import load_bfcl
from lamagent.gate import CallGate, GatedModelTurn, GatedTurns, GateSignals, gated, measure
from lamagent.gate.calibration import GateSample, fit, load_samples, save_samples
from lamagent.generation import GenerationParams
from lamagent.messages import Message, ToolCall
from lamagent.tools import Tool
from lamagent.trajectory import Step
from lamagent.turns import ModelTurn, TurnRequest, turn_source

BFCL = Path(__file__).parent / "data" / "bfcl"


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temperature_c": 21}


def _weather(city: str) -> list[ToolCall]:
    return [ToolCall(name="get_weather", arguments={"city": city})]


def _turn(
    backend: ScriptedBackend,
    messages: list[Message],
    choice: str = "auto",
    constrained: bool = True,
) -> ModelTurn:
    source = gated(turn_source(backend), CallGate())
    request = TurnRequest(
        messages=messages,
        tools=[get_weather],
        params=GenerationParams(max_tokens=64),
        tool_choice=choice,
        constrained=constrained,
    )
    return anyio.run(lambda: source.next_turn(request))


# -- signals --------------------------------------------------------------------------------


def test_grounding_counts_values_found_in_the_users_words_after_normalisation() -> None:
    said = [Message.user("What's the weather in Tel-Aviv on 2024-05-01, 5 days?")]
    assert measure(_weather("tel aviv"), said, [get_weather]).grounding == 1.0
    assert measure(_weather("Taliban"), said, [get_weather]).grounding == 0.0
    dated = [ToolCall(name="get_weather", arguments={"city": "20240501", "days": 5.0})]
    assert measure(dated, said, [get_weather]).grounding == 1.0  # a digit run; 5.0 reads "5"
    half = measure(_weather("Tel Haifa"), said, [get_weather]).grounding
    assert half == pytest.approx(0.5)  # a value scores by the share of its words found
    # a word counts singular or plural: the option "hearts" of "a heart card" is the user's
    # (BFCL simple_python_341), "Tel Avivs" of "Tel-Aviv" too
    cards = [Message.user("The odds of drawing a heart card from the decks?")]
    assert measure(_weather("hearts"), cards, [get_weather]).grounding == 1.0
    assert measure(_weather("deck"), cards, [get_weather]).grounding == 1.0
    assert measure(_weather("Tel Avivs"), said, [get_weather]).grounding == 1.0


def test_observations_ground_values_and_a_repeated_call_is_flagged() -> None:
    history = [
        Message.user("Is it warmer where my office is?"),
        Message.assistant(None, _weather("Oslo")),
        Message.tool({"office": "Bergen"}, tool_call_id="c1", name="get_weather"),
    ]
    assert measure(_weather("Bergen"), history, [get_weather]).grounding == 1.0
    assert measure(_weather("Oslo"), history, [get_weather]).repeated
    assert not measure(_weather("Bergen"), history, [get_weather]).repeated


def _convert(value: Any, unit: str) -> list[ToolCall]:
    return [ToolCall(name="convert", arguments={"value": value, "to_unit": unit}, id="c1")]


def test_a_repeat_is_the_same_values_in_another_form_since_the_users_last_message() -> None:
    convert = Tool.from_spec(
        {
            "name": "convert",
            "description": "Convert a value.",
            "parameters": {
                "type": "object",
                "properties": {"value": {"type": "number"}, "to_unit": {"type": "string"}},
            },
        }
    )

    def after(result: Any, *, asked_again: bool = False) -> list[Message]:
        history = [
            Message.user("Convert 68 F to Celsius"),
            Message.assistant(None, _convert(68, "c")),
            Message.tool(result, tool_call_id="c1", name="convert"),
        ]
        return [*history, Message.user("And now?")] if asked_again else history

    def repeated(draft: list[ToolCall], history: list[Message], tool: Tool = convert) -> bool:
        return measure(draft, history, [tool]).repeated

    done = {"result": 20.0}
    assert repeated(_convert(68.0, "c"), after(done))  # 68 and 68.0 are one number
    assert repeated(_convert(68, " C"), after(done))  # the same unit, written otherwise
    assert not repeated(_convert(69, "c"), after(done))
    assert not repeated(_convert(68, "c"), after(done, asked_again=True))  # the user asked again
    # after an error only the same call exactly is a repeat: another spelling is a retry
    failed = {"error": "ValueError: unknown unit 'c'"}
    assert not repeated(_convert(68, "C"), after(failed))
    assert repeated(_convert(68, "c"), after(failed))
    assert not repeated(_convert(68, "C"), after(json.dumps(failed)))  # the error as JSON text
    # an argument left out is the default the schema gives it
    defaulted = Tool.from_spec(convert.spec())
    defaulted.parameters["properties"]["to_unit"]["default"] = "c"
    assert repeated([ToolCall(name="convert", arguments={"value": 68})], after(done), defaulted)
    assert not repeated([ToolCall(name="convert", arguments={"value": 68})], after(done))
    # a tool whose result may change repeats only the latest call list: a call since may
    # have changed it (a listing after a `cd`)
    changing = Tool.from_spec(convert.spec())
    changing.allow_duplicates = True
    assert repeated(_convert(68, "c"), after(done), changing)
    other = [ToolCall(name="convert", arguments={"value": 1, "to_unit": "c"}, id="c2")]
    later = [*after(done), Message.assistant(None, other), Message.tool(done, tool_call_id="c2")]
    assert not repeated(_convert(68, "c"), later, changing)
    assert repeated(_convert(68, "c"), later)  # a tool that always gives the same result


def test_a_call_that_gives_a_tool_its_own_answer_back_repeats_it() -> None:
    local_time = Tool.from_spec(
        {
            "name": "local_time",
            "description": "The current local time in a time zone.",
            "parameters": {
                "type": "object",
                "properties": {"timezone": {"type": "string"}, "page": {"type": "string"}},
            },
        }
    )

    def after(result: Any, query: str = "What time is it in Tokyo?") -> list[Message]:
        first = ToolCall(name="local_time", arguments={"timezone": "Asia/Tokyo"}, id="c1")
        return [
            Message.user(query),
            Message.assistant(None, [first]),
            Message.tool(result, tool_call_id="c1", name="local_time"),
        ]

    def repeated(
        arguments: dict[str, Any], history: list[Message], tool: Tool = local_time
    ) -> bool:
        return measure([ToolCall(name="local_time", arguments=arguments)], history, [tool]).repeated

    told = "2026-12-05 08:38:20 JST (UTC+0900), Saturday; next page: p2"
    # the embedded model's draft after the demo's first call: the result's zone, as asked
    assert repeated({"timezone": "UTC+0900"}, after(told))
    assert repeated({"timezone": "utc+0900 "}, after(told))  # case and spaces aside
    # a value the result does not write, or the user wrote too, is another question
    assert not repeated({"timezone": "Europe/Paris"}, after(told))
    assert not repeated({"timezone": "UTC+0900"}, after(told, "Tokyo time, UTC+0900?"))
    # an argument the first call did not give takes what the result handed over
    assert not repeated({"timezone": "Asia/Tokyo", "page": "p2"}, after(told))
    # after an error the result's words are a correction; a tool whose result may change
    # may take its own output
    failed = {"error": "unknown time zone 'Tokio': use an IANA name such as 'Asia/Tokyo'"}
    assert not repeated({"timezone": "asia/tokyo "}, after(failed, "Time in Tokio?"))
    changing = Tool.from_spec(local_time.spec())
    changing.allow_duplicates = True
    assert not repeated({"timezone": "UTC+0900"}, after(told), changing)


def test_tool_match_and_argument_names_measure_what_the_query_asks_for() -> None:
    area = Tool.from_spec(
        {
            "name": "calculate_triangle_area",
            "description": "Calculate the area of a triangle.",
            "parameters": {
                "type": "dict",
                "properties": {"base": {"type": "integer"}, "height": {"type": "integer"}},
            },
        }
    )
    bmi = Tool.from_spec(
        {
            "name": "determine_body_mass_index",
            "description": "Calculate body mass index given weight and height.",
            "parameters": {
                "type": "dict",
                "properties": {"weight": {"type": "float"}, "height": {"type": "float"}},
            },
        }
    )
    said = [Message.user("Calculate the area of a triangle with base 10 meters and height 5.")]
    right = measure([ToolCall(name=area.name, arguments={"base": 10, "height": 5})], said, [area])
    wrong = measure([ToolCall(name=bmi.name, arguments={"weight": 10, "height": 5})], said, [bmi])
    assert right.grounding == wrong.grounding == 1.0  # the numbers alone cannot tell
    assert right.argument_names == 1.0 and wrong.argument_names == 0.5
    assert right.tool_match is not None and wrong.tool_match is not None
    assert right.tool_match > 0.6 > 0.4 > wrong.tool_match


def test_how_many_and_how_much_ask_nothing_of_the_tool() -> None:
    """ "How many pounds is 3 kg?": every other content word is a value the draft copied, so
    "many" alone was the request, no tool speaks it, and the embedded model's right
    conversion scored 0.25 and was turned down. Quantity question words are no content."""
    convert = Tool.from_spec(
        {
            "name": "convert_units",
            "description": "Convert a value between units.",
            "parameters": {
                "type": "object",
                "properties": {
                    "value": {"type": "number"},
                    "from_unit": {"type": "string"},
                    "to_unit": {"type": "string"},
                },
            },
        }
    )
    call = ToolCall(
        name=convert.name, arguments={"value": 3, "from_unit": "kg", "to_unit": "pounds"}
    )
    for question in ("How many pounds is 3 kg?", "How much is 3 kg in pounds?"):
        signals = measure([call], [Message.user(question)], [convert])
        assert signals.grounding == 1.0 and signals.tool_match is None, question
        assert CallGate().decide(signals).decision == "call"


def test_the_score_is_a_weighted_mean_of_present_signals() -> None:
    gate = CallGate(threshold=0.5, weights={"grounding": 3.0, "tool_match": 1.0})
    assert gate.score(GateSignals(1.0, 0.0, 0.2)) == pytest.approx(0.8)
    assert gate.score(GateSignals(None, None, 0.2)) == pytest.approx(0.2)  # no values to ground
    assert gate.score(GateSignals(1.0, 1.0, 1.0, repeated=True)) == 0.0
    assert gate.decide(GateSignals(1.0, 0.0, 0.2)).decision == "call"
    assert gate.decide(None).decision == "text"  # no readable draft
    floored = CallGate(threshold=0.3, weights={"tool_match": 1.0}, min_grounding=0.75)
    assert floored.decide(GateSignals(0.5, 1.0, 1.0)).decision == "text"  # invented values
    assert floored.decide(GateSignals(None, None, 1.0)).decision == "call"  # nothing to ground
    with pytest.raises(ConfigError, match="unknown gate signals"):
        CallGate(weights={"likelihood": 1.0})
    with pytest.raises(ConfigError, match="not all zero"):
        CallGate(weights={"grounding": 0.0})


# -- the gated turn source -------------------------------------------------------------------


def test_a_grounded_draft_is_kept_as_the_turn() -> None:
    backend = ScriptedBackend.calls([_weather("Paris")], supports_constraint=True)
    model_turn = _turn(backend, [Message.user("What's the weather in Paris?")])
    assert isinstance(model_turn, GatedModelTurn) and model_turn.gate is not None
    assert model_turn.gate.decision == "call" and model_turn.gate.score >= 0.5
    assert [c.arguments for c in model_turn.turn.calls] == [{"city": "Paris"}]
    assert len(backend.requests) == 1  # no text generation needed
    constraint = backend.requests[0][1].constraint
    assert constraint is not None and not constraint.allow_text  # drafted under calls only


def test_an_ungrounded_draft_falls_back_to_a_text_answer() -> None:
    backend = ScriptedBackend.calls(
        [_weather("London"), "Why did the chicken cross the road?"], supports_constraint=True
    )
    model_turn = _turn(backend, [Message.user("Tell me a joke.")])
    assert isinstance(model_turn, GatedModelTurn) and model_turn.gate is not None
    assert model_turn.gate.decision == "text" and model_turn.gate.score < 0.5
    assert model_turn.gate.draft == [{"name": "get_weather", "arguments": {"city": "London"}}]
    assert model_turn.turn.answer == "Why did the chicken cross the road?"
    text_constraint = backend.requests[1][1].constraint
    assert text_constraint is not None and text_constraint.json_schema is None
    assert text_constraint.allow_text  # the fallback cannot write a call
    assert model_turn.generation.usage.requests == 2  # the draft's tokens are counted too


@pytest.mark.parametrize("copy_answers", [False, True])
def test_a_text_answer_copies_from_the_tools_results_with_copy_answers(copy_answers: bool) -> None:
    """The draft's values copy the user's words and the results; with `copy_answers` the
    text answer copies the results only (its question's words are no answer)."""
    backend = ScriptedBackend.calls(
        [_weather("Mars"), "It is 21 degrees in Oslo."], supports_constraint=True
    )
    history = [
        Message.user("How warm is it in Oslo?"),
        Message.assistant(None, _weather("Oslo")),
        Message.tool({"city": "Oslo", "temperature_c": 21}, tool_call_id="c1", name="get_weather"),
    ]
    source = gated(turn_source(backend), CallGate())
    params = GenerationParams(max_tokens=64, copy_bias=3.0, copy_answers=copy_answers)
    request = TurnRequest(messages=history, tools=[get_weather], params=params, constrained=True)
    model_turn = anyio.run(lambda: source.next_turn(request))
    assert model_turn.turn.answer == "It is 21 degrees in Oslo."
    result = '{"city": "Oslo", "temperature_c": 21}'
    assert backend.requests[0][1].copy_from == ("How warm is it in Oslo?", result)
    answer_sources = (result,) if copy_answers else ("How warm is it in Oslo?", result)
    assert backend.requests[1][1].copy_from == answer_sources


def test_turns_that_are_not_auto_and_chat_backends_are_not_gated() -> None:
    backend = ScriptedBackend.calls([_weather("Rome")], supports_constraint=True)
    model_turn = _turn(backend, [Message.user("Tell me a joke.")], choice="required")
    assert getattr(model_turn, "gate", None) is None and model_turn.turn.calls
    chat = turn_source(ScriptedChatBackend(["hi"]))
    assert gated(chat, CallGate()) is chat
    plain = turn_source(ScriptedBackend(["hi"]))
    assert gated(plain, None) is plain and isinstance(gated(plain, CallGate()), GatedTurns)
    unconstrained = ScriptedBackend(["It is sunny."])  # no grammar: the gate steps aside
    answered = _turn(unconstrained, [Message.user("Weather?")], constrained=False)
    assert answered.turn.answer == "It is sunny."


def test_the_agent_calls_then_answers_instead_of_repeating_the_call() -> None:
    backend = ScriptedBackend.calls(
        [_weather("Paris"), _weather("Paris"), "It is 21 degrees in Paris."],
        supports_constraint=True,
    )
    agent = Agent(backend, tools=[get_weather], gate=CallGate())
    result = agent.run("What's the weather in Paris?")
    assert result.answer == "It is 21 degrees in Paris."
    steps = result.trajectory.steps
    assert [c.call["name"] for c in steps[0].calls] == ["get_weather"]
    assert steps[1].answer == result.answer  # the repeated draft was rejected
    assert backend.remaining == 0
    # the step records the gate's verdict, and survives the store's round trip
    assert steps[0].gate is not None and steps[0].gate["decision"] == "call"
    assert steps[1].gate is not None and steps[1].gate["decision"] == "text"
    assert "draft" in steps[1].timings
    assert Step.model_validate(steps[1].model_dump(mode="json")).gate == steps[1].gate


def test_a_user_who_asks_again_gets_the_call_made_again() -> None:
    backend = ScriptedBackend.calls(
        # each turn: a call, its repeat (turned down), the answer
        [*[_weather("Paris")] * 2, "It is 21 degrees.", *[_weather("Paris")] * 2, "Still 21."],
        supports_constraint=True,
    )
    session = Agent(backend, tools=[get_weather], gate=CallGate()).session()
    session.send("What's the weather in Paris?")
    again = session.send("And the weather in Paris now?")  # it may have changed: no loop
    assert again.answer == "Still 21." and backend.remaining == 0
    steps = again.trajectory.steps
    assert [s.gate["decision"] for s in steps[-2:] if s.gate] == ["call", "text"]
    assert [c.call["name"] for c in steps[-2].calls] == ["get_weather"]


def test_the_evaluation_scores_a_gated_run(tmp_path: Path) -> None:
    cases = [
        *load_bfcl(BFCL, ["simple_python"])[:1],
        *load_bfcl(BFCL, ["irrelevance"])[:1],
    ]
    relevant = cases[0]
    gold = relevant.ground_truth[0]  # type: ignore[index]
    name = next(iter(gold))
    arguments = {k: v[0] for k, v in gold[name].items() if v and v[0] != ""}
    irrelevant_draft = {
        "name": cases[1].functions[0]["name"],
        "arguments": {"weight": 70.0, "height": 1.8},
    }
    backend = ScriptedBackend.calls(
        [[{"name": name, "arguments": arguments}], [irrelevant_draft], "I cannot do that."],
        supports_constraint=True,
    )
    out = tmp_path / "results.jsonl"
    report = evaluate_bfcl(
        backend, cases, constrained=True, gate=CallGate(), out=out, progress=False
    )
    assert [r.passed for r in report.results] == [True, True]
    assert all(json.loads(line)["gate"] is not None for line in out.read_text().splitlines())


# -- calibration ----------------------------------------------------------------------------


def _sample(i: int, should_call: bool, grounding: float, match: float, correct: bool) -> GateSample:
    category = "simple_python" if should_call else "irrelevance"
    return GateSample(f"{category}_{i}", category, should_call,
                      GateSignals(grounding, 0.0, match), correct)  # fmt: skip


def _samples() -> list[GateSample]:
    relevant = [_sample(i, True, 1.0, 0.3 + 0.05 * i, True) for i in range(6)]
    irrelevant = [_sample(i, False, 1.0 if i % 2 else 0.0, 0.05 * i, False) for i in range(6)]
    return relevant + irrelevant


def test_fit_finds_a_gate_that_separates_relevance_from_irrelevance(tmp_path: Path) -> None:
    calibration = fit(_samples())
    assert calibration.best.balanced_pass == 1.0
    assert calibration.best.text_irrelevance == 1.0 and calibration.best.pass_relevance == 1.0
    saved = calibration.save(tmp_path / "gate.json")
    assert CallGate.load(saved) == calibration.gate
    with pytest.raises(ConfigError, match="both relevance"):
        fit([s for s in _samples() if s.should_call])


def _tiny_bfcl(root: Path, n: int) -> Path:
    """The first `n` simple_python and irrelevance cases, as a BFCL directory."""
    (root / "possible_answer").mkdir(parents=True)
    for name in ("BFCL_v4_simple_python.json", "BFCL_v4_irrelevance.json",
                 "possible_answer/BFCL_v4_simple_python.json"):  # fmt: skip
        lines = (BFCL / name).read_text(encoding="utf-8").splitlines()[:n]
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_calibrate_gate_command_fits_saved_samples_without_drafting(tmp_path: Path) -> None:
    data = _tiny_bfcl(tmp_path / "bfcl", 6)
    drafted = [
        GateSample(case.id, case.category, i < 6, s.signals, s.correct)
        for i, (case, s) in enumerate(zip(load_bfcl(data), _samples(), strict=True))
    ]
    samples = save_samples(drafted, tmp_path / "samples.jsonl")
    assert load_samples(samples) == drafted
    out = tmp_path / "gate.json"
    result = CliRunner().invoke(
        app,
        ["eval", "calibrate-gate", "--data", str(data), "--train-fraction", "1",
         "-c", "simple_python", "-c", "irrelevance", "--samples", str(samples),
         "--out", str(out), "--model", "no-such-model.gguf"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # every case was drafted: no model is loaded
    assert "balanced pass" in result.output and "1.000" in result.output
    assert CallGate.load(out).threshold == fit(drafted).gate.threshold


# -- the embedded model ---------------------------------------------------------------------


def test_the_embedded_model_calls_when_asked_and_answers_otherwise() -> None:
    from gguf_model import shared_backend

    source = gated(turn_source(shared_backend()), CallGate())

    def decide(query: str) -> GatedModelTurn:
        request = TurnRequest(
            messages=[Message.user(query)],
            tools=[get_weather],
            params=GenerationParams(max_tokens=48),
            constrained=True,
        )
        model_turn = anyio.run(lambda: source.next_turn(request))
        assert isinstance(model_turn, GatedModelTurn) and model_turn.gate is not None
        return model_turn

    wanted = decide("What is the weather in Paris?")
    assert wanted.gate is not None and wanted.gate.decision == "call"
    assert [(c.name, c.arguments) for c in wanted.turn.calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    unwanted = decide("Write a short poem about the sea.")
    assert unwanted.gate is not None and unwanted.gate.decision == "text"
    assert unwanted.gate.draft  # the model did draft a call; the gate turned it down
    assert not unwanted.turn.calls and unwanted.turn.answer


def test_words_copied_into_the_values_do_not_dilute_the_tool_match() -> None:
    weather = Tool.from_spec(
        {
            "name": "get_current_weather",
            "description": "Retrieves the current weather conditions for a city.",
            "parameters": {"type": "dict", "properties": {"location": {"type": "string"}}},
        }
    )
    plain = [Message.user("What is the weather in Paris?")]
    busy = [Message.user("What is the weather in San Francisco, Mountain View and Palo Alto?")]
    call = [ToolCall(name=weather.name, arguments={"location": "San Francisco"})]
    paris = measure(
        [ToolCall(name=weather.name, arguments={"location": "Paris"})], plain, [weather]
    )
    assert paris.tool_match == 1.0  # "paris" is data, "weather" is the request
    # the city the call copied is left out; the cities it did not copy still count
    assert measure(call, busy, [weather]).tool_match == pytest.approx(1 / 5)
    copied = [ToolCall(name=weather.name, arguments={"location": "Paris", "when": "weather"})]
    assert measure(copied, plain, [weather]).tool_match is None  # nothing left to match


def test_a_call_read_out_of_the_gates_text_answer_stays_text() -> None:
    """The embedded model, its call turned down as a repeat, answered with a snippet holding
    the call as a dict; the format read a call out of it and the loop ran it. The gate's
    text answer is an answer."""
    snippet = (
        "You can use this:\n\n```python\ndef weather():\n    return "
        '[{"name": "get_weather", "arguments": {"city": "Paris", "temperature_c": 21}}]\n```'
    )
    backend = ScriptedBackend.calls(
        [_weather("Paris"), _weather("Paris"), snippet], supports_constraint=True
    )
    result = Agent(backend, tools=[get_weather], gate=CallGate()).run("Weather in Paris?")
    steps = result.trajectory.steps
    assert [len(s.tool_calls) for s in steps] == [1, 0]  # the snippet ran nothing
    assert result.outcome == "answer" and result.answer == snippet
    assert steps[1].gate is not None and steps[1].gate["decision"] == "text"
    assert backend.remaining == 0


def test_arguments_the_tool_does_not_declare_make_no_call_new() -> None:
    history = [
        Message.user("Weather in Tokyo?"),
        Message.assistant(None, _weather("Tokyo")),
        Message.tool({"temperature_c": 14}, tool_call_id="c1", name="get_weather"),
    ]
    copied = [ToolCall(name="get_weather", arguments={"city": "Tokyo", "temperature_c": 14})]
    assert measure(copied, history, [get_weather]).repeated


# -- the answer cue -------------------------------------------------------------------------

CUE = "Based on the result, "


def test_after_a_result_the_text_answer_starts_with_the_gates_cue() -> None:
    backend = ScriptedBackend.calls(
        [_weather("Paris"), _weather("Paris"), "it is 21 degrees in Paris."],
        supports_constraint=True,
    )
    agent = Agent(backend, tools=[get_weather], gate=CallGate(answer_cue=CUE))
    result = agent.run("What's the weather in Paris?")
    assert result.answer == CUE + "it is 21 degrees in Paris."
    answer_prompt = backend.requests[-1][0]
    assert answer_prompt.endswith("<|im_start|>assistant\n" + CUE)  # the model continues it
    assert not backend.requests[-2][0].endswith(CUE)  # the draft had no cue
    steps = result.trajectory.steps
    assert steps[1].raw_output.startswith(CUE) and steps[1].answer == result.answer
    assert steps[1].gate is not None and steps[1].gate["answer_cue"] == CUE
    assert steps[0].gate is not None and "answer_cue" not in steps[0].gate
    # the next turn sees the answer as written, cue included
    assert result.messages[-1].content == result.answer


def test_a_text_answer_to_the_users_own_words_gets_no_cue() -> None:
    backend = ScriptedBackend.calls(
        [_weather("Atlantis"), "Hello! How can I help?"], supports_constraint=True
    )
    result = Agent(backend, tools=[get_weather], gate=CallGate(answer_cue=CUE)).run("Hi there")
    assert result.answer == "Hello! How can I help?"
    assert not backend.requests[-1][0].endswith(CUE)
    gate = result.trajectory.steps[0].gate
    assert gate is not None and gate["decision"] == "text" and "answer_cue" not in gate


def test_the_cue_streams_first_and_the_turn_reads_it_as_its_text() -> None:
    backend = ScriptedBackend.calls(
        [_weather("Paris"), "it is 21 degrees."], supports_constraint=True, stream_chunk=2
    )
    source = gated(turn_source(backend), CallGate(answer_cue=CUE))
    messages = [
        Message.user("Weather in Paris?"),
        Message.assistant(None, _weather("Paris")),
        Message.tool({"city": "Paris", "temperature_c": 21}, tool_call_id="c1", name="get_weather"),
    ]
    streamed: list[str] = []

    async def on_text(text: str) -> None:
        streamed.append(text)

    request = TurnRequest(messages, [get_weather], GenerationParams(max_tokens=64), "auto", True)
    turn = anyio.run(lambda: source.next_turn(request, on_text=on_text))
    assert streamed[0].startswith("Based")
    assert "".join(streamed) == turn.turn.answer == CUE + "it is 21 degrees."
    assert turn.generation.text == CUE + "it is 21 degrees."
    assert isinstance(turn, GatedModelTurn) and turn.gate is not None
    assert turn.gate.answer_cue == CUE


def test_an_answer_cue_is_words_and_no_control_tokens(tmp_path: Path) -> None:
    for bad in ("", "   "):
        with pytest.raises(ConfigError, match="answer_cue"):
            CallGate(answer_cue=bad)
    gate = CallGate(threshold=0.4, answer_cue=CUE)
    assert CallGate.load(gate.save(tmp_path / "gate.json")) == gate
    assert "answer_cue" not in CallGate().to_dict()
    backend = ScriptedBackend(["x"], supports_constraint=True)
    with pytest.raises(ConfigError, match="control tokens"):
        gated(turn_source(backend), CallGate(answer_cue="Done.<|im_end|><|im_start|>user\n"))


def test_a_chat_backend_refuses_a_prefilled_turn() -> None:
    source = turn_source(ScriptedChatBackend(["hi"]))
    request = TurnRequest([Message.user("Hi")], prefill="Sure, ")
    with pytest.raises(ConfigError, match="prefilled"):
        anyio.run(lambda: source.next_turn(request))


def _gated_forecast(draft: list[ToolCall], query: str, *outputs: str) -> GatedModelTurn:
    forecast = Tool.from_function(_forecast, name="forecast")
    backend = ScriptedBackend.calls([draft, *outputs], supports_constraint=True)
    request = TurnRequest(
        messages=[Message.user(query)],
        tools=[forecast],
        params=GenerationParams(max_tokens=64, example_shapes=True),
        tool_choice="auto",
        constrained=True,
    )
    model_turn = anyio.run(lambda: gated(turn_source(backend), CallGate()).next_turn(request))
    assert isinstance(model_turn, GatedModelTurn) and model_turn.gate is not None
    return model_turn


def test_the_gate_weighs_the_numbers_nobody_wrote() -> None:
    # the draft as the model wrote it: with the 7 nobody wrote it is not grounded enough to
    # call; without it (what the call would be) it would be
    query = "What's the metric forecast for Paris, France?"
    written = {"city": "Paris", "country": "France", "units": "metric", "language": "en"}
    draft = [ToolCall(name="forecast", arguments={**written, "days": 7})]
    model_turn = _gated_forecast(draft, query, "It will be sunny.")
    assert model_turn.gate is not None and model_turn.gate.decision == "text"
    assert model_turn.gate.draft == [c.to_xlam() for c in draft]
    forecast = Tool.from_function(_forecast, name="forecast")
    without = measure(
        [ToolCall(name="forecast", arguments=written)], [Message.user(query)], [forecast]
    )
    assert CallGate().decide(without).decision == "call"


def test_a_call_the_gate_keeps_goes_without_the_numbers_nobody_wrote() -> None:
    arguments = {"city": "Paris", "country": "France", "units": "metric", "days": 7}
    draft = [ToolCall(name="forecast", arguments=arguments)]
    model_turn = _gated_forecast(draft, "What's the metric forecast for Paris, France?")
    assert model_turn.gate is not None and model_turn.gate.decision == "call"
    assert model_turn.gate.draft == [{"name": "forecast", "arguments": arguments}]
    assert [c.arguments for c in model_turn.turn.calls] == [
        {"city": "Paris", "country": "France", "units": "metric"}
    ]
    assert model_turn.reshaped == ("forecast.days: 7 is written nowhere, left out",)


def test_the_gate_weighs_a_number_the_user_did_not_give_as_drafted() -> None:
    # with the 7 the user did not give it is not grounded enough to call; with the 3 the
    # user said is the days' it would be: the gate decides on the draft as written
    query = "What's the metric forecast for Paris, France for 3 days?"
    written = {"city": "Paris", "country": "France", "units": "metric", "language": "en"}
    draft = [ToolCall(name="forecast", arguments={**written, "days": 7})]
    model_turn = _gated_forecast(draft, query, "It will be sunny.")
    assert model_turn.gate is not None and model_turn.gate.decision == "text"
    forecast = Tool.from_function(_forecast, name="forecast")
    said = [ToolCall(name="forecast", arguments={**written, "days": 3})]
    assert CallGate().decide(measure(said, [Message.user(query)], [forecast])).decision == "call"


def test_a_call_the_gate_keeps_takes_the_number_the_user_said_is_its() -> None:
    arguments = {"city": "Paris", "country": "France", "units": "metric", "days": 7}
    draft = [ToolCall(name="forecast", arguments=arguments)]
    query = "What's the metric forecast for Paris, France for the next 3 days?"
    model_turn = _gated_forecast(draft, query)
    assert model_turn.gate is not None and model_turn.gate.decision == "call"
    assert model_turn.gate.draft == [{"name": "forecast", "arguments": arguments}]
    assert [c.arguments for c in model_turn.turn.calls] == [{**arguments, "days": 3}]
    assert model_turn.reshaped == ("forecast.days: 7 is not its, takes 3, as said",)


def test_a_call_the_gate_keeps_takes_the_length_the_user_gave_in_its_unit() -> None:
    # "the next day" is one day, counted in the unit of `days` ("How many days ahead"): it
    # replaces the 7 nobody wrote once the gate has decided, not in the draft it weighed
    arguments = {"city": "Paris", "country": "France", "units": "metric", "days": 7}
    draft = [ToolCall(name="forecast", arguments=arguments)]
    query = "What's the metric forecast for Paris, France for the next day?"
    model_turn = _gated_forecast(draft, query)
    assert model_turn.gate is not None and model_turn.gate.decision == "call"
    assert model_turn.gate.draft == [{"name": "forecast", "arguments": arguments}]
    assert [c.arguments for c in model_turn.turn.calls] == [{**arguments, "days": 1}]
    assert model_turn.reshaped == ("forecast.days: 7 as 1, for 1 day",)


def _forecast(
    city: str, country: str, units: str, language: str = "en", days: int = 1
) -> dict[str, Any]:
    """The weather forecast for a city.

    Args:
        city: The city.
        country: The city's country.
        units: "metric" or "imperial".
        language: The forecast's language.
        days: How many days ahead.
    """
    return {"city": city, "days": days}
