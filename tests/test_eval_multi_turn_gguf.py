"""A BFCL multi-turn case end to end on the real engine: the embedded SmolLM2 GGUF, free decoding,
through the Agent loop over BFCL's file system, recorded in a SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest
from gguf_model import shared_backend

from lamagent.eval.multi_turn import TURN_REASONS, evaluate_multi_turn, load_multi_turn
from lamagent.trajectory import open_store

pytestmark = [pytest.mark.gguf, pytest.mark.slow]


def test_one_case_runs_through_the_loop_on_the_embedded_model(tmp_path: Path) -> None:
    # multi_turn_base_1 involves one environment (the file system, 18 functions, ~3.2k tokens of
    # prompt): small enough for the shared 4096-token context.
    (case,) = [c for c in load_multi_turn(["multi_turn_base"]) if c.id == "multi_turn_base_1"]
    backend = shared_backend()
    backend.reset_cache()
    store_path = tmp_path / "trajectories.db"
    report = evaluate_multi_turn(
        backend,
        cases=[case],
        max_steps=2,
        max_tokens=48,
        max_case_seconds=240,
        results=tmp_path / "mt.jsonl",
        store=store_path,
        progress=False,
    )
    (result,) = report.results
    assert result.turn_results, "no turn ran"
    first = result.turn_results[0]
    assert 1 <= first.steps <= 2
    assert first.outcome in {"answer", "max_steps", "max_retries", "max_tokens", "error"}
    assert result.prompt_tokens > 3000  # the 18 function docs were rendered into the prompt
    if not result.passed:
        assert result.reason in TURN_REASONS and result.failed_turn is not None
    with open_store(store_path) as store:
        trajectory = store.get(result.trajectory_id or "")
        assert trajectory is not None and trajectory.metadata["bfcl_id"] == "multi_turn_base_1"
        assert len(trajectory.steps) == sum(t.steps for t in result.turn_results)
    assert (tmp_path / "mt.jsonl").read_text(encoding="utf-8").count("\n") == 1
