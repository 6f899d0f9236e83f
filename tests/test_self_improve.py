"""The closed loop of examples/self_improve.py: split, record, filter, dataset, tune, measure.

The fast tests check the parts that can silently go wrong without a model: the split is seeded
and disjoint, teacher runs pass the ground-truth judge and prose runs do not, and the training
prompt of every teacher run is byte-identical to the prompt the evaluation renders. The slow test
runs the whole loop at a tiny scale (real SmolLM2 GGUF and checkpoint, 2 training steps) and
checks that each stage produced what the next one consumes.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from gguf_model import TEST_THREADS

from lamagent import Agent
from lamagent.backends.scripted import ScriptedBackend
from lamagent.errors import LamagentError
from lamagent.eval import load_bfcl
from lamagent.eval.split import split_cases
from lamagent.finetune import sft_samples
from lamagent.formats import get as get_format
from lamagent.trajectory import MemoryStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "bfcl"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "self_improve", ROOT / "examples" / "self_improve.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["self_improve"] = module
    spec.loader.exec_module(module)
    return module


si = _load_example()


def test_split_is_seeded_disjoint_and_in_file_order() -> None:
    cases = load_bfcl(DATA, ["simple_python", "live_simple"])
    train, held = split_cases(cases, seed=3)
    again_train, again_held = split_cases(cases, seed=3)
    assert [c.id for c in train] == [c.id for c in again_train]
    assert [c.id for c in held] == [c.id for c in again_held]
    assert not {c.id for c in train} & {c.id for c in held}
    assert len(train) + len(held) == len(cases)
    for cat in ("simple_python", "live_simple"):
        n = sum(c.category == cat for c in cases)
        assert sum(c.category == cat for c in train) == round(n / 2)
    order = {c.id: i for i, c in enumerate(cases)}
    assert [order[c.id] for c in held] == sorted(order[c.id] for c in held)
    other_train, _ = split_cases(cases, seed=4)
    assert {c.id for c in other_train} != {c.id for c in train}
    # a category's split does not depend on which other categories are loaded
    alone, _ = split_cases(load_bfcl(DATA, ["simple_python"]), seed=3)
    assert [c.id for c in alone] == [c.id for c in train if c.category == "simple_python"]
    with pytest.raises(ValueError, match="train_fraction"):
        split_cases(cases, train_fraction=1.5)
    with pytest.raises(ValueError, match="duplicate"):
        split_cases([cases[0], cases[0]])


def _run(backend: ScriptedBackend, case, store: MemoryStore, **kwargs):  # type: ignore[no-untyped-def]
    """One agent run on `case` with its stub tools, in the loop's Format, recorded in `store`."""
    agent = Agent(
        backend, si.case_tools(case), format=si.FORMAT, store=store, constrained=False, **kwargs
    )
    return agent.run(si.single_question(case))


def _teacher_runs(cases: list) -> tuple[list, dict]:  # type: ignore[type-arg]
    store = MemoryStore()
    origin = {}
    for case in cases:
        result = _run(si.teacher_backend(case), case, store, max_steps=3)
        origin[result.trajectory.unique_trajectory_id] = case
    return list(store), origin


def test_teacher_runs_pass_the_judge_and_prompts_match_the_evaluation() -> None:
    train, _ = split_cases(load_bfcl(DATA, ["simple_python"]), seed=0)
    cases = train[:25]
    runs, origin = _teacher_runs(cases)
    assert all(r.outcome == "answer" for r in runs)
    judge = si.ground_truth_judge(origin)
    assert [judge(r) for r in runs] == [True] * len(runs)
    # the training prompt of the call turn is exactly what evaluate_bfcl sends for the case
    fmt = get_format(si.FORMAT)
    rows = [s.__dict__ for s in sft_samples(runs, fmt)]
    assert si.check_prompts(rows, runs, origin) == len(cases)
    first = rows[0]
    case = origin[first["trajectory_id"]]
    assert first["prompt"] == fmt.render(case.messages, si.eval_tools(case))
    assert first["target"].startswith('[{"name": "' + case.functions[0]["name"])


def test_a_system_prompt_is_caught_as_a_prompt_mismatch() -> None:
    case = load_bfcl(DATA, ["simple_python"])[0]
    store = MemoryStore()
    result = _run(si.teacher_backend(case), case, store, system_prompt="Be brief.")
    origin = {result.trajectory.unique_trajectory_id: case}
    rows = [s.__dict__ for s in sft_samples(list(store), get_format(si.FORMAT))]
    with pytest.raises(LamagentError, match="differs from the evaluation prompt"):
        si.check_prompts(rows, list(store), origin)


def test_prose_and_wrong_calls_fail_the_judge() -> None:
    case = load_bfcl(DATA, ["simple_python"])[0]
    store = MemoryStore()
    prose = _run(ScriptedBackend.calls(["The area is 25."]), case, store)
    name = case.functions[0]["name"]
    wrong = _run(
        ScriptedBackend.calls([[{"name": name, "arguments": {"base": 3, "height": 4}}], "ok"]),
        case,
        store,
    )
    origin = {r.trajectory.unique_trajectory_id: case for r in (prose, wrong)}
    judge = si.ground_truth_judge(origin)
    assert judge(prose.trajectory) == "no call"
    assert judge(store.get(wrong.trajectory.unique_trajectory_id)) == "ground truth: wrong_value"


def test_irrelevance_cases_train_the_no_fit_answer() -> None:
    train, _ = split_cases(load_bfcl(DATA, ["irrelevance"]), seed=0)
    runs, origin = _teacher_runs(train[:5])
    judge = si.ground_truth_judge(origin)
    assert [judge(r) for r in runs] == [True] * 5
    assert all(not r.steps[0].tool_calls and r.outcome == "answer" for r in runs)
    fmt = get_format(si.FORMAT)
    rows = [s.__dict__ for s in sft_samples(runs, fmt)]
    assert si.check_prompts(rows, runs, origin) == 5
    assert rows[0]["target"].startswith(si.NO_FIT_ANSWER)
    # a call on an irrelevance case fails the judge
    case = train[0]
    store = MemoryStore()
    called = _run(
        ScriptedBackend.calls([[{"name": case.functions[0]["name"], "arguments": {}}], "ok"]),
        case,
        store,
    )
    traj = store.get(called.trajectory.unique_trajectory_id)
    assert si.ground_truth_judge({traj.unique_trajectory_id: case})(traj) == (
        "ground truth: irrelevance_call"
    )


def test_first_per_category_keeps_each_categorys_first_cases() -> None:
    cases = load_bfcl(DATA, ["simple_python", "irrelevance"])
    chosen = si.first_per_category(cases, 3, ["irrelevance", "simple_python"])
    assert [c.category for c in chosen] == ["irrelevance"] * 3 + ["simple_python"] * 3
    assert chosen[:3] == [c for c in cases if c.category == "irrelevance"][:3]
    assert len(si.first_per_category(cases, None, ["simple_python"])) == 400


@pytest.mark.slow
@pytest.mark.gguf
@pytest.mark.hf
def test_the_loop_at_tiny_scale(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("peft")
    out = tmp_path / "run"
    settings = si.LoopSettings(
        data=str(DATA),
        categories=("simple_python", "irrelevance"),
        out=str(out),
        eval_limit=2,
        train_cases=3,
        own_runs=1,
        max_tokens=24,
        threads=TEST_THREADS,
        train_threads=TEST_THREADS,
        rank=4,
        alpha=8,
        lora_layers=2,
        max_steps=2,
        batch_size=2,
        lr=1e-3,
        outtype="q8_0",
    )
    report = si.run_loop(settings)
    saved = json.loads((out / "report.json").read_text())
    assert saved["before"] == report["before"] and saved["after"] == report["after"]
    # split -> measure: the measured cases are the first 2 held-out cases of each category
    _, held = split_cases(load_bfcl(DATA, ["simple_python", "irrelevance"]), seed=0)
    expected = [c.id for c in held if c.category == "simple_python"][:2] + [
        c.id for c in held if c.category == "irrelevance"
    ][:2]
    assert saved["held_out_ids"] == expected
    for tag in ("before", "after"):
        for setting, n in (("free", 4), ("constrained", 4), ("constrained-required", 2)):
            assert saved[tag][setting]["cases"] == n
            lines = (out / "eval" / f"{tag}-{setting}.jsonl").read_text().splitlines()
            ids = [json.loads(x)["id"] for x in lines]
            assert ids == (expected if n == 4 else expected[:2])
        assert set(saved[tag]["free"]["categories"]) == {"simple_python", "irrelevance"}
        assert set(saved[tag]["constrained-required"]["categories"]) == {"simple_python"}
    # record -> filter: 3 teacher runs per category and 1 own run; teacher runs all kept
    assert saved["trajectories"] == {"total": 7, "small_model": 1}
    assert saved["filter"]["total"] == 7 and saved["filter"]["kept"] >= 6
    # filter -> dataset: one first-turn sample per kept run, prompts identical to the evaluation
    assert saved["dataset"]["samples"] == saved["filter"]["kept"]
    assert saved["dataset"]["prompts_checked_identical"] == saved["filter"]["kept"]
    # dataset -> training -> export -> measure
    assert len(saved["training"]["losses"]) == 2
    assert all(loss > 0 for loss in saved["training"]["losses"])
    assert (out / "tuned-q8_0.gguf").stat().st_size > 50_000_000
    assert (out / "accuracy.png").stat().st_size > 0
    assert set(saved["timings_s"]) >= {"measure_before", "record", "train_export", "total"}


# -- multi-turn ----------------------------------------------------------------------------


def _multi_turn_teacher_runs(ids: list[str]):  # type: ignore[no-untyped-def]
    from lamagent.eval.multi_turn import load_multi_turn

    cases = {c.id: c for c in load_multi_turn(["multi_turn_base", "multi_turn_miss_func"])}
    store = MemoryStore()
    settings = si.LoopSettings(categories=("multi_turn_base", "multi_turn_miss_func"))
    runs = si.record_multi_turn(store, [cases[i] for i in ids], settings)
    return list(store), runs, settings


@pytest.mark.hf
def test_multi_turn_teacher_turns_are_samples_with_the_loops_prompts() -> None:
    pytest.importorskip("transformers")
    from lamagent.models import default_hf_checkpoint

    # multi_turn_miss_func_0 offers `sort` from turn 3 on: its later turns see 32 tools, not 31
    recorded, runs, settings = _multi_turn_teacher_runs(
        ["multi_turn_base_0", "multi_turn_miss_func_0"]
    )
    assert all(r.passed for r in runs.values()) and len(recorded) == 2
    judge = si.teacher_judge(runs)
    assert [judge(t) for t in recorded] == [True, True]
    dataset, info = si.build_multi_turn_dataset(recorded, runs, settings, default_hf_checkpoint())
    steps = sum(len(t.steps) for t in recorded)
    # every assistant turn of both runs is a sample, its prompt the one the loop sent
    assert info["samples"] == info["prompts_checked_identical"] == steps == 17
    assert info["dropped_too_long"] == 0
    miss = next(t for t in recorded if runs[t.unique_trajectory_id].case.id.endswith("func_0"))
    rows = [r for r in dataset if r["trajectory_id"].startswith(miss.unique_trajectory_id)]
    assert len(rows) == len(miss.steps)
    assert '"name": "sort"' not in rows[0]["prompt"] and '"name": "sort"' in rows[-1]["prompt"]


@pytest.mark.hf
def test_multi_turn_samples_rendered_with_the_wrong_tools_are_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("transformers")
    from lamagent.models import default_hf_checkpoint

    recorded, runs, settings = _multi_turn_teacher_runs(["multi_turn_miss_func_0"])
    # the trajectory's own tools for every turn: the turns after `sort` arrives differ
    monkeypatch.setattr(
        si, "tool_phases", lambda traj, run: [(traj, {s.step_id for s in traj.steps})]
    )
    with pytest.raises(LamagentError, match="differs from the prompt the loop sent"):
        si.build_multi_turn_dataset(recorded, runs, settings, default_hf_checkpoint())


def test_multi_turn_and_single_turn_categories_do_not_mix() -> None:
    with pytest.raises(LamagentError, match="loop of their own"):
        si.run_loop(si.LoopSettings(categories=("multi_turn_base", "simple_python")))


@pytest.mark.slow
@pytest.mark.gguf
@pytest.mark.hf
# two cold prefills of a multi-turn prompt (3-5k tokens, before and after) on the test threads,
# plus a training step on such a prompt: minutes on a small shared machine
@pytest.mark.timeout(1800)
def test_the_multi_turn_loop_at_tiny_scale(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    pytest.importorskip("peft")
    from lamagent.eval.multi_turn import load_multi_turn

    out = tmp_path / "run"
    settings = si.LoopSettings(
        categories=("multi_turn_base",),
        out=str(out),
        eval_limit=1,
        train_cases=2,
        max_tokens=16,
        turn_steps=1,
        threads=TEST_THREADS,
        train_threads=TEST_THREADS,
        rank=4,
        alpha=8,
        lora_layers=2,
        max_steps=1,
        batch_size=1,
        outtype="q8_0",
        settings=("free",),
    )
    report = si.run_loop(settings)
    saved = json.loads((out / "report.json").read_text())
    assert saved["multi_turn"] is True and saved["after"] == report["after"]
    # split -> measure: the first held-out case, by the Agent, before and after
    _, held = split_cases(load_multi_turn(["multi_turn_base"]), seed=0)
    assert saved["held_out_ids"] == [held[0].id]
    for tag in ("before", "after"):
        assert saved[tag]["free"]["cases"] == 1
        (line,) = (out / "eval" / f"{tag}-free.jsonl").read_text().splitlines()
        record = json.loads(line)
        assert record["id"] == held[0].id and record["max_steps"] == 1
        assert record["turn_results"] and record["prompt_tokens"] > 3000
    # record -> filter -> dataset: two teacher sessions, every turn a sample with the loop's bytes
    assert saved["trajectories"] == {"total": 2, "teacher_passed": 2}
    assert saved["filter"]["kept"] == 2
    assert saved["dataset"]["samples"] == saved["dataset"]["prompts_checked_identical"] >= 8
    # dataset -> training -> export
    assert len(saved["training"]["losses"]) == 1 and saved["training"]["losses"][0] > 0
    assert (out / "tuned-q8_0.gguf").stat().st_size > 50_000_000
