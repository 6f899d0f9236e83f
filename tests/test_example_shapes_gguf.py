"""`example_shapes` on the real engine with the embedded model (SmolLM2-135M).

BFCL live_simple_17-3-13 asks for "weather today in Boston in fahrenheit?"; the tool's
`location` is "in the format of 'City, State (abbr)', such as 'San Francisco, CA'". Under the
calls-only grammar with the copy bias the model copies "Boston" and closes the string; with
the shape in the grammar it writes "Boston, MA". And every pattern the dev data's descriptions
give compiles into a llama.cpp grammar sampler.
"""

from __future__ import annotations

from typing import Any

from gguf_model import calls_turn
from test_copy_bias_gguf import WEATHER
from test_example_shapes import bfcl_patterns

from lamagent.backends.llamacpp.grammar import schema_to_gbnf

QUERY = "weather today in Boston in fahrenheit?"  # BFCL live_simple_17-3-13


def test_the_location_takes_the_shape_its_description_shows(gguf: Any) -> None:
    plain = calls_turn(gguf, QUERY, WEATHER, copy_bias=3.0)
    assert [c.arguments["location"] for c in plain.turn.calls] == ["Boston"]
    shaped = calls_turn(gguf, QUERY, WEATHER, copy_bias=3.0, example_shapes=True)
    assert [c.arguments["location"] for c in shaped.turn.calls] == ["Boston, MA"]


def _sampler(gguf: Any, gbnf: str) -> Any:
    import llama_cpp

    return llama_cpp.llama_sampler_init_grammar(gguf._vocab, gbnf.encode("utf-8"), b"root")


def test_every_pattern_from_bfcl_compiles_for_llama_cpp(gguf: Any) -> None:
    import llama_cpp

    assert not _sampler(gguf, "root ::= [a-")  # a grammar llama.cpp cannot read gives none
    for pattern in bfcl_patterns():
        schema = {"type": "object", "properties": {"v": {"type": "string", "pattern": pattern}}}
        sampler = _sampler(gguf, "root ::= calls\n" + schema_to_gbnf(schema))
        assert sampler, pattern
        llama_cpp.llama_sampler_free(sampler)
