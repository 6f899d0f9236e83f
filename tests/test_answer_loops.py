"""Text answers that go round end after their first round (`end_answer_loops`): the rule
(`lamagent.repetition.answer_loop`), the watch the engines share, and both engines on the real
embedded model, whose answer to a question about a gene's frequency is "approximately 0.0"
and then zeros to the token limit."""

from __future__ import annotations

from typing import Any

import pytest

from lamagent.backends import GenerationParams
from lamagent.backends._engine.answer_loops import AnswerLoops, answer_loops
from lamagent.backends._engine.stops import StopStream
from lamagent.generation import Constraint
from lamagent.repetition import answer_loop

ROUND = "which is 10^12, "


def test_an_answer_ends_in_a_loop_when_a_round_with_words_goes_round_three_times() -> None:
    text = "Based on the result, 10 kPa is 10^12, " + ROUND * 3
    start, period = answer_loop(text, []) or (0, 0)
    assert period == len(ROUND) and text[start:].count("which is") == 3
    assert answer_loop("Based on the result, 10 kPa is 10^12, " + ROUND * 2, []) is None
    # written on purpose: rules, table borders, indentation; and short runs
    for text in ("-" * 60, "|---|---|---|---|---|---|---|---|---|---|", "x =\n" + " " * 40,
                 "ha ha ha ha ha ha"):  # fmt: skip
        assert answer_loop(text, []) is None, text
    # a loop the sources hold is theirs (a result that lists the same line three times)
    looped = "The log says: " + "disk full; " * 4
    assert answer_loop(looped, []) is not None
    assert answer_loop(looped, ["log: disk full; disk full; disk full; disk full; end"]) is None


def _watch(text: str) -> tuple[AnswerLoops, int | None]:
    watch = AnswerLoops()
    cut = None
    for ch in text:  # one character per token
        cut = watch.feed(ch)
        if cut is not None:
            break
    return watch, cut


def test_the_watch_cuts_after_the_first_rounds_last_sentence_or_word() -> None:
    said = "The city is a city of contrasts, blending into one cohesive whole. "
    watch, cut = _watch("Paris. " + said * 4)
    assert cut is not None
    assert watch.text[:cut] == "Paris. " + said.rstrip(" ")  # said once, whole
    assert watch.cut_rounds == watch.text[cut:] and watch.text[cut:].startswith(" The city")
    zeros, cut = _watch("The frequency is approximately 0." + "0" * 60)
    assert cut is not None and zeros.text[:cut] == "The frequency is approximately 0.0"
    assert set(zeros.cut_rounds or "") == {"0"}
    calm, cut = _watch("Tokyo is 14 degrees and cloudy today. Take an umbrella.")
    assert cut is None and calm.cut_rounds is None


def test_only_text_answers_are_watched() -> None:
    assert answer_loops(GenerationParams()) is None  # off by default
    on = GenerationParams(end_answer_loops=True)
    assert answer_loops(on) is not None
    text = on.model_copy(update={"constraint": Constraint(allow_text=True, key="t")})
    assert answer_loops(text) is not None  # the call gate's answer
    calls = on.model_copy(update={"constraint": Constraint(json_schema={"type": "array"})})
    assert answer_loops(calls) is None  # a call list's loops are LoopWatch's


def test_a_cut_stream_releases_up_to_the_cut_and_no_further() -> None:
    stream = StopStream(["<|im_end|>"])
    released, _ = stream.feed("Hello <|im")  # the tail is held back: a stop may be starting
    assert released == "Hello "
    assert stream.cut(8) == "<|"
    assert stream.text == "Hello <|" and stream.stopped


QUESTION = "What is the frequency of gene variant rs7412 in the European population?"
PROMPT = f"<|im_start|>user\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"


def _transformers() -> Any:
    pytest.importorskip("transformers")
    from lamagent.backends.hf import HFBackend
    from lamagent.models import default_hf_checkpoint

    return HFBackend(default_hf_checkpoint(), device="cpu")


@pytest.mark.parametrize(
    "engine",
    [
        pytest.param("llama.cpp", marks=pytest.mark.gguf),
        pytest.param("transformers", marks=[pytest.mark.hf, pytest.mark.slow]),
    ],
)
def test_the_engine_ends_the_loop_and_keeps_the_rounds(engine: str, gguf: Any) -> None:
    backend = gguf if engine == "llama.cpp" else _transformers()
    plain = backend.generate(PROMPT, GenerationParams(max_tokens=160))
    ended = backend.generate(PROMPT, GenerationParams(max_tokens=160, end_answer_loops=True))
    assert plain.finish_reason == "length" and plain.text.endswith("0" * 40)
    assert ended.finish_reason == "stop"
    assert ended.usage.completion_tokens < plain.usage.completion_tokens / 2
    assert ended.text.endswith("approximately 0.0") and set(ended.cut_loop or "") == {"0"}
    # nothing lost: what was kept and what was cut are what the model wrote
    assert plain.text.startswith(ended.text + (ended.cut_loop or ""))


@pytest.mark.gguf
def test_the_agent_records_the_rounds_cut_from_its_answer(gguf: Any) -> None:
    """On the embedded model's profile the gate turns down a weather call for the gene
    question, and its text answer goes round in zeros: the answer ends, the step keeps the
    rounds."""
    from lamagent import Agent, tool

    @tool
    def get_weather(location: str) -> dict[str, Any]:
        """Current weather for a city."""
        return {"location": location, "temperature": 14}

    result = Agent(gguf, tools=[get_weather], max_tokens=256).run(QUESTION)
    step = result.trajectory.steps[-1]
    assert result.outcome == "answer" and result.answer.endswith("0.0")
    assert step.cut_loop and set(step.cut_loop) == {"0"}
    assert step.raw_output == result.answer  # the record holds the answer as cut
