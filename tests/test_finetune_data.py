"""Fine-tuning data: filters, augmentation, SFT masks on every Format, DPO pairs."""

from __future__ import annotations

import io
import json
import random

import pytest

pytest.importorskip("datasets")
transformers = pytest.importorskip("transformers")

from rich.console import Console  # noqa: E402

from lamagent.finetune import (  # noqa: E402
    Augmentation,
    build_dpo_dataset,
    build_sft_dataset,
    filter_trajectories,
    load_trajectories,
    pair_counts,
)
from lamagent.finetune.examples import (  # noqa: E402
    TASKS,
    TOOLS,
    demo_trajectories,
    good_run,
    self_correcting_run,
)
from lamagent.finetune.pairs import perturb_call  # noqa: E402
from lamagent.finetune.samples import IGNORE_INDEX, sft_samples  # noqa: E402
from lamagent.formats import get  # noqa: E402
from lamagent.models import default_hf_checkpoint  # noqa: E402
from lamagent.trajectory import Trajectory  # noqa: E402

FORMATS = ["xlam2-qwen", "xlam2-llama", "xlam1-fc", "xlam1"]


@pytest.fixture(scope="module")
def tokenizer():
    return transformers.AutoTokenizer.from_pretrained(str(default_hf_checkpoint()))


def _labelled_text(tokenizer, row) -> str:
    ids = [t for t, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE_INDEX]
    return tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)


@pytest.mark.parametrize("name", FORMATS)
def test_labels_cover_exactly_the_reply_and_end_of_turn(tokenizer, name):
    fmt = get(name)
    trajs = [good_run(i) for i in range(3)]
    ds = build_sft_dataset(trajs, fmt, tokenizer)
    assert len(ds) == 6  # a call turn and an answer turn per run
    for row, traj_step in zip(ds, [(t, s) for t in trajs for s in t.steps], strict=True):
        traj, step = traj_step
        turn = traj.to_messages(system=True)[1 + 2 * (step.step_id - 1)]
        expected = fmt.render_assistant(turn) + fmt.end_of_turn
        assert _labelled_text(tokenizer, row) == expected
        assert row["completion"] == expected
        # the unlabelled head is exactly the rendered prompt, as the runtime renders it
        n = sum(1 for lab in row["labels"] if lab == IGNORE_INDEX)
        assert row["labels"][:n] == [IGNORE_INDEX] * n  # the mask is one prompt block
        head = tokenizer.decode(
            row["input_ids"][:n], skip_special_tokens=False, clean_up_tokenization_spaces=False
        )
        msgs = traj.to_messages(system=True)[: 1 + 2 * (step.step_id - 1)]
        assert head == fmt.render(msgs, traj.tools, add_generation_prompt=True)
        assert row["attention_mask"] == [1] * len(row["input_ids"])


def test_call_turn_target_parses_back_to_the_call(tokenizer):
    fmt = get("xlam2-qwen")
    ds = build_sft_dataset([good_run(2)], fmt, tokenizer)
    reply = ds[0]["completion"].removesuffix(fmt.end_of_turn)
    turn = fmt.parse(reply)
    assert [(c.name, c.arguments) for c in turn.calls] == [(TASKS[2][1], TASKS[2][2])]


def test_samples_longer_than_max_length_are_dropped(tokenizer):
    from lamagent.finetune.data import SFTStats

    stats = SFTStats()
    ds = build_sft_dataset([good_run(0)], "xlam2-qwen", tokenizer, max_length=50, stats=stats)
    assert len(ds) == 0 and stats.too_long == 2


def test_filters_report_what_they_removed_and_why():
    kept, report = filter_trajectories(demo_trajectories())
    ids = {t.unique_trajectory_id for t in kept}
    assert ids == {f"good-{i}" for i in range(len(TASKS))}
    assert report.total == 12 and report.kept == 6
    outcome = report.by_filter["outcome"]
    assert outcome.dropped == 3 and outcome.reasons["failed (max_steps)"] == 2
    assert outcome.reasons["unfinished (running)"] == 1
    assert report.by_filter["unrepaired_call_error"].reasons["wrong_type"] == 2
    assert report.by_filter["failed_execution"].reasons["tool_exception"] == 1
    out = io.StringIO()
    report.print(Console(file=out, width=200))
    assert "unrepaired_call_error" in out.getvalue() and "failed (max_steps)" in out.getvalue()
    assert json.loads(json.dumps(report.to_dict()))["kept"] == 6


def test_filter_modes_drop_trim_and_excise():
    fix = self_correcting_run(2)  # bad step 1, good steps 2 and 3
    assert filter_trajectories([fix], mode="drop")[0] == []
    assert filter_trajectories([fix], mode="trim")[0] == []  # nothing before the bad step
    (excised,), report = filter_trajectories([fix], mode="excise")
    assert [s.step_id for s in excised.steps] == [2, 3]
    assert report.by_filter["unrepaired_call_error"].trimmed == 1
    assert report.steps_out == 2


def test_unknown_tools_and_arguments_are_found_without_recorded_errors():
    traj = good_run(0)
    record = traj.steps[0].calls[0]
    record.call = record.verified = {"name": "get_weather", "arguments": {"city": "London"}}
    kept, report = filter_trajectories([traj], mode="trim")
    assert kept == [] and report.by_filter["unknown_tool_or_argument"].reasons["unknown_argument"]
    record.call = record.verified = {"name": "weather", "arguments": {"location": "London"}}
    _, report = filter_trajectories([traj])
    assert report.by_filter["unknown_tool_or_argument"].reasons["unknown_tool"] == 1


def test_judge_hook_vetoes_with_its_reason():
    def judge(t: Trajectory) -> bool | str:
        return "answer ignores result" if "Tokyo" in t.query else True

    kept, report = filter_trajectories([good_run(0), good_run(4)], judge=judge)
    assert [t.unique_trajectory_id for t in kept] == ["good-0"]
    assert report.by_filter["judge"].reasons == {"answer ignores result": 1}


def test_augmentation_shuffles_and_paraphrases_but_keeps_meaning(tokenizer):
    fmt = get("xlam2-qwen")
    aug = Augmentation(copies=3, seed=1)
    samples = sft_samples([good_run(2)], fmt, augment=aug)
    assert len(samples) == 8  # 2 turns x (original + 3 variants)
    originals = [s for s in samples if s.variant == 0]
    variants = [s for s in samples if s.variant > 0]
    assert all(s.prompt != originals[0].prompt for s in variants if s.step_id == 1)
    from lamagent.formats.xlam2 import INSTRUCTION

    assert any(INSTRUCTION not in s.prompt for s in variants)
    for s in variants:
        if s.step_id == 1:
            turn = fmt.parse(s.target.removesuffix(fmt.end_of_turn))
            assert turn.calls[0].name == "convert_currency"
            assert turn.calls[0].arguments == TASKS[2][2]  # same values, any key order
    again = sft_samples([good_run(2)], fmt, augment=aug)
    assert again == samples  # seeded
    ds = build_sft_dataset([good_run(2)], fmt, tokenizer, augment=aug)
    assert sorted(set(ds["variant"])) == [0, 1, 2, 3]


def test_custom_instruction_goes_through_xlam1_option():
    fmt = get("xlam1-fc")
    samples = sft_samples(
        [good_run(0)],
        fmt,
        augment=Augmentation(
            copies=1, instructions=["Reply with a JSON object holding a tool_calls list."]
        ),
    )
    assert "Reply with a JSON object holding a tool_calls list." in samples[1].prompt
    assert fmt.format_instruction not in samples[1].prompt


def test_dpo_pairs_from_every_source():
    fmt = get("xlam2-qwen")
    ds = build_dpo_dataset(demo_trajectories(), fmt, seed=0)
    counts = pair_counts(ds)
    assert counts["self_correction"] == 2 and counts["contrast"] >= 2 and counts["synthetic"] >= 6
    for row in ds:
        assert row["prompt"].endswith("<|im_start|>assistant\n")
        assert row["chosen"].endswith("<|im_end|>") and row["rejected"].endswith("<|im_end|>")
        assert row["chosen"] != row["rejected"]
        chosen = fmt.parse(row["chosen"].removesuffix("<|im_end|>"))
        assert chosen.calls, row  # every chosen reply here is a good call
    correction = next(r for r in ds if r["source"] == "self_correction")
    assert '"amount": [100]' in correction["rejected"] and '"amount": 100' in correction["chosen"]
    only = build_dpo_dataset(demo_trajectories(), fmt, sources=("synthetic",))
    assert set(only["source"]) == {"synthetic"}


def test_perturbations_break_the_call_in_the_named_way():
    rng = random.Random(0)
    call = {"name": "convert_currency", "arguments": TASKS[2][2]}
    seen = set()
    for _ in range(40):
        broken, kind = perturb_call(call, TOOLS[1], rng)  # type: ignore[misc]
        seen.add(kind)
        if kind == "hallucinated_tool":
            assert broken["name"] != call["name"]
        elif kind == "hallucinated_argument":
            assert set(broken["arguments"]) - set(call["arguments"])
        elif kind == "missing_argument":
            assert len(broken["arguments"]) == len(call["arguments"]) - 1
        else:
            key = next(
                k for k in call["arguments"] if broken["arguments"][k] != call["arguments"][k]
            )
            assert type(broken["arguments"][key]) is not type(call["arguments"][key])
    assert seen == {"hallucinated_tool", "hallucinated_argument", "wrong_type", "missing_argument"}


def test_load_trajectories_from_jsonl_and_store(tmp_path):
    from lamagent.trajectory import SQLiteStore, write_jsonl

    runs = [good_run(0), good_run(1)]
    path = tmp_path / "runs.jsonl"
    write_jsonl(runs, path)
    assert [t.query for t in load_trajectories(path)] == [t.query for t in runs]
    store = SQLiteStore(tmp_path / "runs.db")
    for t in runs:
        store.start(t.model_copy(update={"steps": [], "outcome": "running"}))
        for s in t.steps:
            store.add_step(t.unique_trajectory_id, s)
        store.finish(t.unique_trajectory_id, outcome="answer", answer=t.answer)
    store.close()
    loaded = load_trajectories(tmp_path / "runs.db")
    assert sorted(t.query for t in loaded) == sorted(t.query for t in runs)
    assert all(len(t.steps) == 2 and t.outcome == "answer" for t in loaded)
