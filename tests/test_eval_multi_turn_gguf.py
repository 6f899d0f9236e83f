"""A BFCL multi-turn case end to end on the real engine: the embedded SmolLM2 GGUF, free decoding,
through the Agent loop over BFCL's file system, recorded in a SQLite store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from gguf_model import shared_backend

from lamagent.eval.multi_turn import TURN_REASONS, evaluate_multi_turn, load_multi_turn
from lamagent.trajectory import open_store

pytestmark = [pytest.mark.gguf, pytest.mark.slow]


def test_one_case_runs_through_the_loop_on_the_embedded_model(tmp_path: Path) -> None:
    # The first turn of multi_turn_base_1: one environment (the file system, 18 functions,
    # about 3.2k prompt tokens, which fits the shared 4096-token context), one step.
    (full,) = [c for c in load_multi_turn(["multi_turn_base"]) if c.id == "multi_turn_base_1"]
    case = dataclasses.replace(full, turns=full.turns[:1], ground_truth=full.ground_truth[:1])
    backend = shared_backend()
    backend.reset_cache()
    store_path = tmp_path / "trajectories.db"
    report = evaluate_multi_turn(
        backend,
        cases=[case],
        max_steps=1,
        max_tokens=32,
        max_case_seconds=None,
        results=tmp_path / "mt.jsonl",
        store=store_path,
        progress=False,
    )
    (result,) = report.results
    assert result.turn_results, "no turn ran"
    first = result.turn_results[0]
    assert first.steps == 1
    # one step: an answer in text, or calls and then the step limit (never an engine error)
    assert first.outcome in {"answer", "max_steps"}, first.detail
    assert result.prompt_tokens > 3000  # the 18 function docs were rendered into the prompt
    if not first.calls:  # the ground truth of this turn is ls(a=True): no call cannot pass
        assert (result.passed, result.reason) == (False, "empty_turn")
    if not result.passed:
        assert result.reason in TURN_REASONS and result.failed_turn == 0
    with open_store(store_path) as store:
        trajectory = store.get(result.trajectory_id or "")
        assert trajectory is not None and trajectory.metadata["bfcl_id"] == "multi_turn_base_1"
        assert len(trajectory.steps) == sum(t.steps for t in result.turn_results)
    assert (tmp_path / "mt.jsonl").read_text(encoding="utf-8").count("\n") == 1
