"""Engine-free pieces of the GGUF backend: stop strings, the repeat guard, grammar compilation."""

from __future__ import annotations

import json

import pytest

from lamagent.backends._engine.stops import StopStrings
from lamagent.backends.base import Constraint
from lamagent.backends.llamacpp.repeat_guard import RepeatGuard
from lamagent.errors import ConstraintError


def test_stop_string_prefix_is_held_back_until_decided() -> None:
    stops = StopStrings(["<|im_end|>"])
    assert stops.safe_end("Hello <|im_") == len("Hello ")
    assert stops.safe_end("Hello <|in") == len("Hello <|in")
    assert stops.find("Hello <|im_end|> more", start=10) == 6


def feed_chars(text: str) -> tuple[RepeatGuard, object]:
    guard = RepeatGuard()
    for ch in text:
        hit = guard.feed(ch)
        if hit is not None:
            return guard, hit
    return guard, None


def test_repeat_guard_cuts_a_repeated_call_and_closes_the_list() -> None:
    a = '{"name": "f", "arguments": {"x": [1, {"y": "]"}]}}'
    text = f'[{a}, {{"name": "g", "arguments": {{}}}}, {a}, {{"name"'
    _, hit = feed_chars(text)
    assert hit is not None
    kept = text[: hit.keep] + hit.closing  # type: ignore[attr-defined]
    assert json.loads(kept) == [json.loads(a), {"name": "g", "arguments": {}}]


def test_repeat_guard_handles_wrapped_lists_and_ignores_text() -> None:
    _, hit = feed_chars('{"tool_calls": [{"name": "a"}, {"name": "a"}')
    assert hit is not None and hit.closing == "]}"  # type: ignore[attr-defined]
    _, hit = feed_chars("Sure: [{}, {}]")
    assert hit is None
    guard, hit = feed_chars('[{"name": "a", "arguments": {"v": [1, 1]}}]')
    assert hit is None and guard.complete


def test_repeat_guard_never_streams_an_element_that_may_be_dropped() -> None:
    guard = RepeatGuard()
    guard.feed('[{"name": "a"}, {"na')
    assert guard.safe_end() == len('[{"name": "a"}')


def test_grammar_keeps_every_tool_name_or_fails() -> None:
    pytest.importorskip("llama_cpp")
    from lamagent.backends.llamacpp.grammar import constraint_to_gbnf

    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"const": "météo 🌦"}, "arguments": {"type": "object"}},
            "required": ["name", "arguments"],
        },
    }
    gbnf = constraint_to_gbnf(Constraint(json_schema=schema, allow_text=True))
    assert "météo 🌦" in gbnf
    assert gbnf.startswith("root ::= calls | text")
    assert "\\x00-\\x1F" in gbnf  # no raw control characters inside strings
    with pytest.raises(ConstraintError, match="normalize_schema"):
        constraint_to_gbnf(Constraint(json_schema={"type": "tuple"}))


def test_a_list_cut_by_the_token_limit_closes_after_its_last_whole_call() -> None:
    guard = RepeatGuard()
    text = '[{"name": "a", "arguments": {"x": 1}}, {"name": "a", "arguments": {"x": 2}}, {"na'
    guard.feed(text)
    cut = guard.close_at_last_complete()
    assert cut is not None
    closed = text[: cut.keep] + cut.closing
    assert json.loads(closed) == [
        {"name": "a", "arguments": {"x": 1}},
        {"name": "a", "arguments": {"x": 2}},
    ]
    wrapped = RepeatGuard()
    partial = '{"tool_calls": [{"name": "a", "arguments": {}}, {"name": "b", "argu'
    wrapped.feed(partial)
    cut = wrapped.close_at_last_complete()
    assert cut is not None
    assert json.loads(partial[: cut.keep] + cut.closing) == {
        "tool_calls": [{"name": "a", "arguments": {}}]
    }
    nothing_whole = RepeatGuard()
    nothing_whole.feed('[{"name": "a", "argum')
    assert nothing_whole.close_at_last_complete() is None


def test_a_schema_without_constraining_words_is_any_value() -> None:
    """JSON Schema's `{}` and `{"description": ...}` allow any value; llama-cpp-python's converter
    reads the first as an object and rejects the second (BFCL's Java `any` parameters)."""
    pytest.importorskip("llama_cpp")
    from llama_cpp import LlamaGrammar

    from lamagent.backends.llamacpp.grammar import constraint_to_gbnf

    schema = {
        "type": "object",
        "properties": {"a": {"description": "Anything."}, "b": {}, "c": {"type": "integer"}},
        "required": ["a", "b", "c"],
        "additionalProperties": False,
    }
    gbnf = constraint_to_gbnf(Constraint(json_schema=schema))
    rules = dict(line.split(" ::= ", 1) for line in gbnf.splitlines() if " ::= " in line)
    assert rules["calls-a"] == "value" and rules["calls-b"] == "value"
    assert '":" space integer' in rules["calls-c-kv"]
    assert "string" in rules["value"] and "number" in rules["value"]
    LlamaGrammar.from_string(gbnf, verbose=False)  # llama.cpp parses it
