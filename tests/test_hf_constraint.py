"""xgrammar constraints in the HF backend: constrained outputs always parse and verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
xgr = pytest.importorskip("xgrammar")
jsonschema = pytest.importorskip("jsonschema")

from hf_helpers import bias_toward_short_json, chatml, smol_tokenizer, tiny_model  # noqa: E402

from lamagent.backends import Constraint, GenerationParams  # noqa: E402
from lamagent.backends._engine.compiled import constraint_key  # noqa: E402
from lamagent.backends.hf import HFBackend  # noqa: E402
from lamagent.backends.hf.constraint import build_grammar, text_grammar_ebnf  # noqa: E402
from lamagent.errors import ConstraintError  # noqa: E402
from lamagent.tools.spec import normalize_schema  # noqa: E402

BFCL = Path(__file__).parent / "data" / "bfcl"

WEATHER = [
    {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    }
]
MIXED = [
    {
        "name": "search",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer"},
                "exact": {"type": "boolean"},
            },
            "required": ["query", "limit"],
        },
    },
    {
        "name": "math.add",
        "parameters": {
            "type": "object",
            "properties": {"numbers": {"type": "array", "items": {"type": "number"}}},
            "required": ["numbers"],
        },
    },
]


def bfcl_tools(name: str, count: int) -> list[list[dict[str, Any]]]:
    with open(BFCL / name) as f:
        entries = [json.loads(line) for line in f][:count]
    return [
        [
            {"name": fn["name"], "parameters": normalize_schema(fn["parameters"])}
            for fn in e["function"]
        ]
        for e in entries
    ]


def call_list_schema(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """The xLAM-2 call list: [{"name": <tool>, "arguments": <its schema>}, ...]."""
    options = [
        {
            "type": "object",
            "properties": {"name": {"const": t["name"]}, "arguments": t["parameters"]},
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for t in tools
    ]
    return {"type": "array", "minItems": 1, "maxItems": 3, "items": {"anyOf": options}}


TOOL_SETS = [
    WEATHER,
    MIXED,
    *bfcl_tools("BFCL_v4_simple_python.json", 4),
    *bfcl_tools("BFCL_v4_multiple.json", 2),
]


@pytest.fixture(scope="module")
def backend() -> HFBackend:
    model = tiny_model("qwen2", seed=21)
    bias_toward_short_json(model)
    return HFBackend(model, tokenizer=smol_tokenizer(), model_id="tiny-biased")


def test_text_grammar_excludes_call_prefixes_after_spaces() -> None:
    info = xgr.TokenizerInfo.from_huggingface(smol_tokenizer(), vocab_size=49152)
    compiled = xgr.GrammarCompiler(info).compile_grammar(
        xgr.Grammar.from_ebnf(text_grammar_ebnf(["[", "{", "<tool_call>"]))
    )
    for text, ok in [
        ("Hello", True),
        ("  It is 20°C", True),
        ("[1]", False),
        (" {", False),
        ("\n<tool_call>", False),
        ("a [b] {c}", True),
    ]:
        matcher = xgr.GrammarMatcher(compiled)
        assert matcher.accept_string(text) is ok, text


def test_an_empty_constraint_is_refused() -> None:
    with pytest.raises(ConstraintError, match="allows nothing"):
        build_grammar(Constraint())


def test_constraint_key_falls_back_to_a_content_hash() -> None:
    a = Constraint(json_schema={"type": "integer"})
    b = Constraint(json_schema={"type": "integer"})
    c = Constraint(json_schema={"type": "integer"}, allow_text=True)
    assert constraint_key(a) == constraint_key(b) != constraint_key(c)
    assert constraint_key(Constraint(json_schema={}, key="k1")) == "k1"


def test_grammars_compile_once_per_key(backend: HFBackend) -> None:
    constraint = Constraint(json_schema=call_list_schema(WEATHER), key="weather-once")
    compiler = backend.constraint_compiler()
    first = compiler.compile(constraint)
    assert compiler.compile(constraint) is first
    assert compiler.cached_keys.count("weather-once") == 1


@pytest.mark.parametrize("tools_index", range(len(TOOL_SETS)))
def test_constrained_calls_always_parse_and_verify(backend: HFBackend, tools_index: int) -> None:
    tools = TOOL_SETS[tools_index]
    schema = call_list_schema(tools)
    constraint = Constraint(json_schema=schema, key=f"set-{tools_index}")
    prompt = chatml(("user", "Call a tool."))
    for seed in (0, 1, 2):
        gen = backend.generate(
            prompt,
            GenerationParams(max_tokens=160, temperature=1.0, seed=seed, constraint=constraint),
        )
        assert gen.finish_reason == "stop", gen.text
        calls = json.loads(gen.text)
        jsonschema.validate(calls, schema)
        assert {c["name"] for c in calls} <= {t["name"] for t in tools}


def test_without_the_constraint_the_same_model_does_not_produce_calls(backend: HFBackend) -> None:
    gen = backend.generate(chatml(("user", "Call a tool.")), GenerationParams(max_tokens=40))
    with pytest.raises(json.JSONDecodeError):
        json.loads(gen.text)


def test_allow_text_gives_text_or_a_valid_call(backend: HFBackend) -> None:
    schema = call_list_schema(WEATHER)
    constraint = Constraint(json_schema=schema, allow_text=True, key="weather-auto")
    kinds = set()
    for seed in range(6):
        gen = backend.generate(
            chatml(("user", "hi")),
            GenerationParams(max_tokens=60, temperature=1.0, seed=seed, constraint=constraint),
        )
        head = gen.text.lstrip()[:1]
        assert head, "text under allow_text is non-empty"
        if head in "[{":
            jsonschema.validate(json.loads(gen.text), schema)
            kinds.add("call")
        else:
            kinds.add("text")
    assert kinds  # each output was one of the two allowed shapes


def test_a_call_forced_by_logits_still_obeys_the_schema(backend: HFBackend) -> None:
    # Push the first token hard toward "{" (an object, not the required list): the mask wins.
    tok = smol_tokenizer()
    brace = tok.convert_tokens_to_ids("{")
    calls = {"n": 0}

    def hook(_m: object, _i: object, out: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        if calls["n"] > 1:
            return out
        out = out.clone()
        out[..., brace] += 1e4
        return out

    handle = backend.model.get_output_embeddings().register_forward_hook(hook)
    try:
        constraint = Constraint(json_schema=call_list_schema(WEATHER), key="weather-forced")
        gen = backend.generate(
            chatml(("user", "x")), GenerationParams(max_tokens=80, constraint=constraint)
        )
    finally:
        handle.remove()
    assert gen.text.lstrip().startswith("[")
    jsonschema.validate(json.loads(gen.text), call_list_schema(WEATHER))
