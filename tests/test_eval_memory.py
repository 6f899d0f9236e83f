"""BFCL v4's memory categories: prerequisite sessions fill a real BFCL memory backend, its
snapshot carries over to the next session and to every question, BFCL's checker judges the
final answer. The backends are the installed `bfcl-eval` package's own classes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamagent import formats
from lamagent.backends.scripted import ScriptedBackend
from lamagent.errors import ConfigError, LamagentError
from lamagent.eval import evaluate_bfcl
from lamagent.eval.memory import check_answer, load_memory
from lamagent.eval.multi_turn.environments import bfcl_data_dir
from lamagent.messages import AssistantTurn, ToolCall

FMT = formats.get("xlam2-qwen")


def write_folder(root: Path) -> Path:
    """A small BFCL memory folder: one scenario, two sessions, two questions."""
    (root / "possible_answer").mkdir(parents=True)
    (root / "memory_prereq_conversation").mkdir()
    questions = [
        ("memory_0-notetaker-0", "What is my dog called?", ["Rex"]),
        ("memory_1-notetaker-1", "Which city do I live in now?", ["Lisbon"]),
    ]
    with (root / "BFCL_v4_memory.json").open("w") as fh:
        for qid, text, _ in questions:
            record = {
                "id": qid,
                "question": [[{"role": "user", "content": text}]],
                "involved_classes": ["MemoryAPI"],
                "scenario": "notetaker",
            }
            fh.write(json.dumps(record) + "\n")
    with (root / "possible_answer" / "BFCL_v4_memory.json").open("w") as fh:
        for qid, _, truth in questions:
            fh.write(json.dumps({"id": qid, "ground_truth": truth}) + "\n")
    sessions = [
        ["My dog is called Rex."],
        ["I moved to Lisbon last year.", "Thanks, that is all."],
    ]
    with (root / "memory_prereq_conversation" / "memory_notetaker.json").open("w") as fh:
        for i, turns in enumerate(sessions):
            record = {
                "id": f"memory_prereq_{i}-notetaker-{i}",
                "question": [[{"role": "user", "content": t}] for t in turns],
            }
            fh.write(json.dumps(record) + "\n")
    return root


def last_message(prompt: str) -> tuple[str, str]:
    """(role, text) of the last message before the generation prompt."""
    body = prompt.rsplit("<|im_start|>assistant", 1)[0]
    role, _, text = body.rsplit("<|im_start|>", 1)[1].partition("\n")
    return role, text.replace("<|im_end|>", "").strip()


class RememberingModel:
    """Stores what it is told through the memory tools, then answers from core memory (shown in
    the system prompt) or from archival memory (through a tool call)."""

    def __init__(self, store: bool = True) -> None:
        self.store = store
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        role, text = last_message(prompt)
        if role == "tool":
            value = re.search(r'"value": "([^"]+)"', text)
            answer = value.group(1) if value else "Noted."
            if "Which city" in prompt:
                return FMT.render_assistant(
                    AssistantTurn(answer=f"{{'answer': '{answer}', 'context': 'memory'}}")
                )
            return FMT.render_assistant(AssistantTurn(answer="Noted."))
        calls: list[ToolCall] = []
        if self.store and "dog is called" in text:
            calls = [ToolCall(name="core_memory_add", arguments={"key": "dog", "value": "Rex"})]
        elif self.store and "moved to Lisbon" in text:
            calls = [
                ToolCall(name="archival_memory_add", arguments={"key": "city", "value": "Lisbon"})
            ]
        elif "Which city" in text:
            calls = [ToolCall(name="archival_memory_retrieve", arguments={"key": "city"})]
        elif "dog called" in text:
            shown = re.search(r'"dog": "([^"]+)"', prompt)
            name = shown.group(1) if shown else "I do not know"
            return FMT.render_assistant(
                AssistantTurn(answer=f"{{'answer': '{name}', 'context': 'core memory'}}")
            )
        if calls:
            return FMT.render_assistant(AssistantTurn(calls=calls))
        return FMT.render_assistant(AssistantTurn(answer="Noted."))


def test_what_a_session_stores_reaches_the_next_session_and_the_questions(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "bfcl")
    model = RememberingModel()
    report = evaluate_bfcl(ScriptedBackend(model), folder, ["memory_kv"], progress=False)
    assert [r.id for r in report.results] == ["memory_kv_0-notetaker-0", "memory_kv_1-notetaker-1"]
    assert [r.passed for r in report.results] == [True, True], report.results
    assert report.results[1].calls == [
        {"name": "archival_memory_retrieve", "arguments": {"key": "city"}}
    ]
    # the second session starts from the first one's snapshot: its core memory is in the prompt
    second = next(p for p in model.prompts if "moved to Lisbon" in p)
    assert '"dog": "Rex"' in second
    first = next(p for p in model.prompts if "dog is called" in p)
    assert '"dog": "Rex"' not in first
    # BFCL's prompts: the scenario's role, and the answer format for questions only
    assert "personal organization assistant" in first and "'answer'" not in first
    asked = next(p for p in model.prompts if "What is my dog called?" in p)
    assert "respond in this format" in asked


def test_a_model_that_stores_nothing_cannot_answer(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "bfcl")
    out = tmp_path / "results.jsonl"
    model = RememberingModel(store=False)
    report = evaluate_bfcl(ScriptedBackend(model), folder, ["memory_kv"], out=out, progress=False)
    assert [r.passed for r in report.results] == [False, False]
    # a finished run resumes from its results file: nothing runs again
    asked = len(model.prompts)
    again = evaluate_bfcl(ScriptedBackend(model), folder, ["memory_kv"], out=out, progress=False)
    assert len(model.prompts) == asked and again.results == report.results
    assert {r.reason for r in report.results} == {"answer_not_found"}
    assert report.categories["memory_kv"].reasons == {"answer_not_found": 2}


def test_the_checker_is_bfcls_and_the_gold_oracle_passes_the_real_data() -> None:
    assert check_answer("{'answer': 'Seattle, WA', 'context': ''}", ["Seattle"])[0]
    assert not check_answer("{'answer': 'Seattleish'}", ["Seattle"])[0]
    report = evaluate_bfcl("gold", bfcl_data_dir(), ["memory_rec_sum"], limit=2, progress=False)
    assert report.overall == 1.0 and len(report.results) == 2
    # a folder without the memory files (the repository's dev copy) reads the package's
    dev_copy = Path(__file__).parent / "data" / "bfcl"
    report = evaluate_bfcl("gold", dev_copy, ["memory_kv"], limit=1, progress=False)
    assert report.data == "bfcl-eval" and [r.id for r in report.results] == [
        "memory_kv_0-customer-0"
    ]
    cases, sessions = load_memory(["memory_kv"])
    assert len(cases) == 155 and set(sessions) == {c.scenario for c in cases}
    assert all(s.turns for group in sessions.values() for s in group)


def test_memory_runs_on_its_own_and_says_what_is_wrong(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "bfcl")
    with pytest.raises(ConfigError, match="run of their own"):
        evaluate_bfcl("gold", folder, ["memory_kv", "simple_python"], progress=False)
    with pytest.raises(ConfigError, match="not a memory category"):
        load_memory(["memory_graph"], folder)
    with pytest.raises(LamagentError, match=r"no BFCL_v\*_memory\.json"):
        load_memory(["memory_kv"], tmp_path)
    from lamagent.cli import app

    result = CliRunner().invoke(
        app, ["eval", "bfcl", "--data", str(folder), "-c", "memory_kv", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "memory_kv" in result.output and "100.0%" in result.output


@pytest.mark.gguf
@pytest.mark.slow
def test_the_memory_sessions_and_questions_run_on_the_embedded_model(tmp_path: Path) -> None:
    """The real engine under the call grammar with the gate: every session turn and question
    runs through the Agent with the 15 tools of BFCL's key-value memory; whatever the small
    model stores is what the questions can find."""
    from gguf_model import shared_backend

    from lamagent.gate import CallGate
    from lamagent.generation import GenerationParams
    from lamagent.settings import Limits

    folder = write_folder(tmp_path / "bfcl")
    backend = shared_backend()
    backend.reset_cache()
    report = evaluate_bfcl(
        backend,
        folder,
        ["memory_kv"],
        constrained=True,
        gate=CallGate(),
        limits=Limits(max_steps=2),
        generation=GenerationParams(max_tokens=48),
        out=tmp_path / "memory.jsonl",
        progress=False,
    )
    assert [r.id for r in report.results] == ["memory_kv_0-notetaker-0", "memory_kv_1-notetaker-1"]
    for result in report.results:
        assert result.prompt_tokens > 1000  # the memory instructions and 15 tool docs
        assert 1 <= result.steps <= 2
        assert result.passed or result.reason in {"answer_not_found", "no_answer"}, result
        for call in result.calls:
            assert call["name"].startswith(("core_memory", "archival_memory"))
    lines = (tmp_path / "memory.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r.id for r in report.results]
    assert all(json.loads(line)["constrained"] for line in lines)  # each line names its setting
