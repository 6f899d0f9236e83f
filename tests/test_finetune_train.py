"""SFT and DPO training: the code paths on a tiny random Llama, the proof on real SmolLM2."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("trl")

import finetune_helpers as h  # noqa: E402

from lamagent.errors import ConfigError  # noqa: E402
from lamagent.finetune import (  # noqa: E402
    DEEPSPEED_CONFIGS,
    FinetuneError,
    LoraSettings,
    TrainSettings,
    build_dpo_dataset,
    build_sft_dataset,
    deepspeed_config,
    dpo,
    filter_trajectories,
    sft,
)
from lamagent.finetune.examples import demo_trajectories  # noqa: E402


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A 2-layer random Llama with SmolLM2's tokenizer, saved as a checkpoint folder."""
    return h.save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def sft_data():
    """Short samples (about 100 tokens) so the code-path tests stay fast on CPU."""
    kept, report = filter_trajectories(h.proof_trajectories())
    assert report.kept == 2
    return build_sft_dataset(kept, h.proof_format(), h.tokenizer())


def test_lora_sft_writes_a_run_directory(tiny_model, sft_data, tmp_path):
    settings = TrainSettings(
        lora=LoraSettings(r=4, alpha=8), lr=5e-3, max_steps=6, batch_size=2, progress=False
    )
    # keyword overrides replace fields of the settings object
    result = sft(
        str(tiny_model),
        sft_data,
        out_dir=tmp_path,
        settings=settings,
        batch_size=4,
        format="xlam2-qwen",
    )
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["kind"] == "sft" and config["lora"]["r"] == 4 and config["format"] == "xlam2-qwen"
    assert config["batch_size"] == 4 and config["lr"] == 5e-3 and config["processes"] == 1
    assert config["bf16"] is False  # CPU: fp32
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4, 5, 6]
    assert len(result.losses) == 6 and result.losses[-1] < result.losses[0]
    assert result.plot_path is not None and result.plot_path.read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "model" / "adapter_config.json").is_file()
    assert (tmp_path / "model" / "tokenizer_config.json").is_file()
    assert result.tokens_per_second > 0


def test_full_finetune_with_length_grouping(tiny_model, sft_data, tmp_path):
    result = sft(
        str(tiny_model),
        sft_data,
        out_dir=tmp_path,
        lora=None,
        lr=1e-3,
        max_steps=3,
        batch_size=2,
        group_by_length=True,
        progress=False,
    )
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert not (tmp_path / "model" / "adapter_config.json").exists()
    assert json.loads((tmp_path / "config.json").read_text())["lr"] == 1e-3
    assert len(result.losses) == 3


def test_packing_trains_on_the_same_labels(tiny_model, sft_data, tmp_path):
    result = sft(
        str(tiny_model),
        sft_data,
        out_dir=tmp_path,
        lora=LoraSettings(r=4),
        max_steps=2,
        batch_size=2,
        packing=True,
        max_length=256,
        progress=False,
        gradient_checkpointing=True,
        save=False,
    )
    assert result.model_dir is None and len(result.losses) == 2
    assert all(loss == loss and loss > 0 for loss in result.losses)  # finite, not NaN


def test_sft_refuses_untokenized_data_and_unknown_settings(tiny_model, sft_data, tmp_path):
    data = build_dpo_dataset(demo_trajectories(), "xlam2-qwen")
    with pytest.raises(FinetuneError, match="input_ids and labels"):
        sft(str(tiny_model), data, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="batch_sise"):
        sft(str(tiny_model), sft_data, out_dir=tmp_path, batch_sise=2)


def test_dpo_runs_with_adapters_disabled_as_reference(tiny_model, tmp_path):
    data = build_dpo_dataset(h.proof_trajectories(), h.proof_format())
    result = dpo(
        str(tiny_model),
        data,
        out_dir=tmp_path,
        lora=LoraSettings(r=4),
        max_steps=3,
        batch_size=2,
        lr=1e-3,
        progress=False,
    )
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert any("rewards/margins" in r for r in rows)
    assert json.loads((tmp_path / "config.json").read_text())["pairs"] == len(data)
    assert (tmp_path / "model" / "adapter_config.json").is_file()
    assert len(result.losses) == 3


@pytest.mark.parametrize("name", DEEPSPEED_CONFIGS)
def test_deepspeed_configs_load_with_auto_values(name):
    config = deepspeed_config(name)
    stage = config["zero_optimization"]["stage"]
    assert stage == (2 if name == "zero2" else 3)
    assert config["train_micro_batch_size_per_gpu"] == "auto"
    assert config["gradient_accumulation_steps"] == "auto"
    assert config["bf16"]["enabled"] == "auto"
    if name == "zero3_offload":
        assert config["zero_optimization"]["offload_optimizer"]["device"] == "cpu"


def test_deepspeed_config_from_a_file_and_unknown_names(tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(json.dumps({"zero_optimization": {"stage": 1}}))
    assert deepspeed_config(path)["zero_optimization"]["stage"] == 1
    with pytest.raises(FinetuneError, match="zero2"):
        deepspeed_config("zero9")


def _call(fmt, text):
    turn = fmt.parse(text)
    return [(c.name, c.arguments) for c in turn.calls]


@pytest.mark.slow
def test_sft_on_smollm2_teaches_the_call():
    """Before: the model does not answer with the call. After 10 LoRA steps: it does, greedily,
    without constrained decoding, and the loss has fallen."""
    result = h.tuned_smollm2()
    assert result.losses[-1] < 0.3 * result.losses[0]
    fmt = h.proof_format()
    model = result.model.eval()
    for i, (tool, _, args) in enumerate(h.PROOF_TASKS):
        with model.disable_adapter():
            before = h.greedy(model, h.proof_prompt(i))
        after = h.greedy(model, h.proof_prompt(i))
        assert _call(fmt, before) != [(tool["name"], args)]
        assert _call(fmt, after) == [(tool["name"], args)], after


@pytest.mark.slow
def test_dpo_on_smollm2_grows_the_margin(tmp_path):
    """The chosen-over-rejected log-probability margin grows after a few DPO steps."""
    from transformers import AutoModelForCausalLM

    from lamagent.models import default_hf_checkpoint

    data = build_dpo_dataset(
        h.proof_trajectories(), h.proof_format(), sources=("synthetic",), seed=0
    )
    assert len(data) == 2
    base = AutoModelForCausalLM.from_pretrained(str(default_hf_checkpoint()))
    before = [h.logprob_margin(base, r) for r in data]
    result = dpo(
        base,
        data,
        out_dir=tmp_path,
        lora=h.PROOF_LORA,
        lr=2e-3,
        beta=0.1,
        max_steps=6,
        batch_size=2,
        progress=False,
    )
    model = result.model.eval()
    after = [h.logprob_margin(model, r) for r in data]
    assert all(a > b + 1.0 for a, b in zip(after, before, strict=True)), (before, after)


def test_cli_sft_and_dpo(tiny_model, tmp_path):
    from typer.testing import CliRunner

    from lamagent.cli.finetune import app
    from lamagent.trajectory import write_jsonl

    data = tmp_path / "runs.jsonl"
    write_jsonl(h.proof_trajectories(), data, strict=False)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "sft",
            str(tiny_model),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "sft"),
            "--max-steps",
            "2",
            "--batch-size",
            "2",
            "--rank",
            "4",
            "--augment",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Trajectory filters: kept 2 of 2" in result.output
    assert "8 samples" in result.output  # 2 runs x 2 turns x (original + 1 variant)
    assert (tmp_path / "sft" / "model" / "adapter_config.json").is_file()
    result = runner.invoke(
        app,
        [
            "dpo",
            str(tiny_model),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "dpo"),
            "--max-steps",
            "1",
            "--batch-size",
            "2",
            "--sources",
            "synthetic",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "synthetic" in result.output and (tmp_path / "dpo" / "metrics.jsonl").is_file()
    bad = runner.invoke(
        app,
        [
            "dpo",
            str(tiny_model),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "x"),
            "--sources",
            "nonsense",
        ],
    )
    assert bad.exit_code == 1 and "unknown DPO pair sources" in bad.output
