"""`lamagent trajectories stats | show | export | import`, driven through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_conformance import call_step, full_trajectory, make_trajectory
from typer.testing import CliRunner

from lamagent.cli.trajectories import app
from lamagent.trajectory import SQLiteStore, read_jsonl

runner = CliRunner()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "runs.db"
    with SQLiteStore(path) as st:
        full = full_trajectory()
        full.unique_trajectory_id = "full-run"
        st.start(full)
        running = make_trajectory("still thinking")
        running.unique_trajectory_id = "live-run"
        st.start(running)
        st.add_step("live-run", call_step(1, ("get_time", {"city": "Oslo"}), obs=["09:00"]))
    return path


def test_stats_tables(store_path: Path) -> None:
    result = runner.invoke(app, ["stats", str(store_path)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "trajectories" in out and "outcomes" in out
    assert "tools called" in out and "error kinds" in out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert lines["trajectories"].split("│")[2].strip() == "2"
    assert lines["steps"].split("│")[2].strip() == "6"
    assert lines["tool calls"].split("│")[2].strip() == "5"
    # get_time: called in the full run and the live run
    assert [c.strip() for c in lines["get_time"].split("│")[2:4]] == ["2", "2"]
    assert lines["parse_error"].split("│")[2].strip() == "1"
    assert lines["running"].split("│")[2].strip() == "1"
    assert lines["answer"].split("│")[2].strip() == "1"


def test_stats_on_a_missing_store_fails_helpfully(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "no trajectory store" in result.output
    assert not (tmp_path / "none.db").exists()


def test_show_renders_steps_calls_observations_and_errors(store_path: Path) -> None:
    result = runner.invoke(app, ["show", str(store_path), "full-run"])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in [
        "What's the weather and time in Paris?",
        "step 1",
        "thought: step 1",
        'get_weather({"city": "Paris"})',
        '"temp_c": 18',
        "call error [unknown_tool]",
        "repaired [strip]",
        "tool error [timeout]",
        "parse error: invalid JSON at 1:3",
        "user: And in Celsius only?",
        "answer",
    ]:
        assert expected in out, expected


def test_show_json_and_unknown_id(store_path: Path) -> None:
    result = runner.invoke(app, ["show", str(store_path), "live-run", "--json"])
    assert result.exit_code == 0
    record = json.loads(result.output)
    assert record["outcome"] == "running" and len(record["steps"]) == 1
    missing = runner.invoke(app, ["show", str(store_path), "nope"])
    assert missing.exit_code == 1 and "no trajectory 'nope'" in missing.output


@pytest.mark.parametrize("fmt", ["unified", "openai", "actionstudio", "apigen-mt", "xlam60k"])
def test_export_then_import_into_a_new_store(store_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export-{fmt}.jsonl"
    result = runner.invoke(app, ["export", str(store_path), str(out), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert f"exported 2 trajectories to {out}" in result.output
    fresh = tmp_path / f"fresh-{fmt}.db"
    result = runner.invoke(app, ["import", str(fresh), str(out), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "imported 2 trajectories" in result.output and "skipped 0" in result.output
    with SQLiteStore(fresh) as st:
        assert sorted(t.query for t in st) == [
            "What's the weather and time in Paris?",
            "still thinking",
        ]


def test_export_filters_by_outcome_and_strict(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "answers.jsonl"
    result = runner.invoke(
        app, ["export", str(store_path), str(out), "--outcome", "answer", "--strict"]
    )
    assert result.exit_code == 0, result.output
    (line,) = out.read_text().splitlines()
    record = json.loads(line)
    assert record["unique_trajectory_id"] == "full-run"
    assert "outcome" not in record and "call_errors" not in record["steps"][0]
    bad = runner.invoke(app, ["export", str(store_path), str(out), "--outcome", "done"])
    assert bad.exit_code == 1 and "unknown outcome" in bad.output
    bad = runner.invoke(app, ["export", str(store_path), str(out), "--format", "csv"])
    assert bad.exit_code == 1 and "unknown format" in bad.output


def test_import_reports_skipped_lines_and_duplicates(store_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = json.dumps(make_trajectory("imported one").to_record())
    dup = json.dumps(
        full_trajectory().model_copy(update={"unique_trajectory_id": "full-run"}).to_record()
    )
    src.write_text("\n".join([good, "{broken", dup, good[:40]]) + "\n")
    result = runner.invoke(app, ["import", str(store_path), str(src)])
    assert result.exit_code == 0, result.output
    assert "imported 1 trajectories" in result.output and "skipped 3" in result.output
    assert "line 2: invalid JSON" in result.output
    assert "line 3: trajectory 'full-run' is already in" in result.output
    assert "line 4: invalid JSON" in result.output
    with SQLiteStore(store_path) as st:
        assert len(st) == 3


def test_import_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path / "s.db"), str(tmp_path / "no.jsonl")])
    assert result.exit_code == 1 and "no file" in result.output


def test_exported_file_is_readable_by_the_library(store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    runner.invoke(app, ["export", str(store_path), str(out)])
    loaded, issues = read_jsonl(out)
    assert issues == []
    assert [t.unique_trajectory_id for t in loaded] == ["full-run", "live-run"]  # oldest first
    assert loaded[0].steps[0].call_errors[0].kind == "unknown_tool"


def test_recorded_text_is_not_rich_markup(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    traj = make_trajectory("show [bold]this[/bold] and [/red] too")
    traj.unique_trajectory_id = "markup"
    traj.steps = [call_step(1, ("[/oops]", {"x": "[/b]"}), obs=["[/i] result"])]
    traj.answer = "answer with [/] brackets"
    with SQLiteStore(path) as st:
        st.start(traj)
    shown = runner.invoke(app, ["show", str(path), "markup"])
    assert shown.exit_code == 0, shown.output
    assert "[bold]this[/bold] and [/red] too" in shown.output
    assert "[/oops]" in shown.output and "answer with [/] brackets" in shown.output
    stats = runner.invoke(app, ["stats", str(path)])
    assert stats.exit_code == 0 and "[/oops]" in stats.output
