"""Running models over BFCL cases: scripted answers, gold, resuming, the report, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamagent import formats
from lamagent.backends.scripted import ScriptedBackend
from lamagent.errors import ConstraintError, LamagentError
from lamagent.eval import EvalReport, evaluate_bfcl, load_bfcl
from lamagent.eval.bfcl_data import BFCLCase, first_acceptable_calls, select_cases
from lamagent.eval.report import plot_accuracy
from lamagent.generation import GenerationParams
from lamagent.messages import AssistantTurn, ToolCall
from lamagent.tools import Tool

DATA = Path(__file__).parent / "data" / "bfcl"
FMT = formats.get("xlam2-qwen")


def small_sample(per_category: int = 4) -> list[BFCLCase]:
    """A few cases per category whose first user message is unique (the script's lookup key)."""
    seen: set[str] = set()
    chosen: list[BFCLCase] = []
    for case in select_cases(load_bfcl(DATA), sample=per_category * 3, seed=1):
        text = case.messages[-1]["content"].strip()
        if text not in seen and sum(c.category == case.category for c in chosen) < per_category:
            seen.add(text)
            chosen.append(case)
    return chosen


def perfect_reply(case: BFCLCase) -> str:
    if case.ground_truth is None:
        return FMT.render_assistant(AssistantTurn(answer="I cannot help with that."))
    calls = first_acceptable_calls(case.ground_truth, case.functions)
    return FMT.render_assistant(AssistantTurn(calls=[ToolCall.from_dict(c) for c in calls]))


def scripted_by_question(cases: list[BFCLCase], reply, **kwargs) -> ScriptedBackend:  # type: ignore[no-untyped-def]
    """A backend that finds the case in the prompt and answers with `reply(case)`."""

    def answer(prompt: str) -> str:
        matches = [c for c in cases if c.messages[-1]["content"].strip() in prompt]
        assert len(matches) == 1, prompt[-300:]
        return reply(matches[0])

    return ScriptedBackend(answer, **kwargs)


def test_perfect_answers_score_100_percent() -> None:
    cases = small_sample()
    backend = scripted_by_question(cases, perfect_reply)
    report = evaluate_bfcl(backend, cases, progress=False)
    assert len(report.results) == len(cases) == 20
    assert report.overall == 1.0
    assert set(report.categories) == {
        "irrelevance",
        "live_simple",
        "multiple",
        "parallel",
        "simple_python",
    }
    assert len(backend.requests) == len(cases)
    _prompt, params = backend.requests[0]
    assert params.constraint is None and params.temperature == 0.0
    assert set(FMT.stop) <= set(params.stop)


def test_prompts_render_the_question_and_its_functions_with_the_format() -> None:
    cases = [c for c in small_sample() if c.category == "multiple"][:1]
    backend = scripted_by_question(cases, perfect_reply)
    evaluate_bfcl(backend, cases, progress=False)
    prompt = backend.requests[0][0]
    for fn in cases[0].functions:
        assert fn["name"] in prompt
    assert '"type": "dict"' not in prompt  # BFCL type words were normalised by Tool.from_spec
    assert prompt.startswith(FMT.render(cases[0].messages, []).split("\n")[0])


def test_the_format_chosen_for_the_backend_is_used_unless_one_is_given() -> None:
    cases = [c for c in small_sample() if c.category == "simple_python"][:1]
    llama = formats.get("xlam2-llama")
    backend = scripted_by_question(
        cases, lambda c: llama.render_assistant(AssistantTurn(answer="x"))
    )
    backend.format = "xlam2-llama"
    assert evaluate_bfcl(backend, cases, progress=False).format == "xlam2-llama"
    assert backend.requests[0][0] == llama.render(
        cases[0].messages, [Tool.from_spec(f) for f in cases[0].prompt_functions]
    )
    assert evaluate_bfcl(backend, cases, format="xlam1-fc", progress=False).format == "xlam1-fc"


def test_empty_and_garbage_answers_score_zero_except_irrelevance() -> None:
    cases = small_sample()
    for reply in ("", '[{"name": "broken", "arguments": {'):
        backend = ScriptedBackend([reply] * len(cases))
        report = evaluate_bfcl(backend, cases, progress=False)
        for category, score in report.categories.items():
            assert score.accuracy == (1.0 if category == "irrelevance" else 0.0), (reply, category)
    reasons = {r.reason for r in report.failures}
    assert reasons == {"parse_error"}


def test_calls_on_irrelevance_fail_and_text_passes() -> None:
    cases = [c for c in small_sample() if c.category == "irrelevance"]

    def call_first(case: BFCLCase) -> str:
        call = ToolCall(name=case.functions[0]["name"], arguments={})
        return FMT.render_assistant(AssistantTurn(calls=[call]))

    report = evaluate_bfcl(scripted_by_question(cases, call_first), cases, progress=False)
    assert report.overall == 0.0
    assert {r.reason for r in report.results} == {"irrelevance_call"}
    report = evaluate_bfcl(scripted_by_question(cases, perfect_reply), cases, progress=False)
    assert report.overall == 1.0


def test_failures_carry_reasons_and_outputs() -> None:
    cases = [c for c in small_sample() if c.category == "simple_python"]

    def wrong_name(case: BFCLCase) -> str:
        return FMT.render_assistant(AssistantTurn(calls=[ToolCall(name="nope", arguments={})]))

    report = evaluate_bfcl(scripted_by_question(cases, wrong_name), cases, progress=False)
    assert [f.reason for f in report.failures] == ["wrong_function"] * len(cases)
    data = report.to_dict()
    assert data["categories"]["simple_python"]["reasons"] == {"wrong_function": len(cases)}
    assert data["failures"][0]["calls"] == [{"name": "nope", "arguments": {}}]
    assert "nope" in data["failures"][0]["output"]


def test_a_rerun_with_the_same_out_file_skips_done_cases(tmp_path: Path) -> None:
    cases = small_sample()
    out = tmp_path / "results.jsonl"
    first = scripted_by_question(cases, perfect_reply)
    evaluate_bfcl(first, cases, limit=2, out=out, progress=False)
    assert len(first.requests) == 10
    assert len(out.read_text().splitlines()) == 10

    # Simulate a crash mid-write: a truncated last line is ignored and that case is rerun.
    with out.open("a") as fh:
        fh.write('{"id": "partial')
    second = scripted_by_question(cases, perfect_reply)
    report = evaluate_bfcl(second, cases, out=out, progress=False)
    assert len(second.requests) == len(cases) - 10
    assert report.overall == 1.0 and len(report.results) == len(cases)

    third = ScriptedBackend([])  # would fail if asked to generate
    again = evaluate_bfcl(third, cases, out=out, progress=False)
    assert third.requests == [] and again.overall == 1.0
    assert [r.id for r in again.results] == [c.id for c in cases]


def test_an_out_file_of_another_setting_is_refused(tmp_path: Path) -> None:
    cases = small_sample(1)
    out = tmp_path / "results.jsonl"
    evaluate_bfcl("gold", cases, out=out, progress=False)
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl(ScriptedBackend(lambda _p: ""), cases, out=out, progress=False)


def test_a_results_file_from_before_tool_choice_resumes(tmp_path: Path) -> None:
    cases = small_sample(1)
    out = tmp_path / "results.jsonl"
    evaluate_bfcl("gold", cases, out=out, progress=False)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    out.write_text(
        "".join(
            json.dumps({k: v for k, v in x.items() if k != "tool_choice"}) + "\n" for x in lines
        )
    )
    again = evaluate_bfcl("gold", cases, out=out, progress=False)
    assert again.overall == 1.0 and len(out.read_text().splitlines()) == len(cases)


def test_constrained_runs_pass_the_format_grammar() -> None:
    cases = [c for c in small_sample() if c.category in ("parallel", "irrelevance")]
    backend = scripted_by_question(cases, perfect_reply, supports_constraint=True)
    report = evaluate_bfcl(backend, cases, constrained=True, progress=False)
    assert report.overall == 1.0 and report.constrained
    constraint = backend.requests[0][1].constraint
    assert constraint is not None and constraint.json_schema is not None
    with pytest.raises(ConstraintError):
        evaluate_bfcl(ScriptedBackend([]), cases, constrained=True, progress=False)


def test_tool_choice_required_constrains_to_calls_only(tmp_path: Path) -> None:
    cases = [c for c in small_sample() if c.category == "simple_python"]
    out = tmp_path / "results.jsonl"
    auto_backend = scripted_by_question(cases, perfect_reply, supports_constraint=True)
    auto = evaluate_bfcl(auto_backend, cases, constrained=True, out=out, progress=False)
    allowed = auto_backend.requests[0][1].constraint
    assert allowed is not None and allowed.allow_text and auto.setting == "constrained"

    backend = scripted_by_question(cases, perfect_reply, supports_constraint=True)
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl(
            backend, cases, constrained=True, tool_choice="required", out=out, progress=False
        )
    report = evaluate_bfcl(backend, cases, constrained=True, tool_choice="required", progress=False)
    constraint = backend.requests[0][1].constraint
    assert constraint is not None and not constraint.allow_text
    assert constraint.json_schema is not None
    assert report.overall == 1.0 and report.setting == "constrained-required"
    assert EvalReport.model_validate(report.model_dump()).tool_choice == "required"


def test_tool_choice_is_checked() -> None:
    cases = small_sample(1)
    with pytest.raises(ValueError, match="needs constrained=True"):
        evaluate_bfcl("gold", cases, tool_choice="required", progress=False)
    with pytest.raises(ValueError, match="tool_choice must be one of"):
        evaluate_bfcl("gold", cases, constrained=True, tool_choice="any", progress=False)


def test_concurrent_generations_give_the_same_report() -> None:
    cases = small_sample()
    backend = scripted_by_question(cases, perfect_reply, delay=0.001)
    report = evaluate_bfcl(backend, cases, concurrency=4, progress=False)
    assert report.overall == 1.0 and [r.id for r in report.results] == [c.id for c in cases]


def test_backend_errors_are_recorded_not_raised() -> None:
    cases = small_sample(1)
    report = evaluate_bfcl(ScriptedBackend([]), cases, progress=False)
    assert {r.reason for r in report.results} == {"generation_error"}


@pytest.mark.parametrize("fmt", ["xlam2-qwen", "xlam2-llama", "xlam1-fc", "xlam1"])
def test_gold_scores_100_percent_on_every_file(fmt: str) -> None:
    report = evaluate_bfcl("gold", DATA, format=fmt, progress=False)
    assert len(report.results) == 1298
    assert {c: s.accuracy for c, s in report.categories.items()} == {
        "irrelevance": 1.0,
        "live_simple": 1.0,
        "multiple": 1.0,
        "parallel": 1.0,
        "simple_python": 1.0,
    }


def test_gold_on_a_single_file_with_limit_and_sample() -> None:
    file = DATA / "BFCL_v4_parallel.json"
    assert evaluate_bfcl("gold", file, limit=5, progress=False).overall == 1.0
    picked = evaluate_bfcl("gold", file, sample=5, seed=3, progress=False)
    assert len(picked.results) == 5 and picked.overall == 1.0
    assert [r.id for r in picked.results] != [f"parallel_{i}" for i in range(5)]
    with pytest.raises(LamagentError, match="present"):
        evaluate_bfcl("gold", DATA, ["simple_java"], progress=False)


def test_report_json_round_trip_and_chart(tmp_path: Path) -> None:
    cases = small_sample(2)
    free = evaluate_bfcl("gold", cases, progress=False)
    bad = evaluate_bfcl(ScriptedBackend(lambda _p: ""), cases, progress=False)
    path = free.save_json(tmp_path / "report.json")
    loaded = EvalReport.load_json(path)
    assert loaded.overall == free.overall and loaded.results == free.results
    data = json.loads(path.read_text())
    assert data["overall"] == 1.0 and data["categories"]["parallel"]["accuracy"] == 1.0
    png = plot_accuracy([free, bad], tmp_path / "chart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_bfcl_with_gold_writes_table_report_and_chart(tmp_path: Path) -> None:
    from lamagent.cli.eval import app

    args = ["bfcl", "--data", str(DATA), "--model", "gold", "--limit", "3", "--no-progress"]
    result = CliRunner().invoke(
        app, [*args, "-c", "parallel", "-c", "irrelevance", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "100.0%" in result.output and "parallel" in result.output
    assert "simple_python" not in result.output
    report = json.loads((tmp_path / "report-free.json").read_text())
    assert report["total"] == 6 and report["overall"] == 1.0
    assert len((tmp_path / "results-free.jsonl").read_text().splitlines()) == 6
    assert (tmp_path / "accuracy.png").stat().st_size > 1000

    missing = CliRunner().invoke(
        app, ["bfcl", "--data", str(tmp_path / "nowhere"), "--no-progress"]
    )
    assert missing.exit_code == 1

    required = CliRunner().invoke(
        app,
        [
            *args,
            "-c",
            "parallel",
            "--constrained",
            "--tool-choice",
            "required",
            "--out",
            str(tmp_path),
        ],
    )
    assert required.exit_code == 0, required.output
    assert "constrained-required" in required.output
    assert json.loads((tmp_path / "report-constrained-required.json").read_text())["total"] == 3
    unconstrained = CliRunner().invoke(app, [*args, "--tool-choice", "required"])
    assert unconstrained.exit_code == 2 and "needs --constrained" in unconstrained.output


@pytest.mark.gguf
def test_the_embedded_model_calls_on_every_case_when_calls_are_required() -> None:
    """The real engine under the calls-only grammar: every answer is a parseable, schema-valid
    call list."""
    pytest.importorskip("llama_cpp")
    from gguf_model import shared_backend

    from lamagent.tools import CallError, Toolbox

    cases = select_cases(load_bfcl(DATA, ["simple_python", "multiple"]), limit=3)
    backend = shared_backend()
    required = evaluate_bfcl(
        backend,
        cases,
        constrained=True,
        tool_choice="required",
        generation=GenerationParams(max_tokens=96),
        progress=False,
    )
    assert required.setting == "constrained-required"
    for case, result in zip(cases, required.results, strict=True):
        assert result.reason not in ("parse_error", "generation_error"), result.output
        assert result.calls, result.output
        toolbox = Toolbox([Tool.from_spec(f) for f in case.functions])
        for call in result.calls:
            assert not isinstance(toolbox.verify(ToolCall.from_dict(call)), CallError), call


def test_multi_turn_categories_go_to_the_multi_turn_evaluation(tmp_path: Path) -> None:
    from lamagent.eval.multi_turn import MultiTurnReport

    report = evaluate_bfcl("gold", DATA, ["multi_turn_base"], limit=2, progress=False)
    assert isinstance(report, MultiTurnReport)
    assert len(report.results) == 2 and report.overall == 1.0
    with pytest.raises(LamagentError, match="run of their own"):
        evaluate_bfcl("gold", DATA, ["multi_turn_base", "simple_python"], progress=False)
    from lamagent.cli import app

    args = ["eval", "bfcl", "--data", str(DATA), "--model", "gold", "-c", "multi_turn_base"]
    result = CliRunner().invoke(app, [*args, "--limit", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "multi_turn_base" in result.output and "100" in result.output


def test_the_copy_bias_reaches_the_model_and_keeps_its_own_results(tmp_path: Path) -> None:
    """`generation.copy_bias` goes to the engine with the texts to copy from, and a results file
    of one bias is never resumed by a run with another."""
    call = json.dumps([{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}])
    cases = select_cases(load_bfcl(DATA, ["simple_python"]), limit=1)
    backend = ScriptedBackend(lambda _: call, supports_constraint=True)
    out = tmp_path / "results.jsonl"
    report = evaluate_bfcl(
        backend,
        cases,
        constrained=True,
        tool_choice="required",
        generation=GenerationParams(max_tokens=64, copy_bias=3.0),
        out=out,
        progress=False,
    )
    assert report.setting == "constrained-required-copy3"
    (_, params) = backend.requests[-1]
    assert params.copy_bias == 3.0
    assert params.copy_from and cases[0].messages[-1]["content"] in params.copy_from
    assert json.loads(out.read_text().splitlines()[0])["copy_bias"] == 3.0
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl(
            backend, cases, constrained=True, tool_choice="required", out=out, progress=False
        )


def test_cli_copy_bias_names_its_results_and_needs_a_call_grammar(tmp_path: Path) -> None:
    from lamagent.cli.eval import app

    args = ["bfcl", "--data", str(DATA), "--model", "gold", "--limit", "1", "--no-progress"]
    args += ["-c", "simple_python", "--out", str(tmp_path), "--copy-bias", "3"]
    free = CliRunner().invoke(app, args)
    assert free.exit_code == 2 and "needs --constrained or --gate" in free.output
    ok = CliRunner().invoke(app, [*args, "--constrained", "--tool-choice", "required"])
    assert ok.exit_code == 0, ok.output
    lines = (tmp_path / "results-constrained-required-copy3.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["copy_bias"] == 3.0


@pytest.mark.parametrize(
    ("field", "option", "suffix"),
    [
        ("mentioned_arguments", "--mentioned-arguments", "mentions"),
        ("example_shapes", "--example-shapes", "shapes"),
        ("listed_items", "--listed-items", "listed"),
    ],
)
def test_a_decoding_aid_names_the_setting_and_keeps_its_own_results(
    tmp_path: Path, field: str, option: str, suffix: str
) -> None:
    """`mentioned_arguments`, `example_shapes` and `listed_items` show in the setting's name,
    the results file and the CLI (which needs a call grammar for the first two: listed items
    work on any calls), and a file of one is never resumed by a run without."""
    from lamagent.cli.eval import app

    call = json.dumps([{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}])
    cases = select_cases(load_bfcl(DATA, ["simple_python"]), limit=1)
    backend = ScriptedBackend(lambda _: call, supports_constraint=True)
    out = tmp_path / "results.jsonl"
    params = GenerationParams(max_tokens=64, **{field: True})
    report = evaluate_bfcl(
        backend, cases, constrained=True, tool_choice="required", generation=params, out=out,
        progress=False,
    )  # fmt: skip
    assert report.setting == f"constrained-required-{suffix}"
    assert json.loads(out.read_text().splitlines()[0])[field] is True
    with pytest.raises(LamagentError, match="another setting"):
        evaluate_bfcl(
            backend, cases, constrained=True, tool_choice="required", out=out, progress=False
        )
    args = ["bfcl", "--data", str(DATA), "--model", "gold", "--limit", "1", "--no-progress"]
    args += ["-c", "simple_python", "--out", str(tmp_path), option]
    free = CliRunner().invoke(app, args)
    if field == "listed_items":
        assert free.exit_code == 0, free.output
        assert json.loads((tmp_path / "results-free-listed.jsonl").read_text().splitlines()[0])[
            field
        ]
    else:
        assert free.exit_code == 2 and "needs --constrained or --gate" in free.output
    ok = CliRunner().invoke(app, [*args, "--constrained", "--tool-choice", "required"])
    assert ok.exit_code == 0, ok.output
    lines = (tmp_path / f"results-constrained-required-{suffix}.jsonl").read_text().splitlines()
    assert json.loads(lines[0])[field] is True


def test_reports_side_by_side_as_markdown() -> None:
    from lamagent.eval.report import markdown_comparison

    gold = evaluate_bfcl("gold", DATA, ["simple_python", "irrelevance"], limit=2, progress=False)
    first, second = list(gold.categories)
    half = gold.model_copy(update={"results": gold.results[:2]})  # the second category not run
    lines = markdown_comparison({"gold": gold, "part": half})
    assert lines[0] == "| category | gold | part |"
    assert lines[2] == f"| {first} | 100% (2/2) | 100% (2/2) |"
    assert lines[3] == f"| {second} | 100% (2/2) | not run |"
    assert lines[4] == "| **overall** | **100%** (4/4) | **100%** (2/2) |"


def test_eval_cli_sizes_the_context_of_an_in_process_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Multi-turn prompts outgrow the engine's default 4096 tokens: the CLI loads a local GGUF
    with 8192 for them, `--n-ctx` overrides it, and a server refuses the option."""
    import lamagent.backends
    from lamagent.cli import app

    loaded: list[tuple[object, dict[str, object]]] = []

    class Stop(LamagentError):
        pass

    def fake_load(spec: object = None, **kwargs: object) -> object:
        loaded.append((spec, kwargs))
        raise Stop("loaded")

    monkeypatch.setattr(lamagent.backends, "load_model", fake_load)
    base = ["eval", "bfcl", "--data", str(DATA), "--no-progress"]

    def run(*extra: str) -> dict[str, object]:
        loaded.clear()
        result = CliRunner().invoke(app, [*base, *extra])
        assert result.exit_code == 1 and "loaded" in result.output, result.output
        return loaded[0][1]

    assert run("--model", "default", "-c", "multi_turn_base") == {"n_ctx": 8192}
    assert run("--model", "default", "-c", "memory_kv", "--max-steps", "4") == {"n_ctx": 8192}
    assert run("--model", "default", "-c", "simple_python") == {}
    assert run("--model", "m.gguf", "-c", "multi_turn_base", "--n-ctx", "16384") == {"n_ctx": 16384}
    assert run("--model", "m.gguf", "-c", "simple_python", "--threads", "2", "--n-ctx", "2048") == {
        "n_threads": 2,
        "n_ctx": 2048,
    }
    served = CliRunner().invoke(
        app, [*base, "--model", "http://127.0.0.1:1/v1", "-c", "simple_python", "--n-ctx", "8192"]
    )
    assert served.exit_code == 2 and "--n-ctx" in served.output
    assert run("--model", "http://127.0.0.1:1/v1", "-c", "multi_turn_base") == {
        "mode": "completions"
    }


def test_a_whole_bfcl_folder_runs_its_single_turn_categories_and_names_the_rest(
    tmp_path: Path,
) -> None:
    """BFCL's own data folder holds multi-turn and agentic files and `format_sensitivity` (a
    JSON object of case ids) beside the single-turn cases: a run over the folder evaluates the
    single-turn ones and says what it left out and why; asking for one of the others, or a
    single-turn record without function specs, is an error that names the cause."""
    import shutil

    from lamagent.eval.bfcl_data import skipped_categories

    folder = tmp_path / "bfcl"
    shutil.copytree(DATA, folder)
    memory = {
        "id": "memory_0-customer-0",
        "question": [[{"role": "user", "content": "What is my first name?"}]],
        "involved_classes": ["MemoryAPI"],
        "scenario": "customer",
    }
    (folder / "BFCL_v4_memory.json").write_text(json.dumps(memory) + "\n")
    multi = {"id": "multi_turn_base_0", "question": [[]], "involved_classes": ["MathAPI"]}
    (folder / "BFCL_v4_multi_turn_base.json").write_text(json.dumps(multi) + "\n")
    selection = {"simple_python": ["simple_python_0", "simple_python_1"]}
    (folder / "BFCL_v4_format_sensitivity.json").write_text(json.dumps(selection, indent=4))

    report = evaluate_bfcl("gold", folder, limit=1, progress=False)
    assert set(report.categories) == {
        "irrelevance",
        "live_simple",
        "multiple",
        "parallel",
        "simple_python",
    }
    assert report.overall == 1.0
    assert set(report.skipped) == {"memory", "multi_turn_base", "format_sensitivity"}
    assert "agentic" in report.skipped["memory"]
    assert "run of its own" in report.skipped["multi_turn_base"]
    assert report.skipped == skipped_categories(folder)
    assert evaluate_bfcl("gold", folder, ["parallel"], limit=1, progress=False).skipped == {}

    with pytest.raises(LamagentError, match="'memory' is an agentic category"):
        evaluate_bfcl("gold", folder, ["memory"], progress=False)
    with pytest.raises(LamagentError, match="not cases but a selection"):
        load_bfcl(folder / "BFCL_v4_format_sensitivity.json")
    with pytest.raises(LamagentError, match="multi-turn category"):
        load_bfcl(folder, ["multi_turn_base", "simple_python"])

    broken = tmp_path / "BFCL_v4_simple_python.json"
    broken.write_text(json.dumps({"id": "simple_python_0", "question": [[]]}) + "\n")
    with pytest.raises(LamagentError, match="'simple_python_0' has no list of function specs"):
        load_bfcl(broken)

    from lamagent.cli import app

    result = CliRunner().invoke(
        app, ["eval", "bfcl", "--data", str(folder), "--model", "gold", "--limit", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "left out memory: an agentic category" in " ".join(result.output.split())
