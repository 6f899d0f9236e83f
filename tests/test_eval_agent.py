"""The single-turn agent settings: each BFCL case through the Agent (verification, repairs, error
feedback, retries), scored on the first calls that all verify, next to one generation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamagent.backends.scripted import ScriptedBackend
from lamagent.errors import BackendError, ConfigError, LamagentError
from lamagent.eval import EvalReport, evaluate_bfcl, load_bfcl
from lamagent.eval.agent_case import RETRY_ALL_CALLS
from lamagent.eval.bfcl_data import BFCLCase
from lamagent.eval.report import AGENT_SETTINGS, SETTINGS, setting_name
from lamagent.settings import Limits

DATA = Path(__file__).parent / "data" / "bfcl"
TRIANGLE = "calculate_triangle_area"


def first(category: str, n: int = 1) -> list[BFCLCase]:
    return load_bfcl(DATA, [category])[:n]


def test_a_call_that_fails_verification_is_retried_in_the_agent_setting_only() -> None:
    (case,) = first("simple_python")  # base=10, height=5
    missing = [{"name": TRIANGLE, "arguments": {"base": 10}}]  # height is required
    right = [{"name": TRIANGLE, "arguments": {"base": 10, "height": 5}}]

    free = evaluate_bfcl(ScriptedBackend.calls([missing, right]), [case], progress=False)
    (one,) = free.results
    assert (one.passed, one.reason, one.steps) == (False, "missing_argument", 1)

    backend = ScriptedBackend.calls([missing, right])
    agent = evaluate_bfcl(backend, [case], agent=True, progress=False)
    (run,) = agent.results
    assert (run.passed, run.reason, run.steps) == (True, None, 2)
    assert run.calls == right and agent.setting == "agent" and agent.retried == 1
    # the second turn was asked with the verification error in the prompt
    second_prompt = backend.requests[1][0]
    assert "height" in second_prompt.split("calculate_triangle_area", 2)[-1]
    assert backend.remaining == 0


def test_repairs_count_in_the_agent_setting() -> None:
    (case,) = first("simple_python")
    as_text = [{"name": TRIANGLE, "arguments": {"base": "10", "height": "5"}}]
    free = evaluate_bfcl(ScriptedBackend.calls([as_text]), [case], progress=False)
    assert free.results[0].reason == "wrong_type"
    agent = evaluate_bfcl(ScriptedBackend.calls([as_text]), [case], agent=True, progress=False)
    (run,) = agent.results
    # verification coerced the strings to the schema's integers: the calls as they would run
    assert run.passed and run.steps == 1
    assert run.calls == [{"name": TRIANGLE, "arguments": {"base": 10, "height": 5}}]


def test_a_turn_with_one_invalid_call_is_written_again_whole() -> None:
    (case,) = first("parallel")  # spotify.play for Taylor Swift 20 and Maroon 5 15
    good = {"name": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}}
    bad = {"name": "spotify.play", "arguments": {"artist": "Maroon 5"}}
    fixed = {"name": "spotify.play", "arguments": {"artist": "Maroon 5", "duration": 15}}
    backend = ScriptedBackend.calls([[good, bad], [good, fixed]])
    (run,) = evaluate_bfcl(backend, [case], agent=True, progress=False).results
    assert (run.passed, run.steps) == (True, 2)
    assert run.calls == [good, fixed]
    retry_prompt = backend.requests[1][0]
    assert RETRY_ALL_CALLS in retry_prompt and "duration" in retry_prompt


def test_a_partly_valid_turn_at_the_step_limit_is_scored_as_written() -> None:
    (case,) = first("parallel")
    good = {"name": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}}
    bad = {"name": "spotify.play", "arguments": {"artist": "Maroon 5"}}
    backend = ScriptedBackend.calls([[good, bad]])
    report = evaluate_bfcl(backend, [case], agent=True, limits=Limits(max_steps=1), progress=False)
    (run,) = report.results
    assert (run.passed, run.steps, run.calls) == (False, 1, [good, bad])
    assert "no turn's calls all verified in 1 steps (max_steps)" in run.detail


def test_text_is_scored_as_text_and_passes_irrelevance() -> None:
    cases = [*first("irrelevance"), *first("simple_python")]
    backend = ScriptedBackend.calls(["I cannot help with that.", "The area is 25."])
    report = evaluate_bfcl(backend, cases, agent=True, progress=False)
    irrelevance, simple = report.results
    assert (irrelevance.passed, irrelevance.steps) == (True, 1)
    assert (simple.passed, simple.reason, simple.steps) == (False, "wrong_count", 1)
    assert "The area is 25." in simple.output


def test_steps_are_bounded_and_the_last_turn_is_scored_as_written() -> None:
    (case,) = first("simple_python")
    unknown = [{"name": "triangle_area", "arguments": {"base": 10, "height": 5}}]
    backend = ScriptedBackend.calls([unknown] * 5)
    report = evaluate_bfcl(
        backend, [case], agent=True, limits=Limits(max_steps=2, max_retries=5), progress=False
    )
    (run,) = report.results
    assert (run.passed, run.reason, run.steps) == (False, "wrong_function", 2)
    assert "no turn's calls all verified in 2 steps (max_steps)" in run.detail
    assert backend.remaining == 3 and report.max_steps == 2


def test_a_backend_failure_is_a_generation_error() -> None:
    (case,) = first("simple_python")
    backend = ScriptedBackend.calls([BackendError("the engine is gone")])
    (run,) = evaluate_bfcl(backend, [case], agent=True, progress=False).results
    assert (run.passed, run.reason) == (False, "generation_error")
    assert "the engine is gone" in run.detail


@pytest.mark.parametrize("fmt", ["xlam2-qwen", "xlam2-llama", "xlam1-fc", "xlam1"])
def test_gold_scores_100_percent_in_the_agent_setting(fmt: str) -> None:
    report = evaluate_bfcl("gold", DATA, format=fmt, agent=True, progress=False)
    assert len(report.results) == 1298 and report.overall == 1.0
    assert report.setting == "agent"
    # one case's ground truth breaks its own schema (an array `metrics` with an `enum` of
    # strings): it never verifies, and the oracle's last turn is scored as written
    retried = {r.id: r for r in report.results if r.steps > 1}
    assert list(retried) == ["live_simple_71-35-0"]
    assert retried["live_simple_71-35-0"].steps == 3
    assert "no turn's calls all verified" in retried["live_simple_71-35-0"].detail


def test_the_results_file_records_the_agent_setting(tmp_path: Path) -> None:
    cases = first("simple_python", 2)
    out = tmp_path / "results.jsonl"
    evaluate_bfcl("gold", cases, agent=True, out=out, progress=False)
    record = json.loads(out.read_text().splitlines()[0])
    assert record["agent"] == {"max_steps": 3, "max_retries": 3} and record["steps"] == 1
    again = evaluate_bfcl("gold", cases, agent=True, out=out, progress=False)  # resumed
    assert again.overall == 1.0 and len(out.read_text().splitlines()) == 2
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl("gold", cases, out=out, progress=False)  # one generation
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl("gold", cases, agent=True, limits=Limits(max_steps=5), out=out)
    # a file of one-generation results written before the agent settings existed
    older = tmp_path / "older.jsonl"
    evaluate_bfcl("gold", cases, out=older, progress=False)
    lines = [json.loads(x) for x in older.read_text().splitlines()]
    older.write_text(
        "".join(
            json.dumps({k: v for k, v in x.items() if k not in ("agent", "steps")}) + "\n"
            for x in lines
        )
    )
    assert evaluate_bfcl("gold", cases, out=older, progress=False).results[0].steps == 1
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl("gold", cases, agent=True, out=older, progress=False)


def test_limits_need_the_agent_setting() -> None:
    with pytest.raises(ConfigError, match="agent=True"):
        evaluate_bfcl("gold", first("simple_python"), limits=Limits(max_steps=2))


def test_setting_names_and_report_round_trip(tmp_path: Path) -> None:
    assert [setting_name(*v, agent=True) for v in AGENT_SETTINGS.values()] == list(AGENT_SETTINGS)
    assert [setting_name(*v) for v in SETTINGS.values()] == list(SETTINGS)
    report = evaluate_bfcl(
        ScriptedBackend.calls([[{"name": TRIANGLE, "arguments": {"base": 10}}], "no"]),
        first("simple_python"),
        agent=True,
        progress=False,
    )
    path = report.save_json(tmp_path / "report.json")
    loaded = EvalReport.load_json(path)
    assert (loaded.setting, loaded.max_steps, loaded.results[0].steps) == ("agent", 3, 2)
    saved = json.loads(path.read_text())
    assert saved["setting"] == "agent" and saved["retried"] == 1
    assert saved["failures"][0]["steps"] == 2


def test_cli_agent_setting(tmp_path: Path) -> None:
    from lamagent.cli.eval import app

    args = ["bfcl", "--data", str(DATA), "--model", "gold", "-c", "simple_python", "--limit", "3"]
    result = CliRunner().invoke(
        app, [*args, "--agent", "--max-steps", "2", "--no-progress", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "agent" in result.output and "100" in result.output
    lines = (tmp_path / "results-agent.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["agent"]["max_steps"] == 2 and len(lines) == 3
    assert EvalReport.load_json(tmp_path / "report-agent.json").setting == "agent"
    alone = CliRunner().invoke(app, [*args, "--max-steps", "2", "--no-progress"])
    assert alone.exit_code != 0 and "--agent" in alone.output


@pytest.mark.gguf
@pytest.mark.slow
def test_the_embedded_model_runs_the_agent_setting_end_to_end() -> None:
    """The real engine in the agent setting: the first turn is the same generation as one
    generation's (same prompt, greedy), and every scored call list verifies."""
    pytest.importorskip("llama_cpp")
    from gguf_model import shared_backend

    from lamagent.generation import GenerationParams
    from lamagent.messages import ToolCall
    from lamagent.tools import CallError, Tool, Toolbox

    cases = [*first("simple_python", 2), *first("irrelevance")]
    backend = shared_backend()
    params = GenerationParams(max_tokens=64)
    for decoding in ("free", "constrained-required"):
        constrained, tool_choice = SETTINGS[decoding]
        chosen = [c for c in cases if tool_choice == "auto" or c.category != "irrelevance"]
        one = evaluate_bfcl(
            backend,
            chosen,
            constrained=constrained,
            tool_choice=tool_choice,  # type: ignore[arg-type]
            generation=params,
            progress=False,
        )
        agent = evaluate_bfcl(
            backend,
            chosen,
            constrained=constrained,
            tool_choice=tool_choice,  # type: ignore[arg-type]
            generation=params,
            agent=True,
            limits=Limits(max_steps=2),
            progress=False,
        )
        assert agent.setting == setting_name(constrained, tool_choice, agent=True)
        for case, single, run in zip(chosen, one.results, agent.results, strict=True):
            assert run.reason != "generation_error", run.detail
            assert 1 <= run.steps <= 2 and run.prompt_tokens > 0
            if run.steps == 1:  # same prompt, greedy: the agent's only turn is the generation
                assert run.output == single.output
            if run.calls and "no turn's calls all verified" not in run.detail:
                toolbox = Toolbox([Tool.from_spec(f) for f in case.functions])
                for call in run.calls:
                    checked = toolbox.verify(ToolCall.from_dict(call))
                    assert not isinstance(checked, CallError), call
        if decoding == "constrained-required":  # the grammar gives calls that verify
            assert all(r.calls for r in agent.results)


def test_multi_turn_categories_take_the_limits_per_turn() -> None:
    report = evaluate_bfcl("gold", DATA, ["multi_turn_base"], limit=1, limits=Limits(max_steps=5))
    assert report.max_steps == 5 and report.overall == 1.0
    from lamagent.cli.eval import app

    args = ["bfcl", "--data", str(DATA), "--model", "gold", "-c", "multi_turn_base"]
    result = CliRunner().invoke(app, [*args, "--limit", "1", "--max-steps", "4", "--no-progress"])
    assert result.exit_code == 0, result.output


def test_the_agent_setting_runs_without_the_models_profile() -> None:
    from lamagent.models import default_gguf_path

    (case,) = first("simple_python")
    backend = ScriptedBackend.calls(["No."], supports_constraint=True)
    backend.path = default_gguf_path()  # type: ignore[attr-defined]  # looks like the embedded model
    evaluate_bfcl(backend, [case], agent=True, progress=False)
    ((_, params),) = backend.requests  # one turn: no gate draft, no profile settings
    assert params.copy_bias == 0 and not params.example_shapes
