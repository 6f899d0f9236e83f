"""The function docs a model sees in an evaluation are BFCL's own: its language hints, and Java
and JavaScript parameters as strings; the checker keeps the docs as stored."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from lamagent.backends.scripted import ScriptedBackend
from lamagent.eval import evaluate_bfcl, load_bfcl
from lamagent.eval.prompt_docs import bfcl_prompt_docs, language_hint

DATA = Path(__file__).parent / "data" / "bfcl"


def bfcl_categories() -> list[str]:
    from lamagent.eval.multi_turn.environments import bfcl_data_dir

    return sorted(
        p.name.removeprefix("BFCL_v4_").removesuffix(".json")
        for p in bfcl_data_dir().glob("BFCL_v4_*.json")
        if "multi_turn" not in p.name
        and p.name.removeprefix("BFCL_v4_").removesuffix(".json")
        not in {"memory", "web_search", "format_sensitivity"}
    )


@pytest.mark.parametrize("category", bfcl_categories())
def test_every_single_turn_case_gets_exactly_the_docs_bfcl_shows(category: str) -> None:
    """Against BFCL's own pre-processing, on every case of the installed package."""
    from bfcl_eval.utils import _func_doc_language_specific_pre_processing

    from lamagent.eval.multi_turn.environments import bfcl_data_dir

    for case in load_bfcl(bfcl_data_dir(), [category]):
        stored = copy.deepcopy(case.functions)
        theirs = _func_doc_language_specific_pre_processing(copy.deepcopy(stored), category)
        assert case.prompt_functions == theirs, case.id
        assert case.functions == stored  # the checker's docs are untouched


def test_hints_by_language() -> None:
    doc = {
        "name": "f",
        "description": "Does f.",
        "parameters": {
            "type": "dict",
            "properties": {
                "flag": {"type": "boolean", "description": "A flag."},
                "xs": {"type": "ArrayList", "description": "Values.", "items": {"type": "long"}},
                "o": {"type": "any", "description": "Anything."},
            },
            "required": ["flag"],
        },
    }
    (py,) = bfcl_prompt_docs([doc], "simple_python")
    assert py["description"] == "Does f. Note that the provided function is in Python 3 syntax."
    assert py["parameters"] == doc["parameters"]
    (java,) = bfcl_prompt_docs([doc], "simple_java")
    props = java["parameters"]["properties"]
    assert {p["type"] for p in props.values()} == {"string"}
    assert props["flag"]["description"].endswith(
        "This is Java boolean type parameter in string representation."
    )
    assert "items" not in props["xs"] and "elements are of type long" in props["xs"]["description"]
    assert "any type of Java object" in props["o"]["description"]
    assert doc["parameters"]["properties"]["flag"]["type"] == "boolean"  # a copy was changed
    assert language_hint("live_simple").endswith("Python 3 syntax.")


def test_the_model_sees_the_hinted_docs_and_results_record_it(tmp_path: Path) -> None:
    backend = ScriptedBackend(lambda _prompt: "I cannot help.")
    out = tmp_path / "results.jsonl"
    evaluate_bfcl(backend, DATA, ["simple_python"], limit=1, out=out, progress=False)
    prompt, _ = backend.requests[0]
    assert "Note that the provided function is in Python 3 syntax." in prompt
    assert json.loads(out.read_text().splitlines()[0])["language_hint"] is True


@pytest.mark.gguf
@pytest.mark.slow
def test_java_and_javascript_cases_run_under_the_call_grammar_on_the_embedded_model() -> None:
    """Their `any` parameters once broke grammar compilation (every case a generation error);
    with BFCL's docs every argument is a string, which the grammar enforces."""
    from gguf_model import shared_backend

    from lamagent.eval.multi_turn.environments import bfcl_data_dir
    from lamagent.generation import GenerationParams

    backend = shared_backend()
    backend.reset_cache()
    report = evaluate_bfcl(
        backend,
        bfcl_data_dir(),
        ["simple_java", "simple_javascript"],
        limit=2,
        constrained=True,
        tool_choice="required",
        generation=GenerationParams(max_tokens=96),
        progress=False,
    )
    assert len(report.results) == 4
    for result in report.results:
        assert result.reason != "generation_error", result.detail
        assert result.calls, result.output
        for call in result.calls:
            assert all(isinstance(v, str) for v in call["arguments"].values()), call
