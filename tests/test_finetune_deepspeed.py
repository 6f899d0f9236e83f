"""Training over several processes with DeepSpeed ZeRO, on CPUs (gloo), against one process.

The multi-process runs are started the way users start them: `sft(..., settings)` with
`deepspeed` and `processes=2` launches torchrun, whose workers load the dataset prepared here.
"""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("trl")
pytest.importorskip("deepspeed")

import finetune_helpers as h  # noqa: E402

from lamagent.errors import ConfigError, UsageError  # noqa: E402
from lamagent.finetune import (  # noqa: E402
    LoraSettings,
    TrainSettings,
    build_sft_dataset,
    filter_trajectories,
    sft,
)
from lamagent.finetune.launch import torchrun_command  # noqa: E402

#: One process with batch 2 sees, step by step, the samples two processes with batch 1 see.
SINGLE = TrainSettings(lora=None, lr=1e-3, max_steps=4, batch_size=2, progress=False, seed=0)
TWO = SINGLE.with_overrides({"batch_size": 1, "processes": 2})


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return h.save_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="module")
def sft_data():
    kept, _ = filter_trajectories(h.proof_trajectories())
    return build_sft_dataset(kept, h.proof_format(), h.tokenizer())


@pytest.fixture(scope="module")
def single_run(tiny_model, sft_data, tmp_path_factory):
    return sft(str(tiny_model), sft_data, out_dir=tmp_path_factory.mktemp("one"), settings=SINGLE)


def _weights(model_dir):
    """The parameters of the checkpoint as transformers loads it."""
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(str(model_dir)).state_dict()


def test_settings_validate_and_take_overrides():
    assert TWO.processes == 2 and TWO.batch_size == 1 and TWO.launched
    assert not SINGLE.launched and TrainSettings(deepspeed="zero2").launched
    assert SINGLE.learning_rate("dpo") == 1e-3
    assert TrainSettings().learning_rate("sft") == 2e-4
    assert TrainSettings(lora=None).learning_rate("dpo") == 5e-7
    with pytest.raises(ConfigError, match="processes"):
        SINGLE.with_overrides({"processes": 0})
    with pytest.raises(ConfigError, match="lerning_rate"):
        SINGLE.with_overrides({"lerning_rate": 1.0})
    # the settings travel to the workers as JSON and come back equal
    s = TrainSettings(lora=LoraSettings(r=4, layers=[1]), deepspeed="zero3", processes=2)
    assert TrainSettings.model_validate(json.loads(json.dumps(s.model_dump(mode="json")))) == s


def test_a_launched_run_needs_a_checkpoint_path(tiny_model, sft_data, tmp_path):
    from transformers import AutoModelForCausalLM

    loaded = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    with pytest.raises(UsageError, match="checkpoint path"):
        sft(loaded, sft_data, out_dir=tmp_path, settings=TWO)


def test_torchrun_starts_the_worker_module(tmp_path):
    cmd = torchrun_command(tmp_path, 4)
    assert cmd[1:3] == ["-m", "torch.distributed.run"]
    assert "--nproc-per-node=4" in cmd and "--standalone" in cmd
    assert cmd[-3:] == ["-m", "lamagent.finetune.worker", str(tmp_path)]
    logged = torchrun_command(tmp_path, 2, tmp_path / "logs")
    assert f"--log-dir={tmp_path / 'logs'}" in logged and "--tee=3" in logged


@pytest.mark.slow
@pytest.mark.hf
@pytest.mark.parametrize("stage", ["zero2", "zero3"])
def test_two_processes_follow_the_single_process_run(
    stage, tiny_model, sft_data, single_run, tmp_path
):
    """Same data, seed and global batch: the 2-process ZeRO run's losses and final weights match
    the single-process run's (ZeRO-3 gathers its partitioned weights on save)."""
    settings = TWO.with_overrides({"deepspeed": stage})
    result = sft(str(tiny_model), sft_data, out_dir=tmp_path, settings=settings)
    assert len(result.losses) == len(single_run.losses) == 4
    assert result.losses == pytest.approx(single_run.losses, rel=2e-3)
    assert result.losses[-1] < result.losses[0]
    assert result.train_tokens == single_run.train_tokens  # every sample trained on, once
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["deepspeed"] == stage and config["processes"] == 2
    ours, theirs = _weights(result.model_dir), _weights(single_run.model_dir)
    assert ours.keys() == theirs.keys()
    for name, tensor in theirs.items():
        assert ours[name].shape == tensor.shape, name
        assert torch.allclose(ours[name].float(), tensor.float(), atol=1e-4), name
    assert not (tmp_path / "job" / "data").exists()  # the prepared copy is removed


@pytest.mark.slow
@pytest.mark.hf
def test_dpo_under_zero2_from_the_cli(tiny_model, tmp_path):
    """`lamagent finetune dpo --deepspeed zero2 --processes 2`: pairs built once, LoRA DPO in
    two processes, the adapter saved."""
    from typer.testing import CliRunner

    from lamagent.cli.finetune import app
    from lamagent.trajectory import write_jsonl

    data = tmp_path / "runs.jsonl"
    write_jsonl(h.proof_trajectories(), data, strict=False)
    args = ["dpo", str(tiny_model), "--data", str(data), "--out", str(tmp_path / "dpo")]
    args += ["--sources", "synthetic", "--max-steps", "2", "--batch-size", "1", "--rank", "4"]
    args += ["--deepspeed", "zero2", "--processes", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = tmp_path / "dpo"
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2]
    assert all("rewards/margins" in r for r in rows if "loss" in r)
    assert (run / "model" / "adapter_config.json").is_file()
    assert json.loads((run / "config.json").read_text())["deepspeed"] == "zero2"


@pytest.mark.slow
@pytest.mark.hf
def test_a_failing_worker_is_reported(tiny_model, sft_data, tmp_path):
    from lamagent.finetune import FinetuneError

    bad = tmp_path / "ds.json"
    bad.write_text(json.dumps({"zero_optimization": {"stage": 7}, "train_batch_size": "auto"}))
    settings = TWO.with_overrides({"deepspeed": str(bad), "max_steps": 1})
    with pytest.raises(FinetuneError, match="2-process sft run failed") as failed:
        sft(str(tiny_model), sft_data, out_dir=tmp_path / "run", settings=settings)
    # the error carries what each failing rank printed, not only rank 0's console
    message = str(failed.value)
    assert "what each rank wrote to stderr" in message
    assert "--- rank 0" in message and "--- rank 1" in message
    assert (tmp_path / "run" / "logs").is_dir()


@pytest.mark.slow
@pytest.mark.hf
@pytest.mark.gguf
def test_zero3_adapter_exports_to_a_gguf_that_gives_the_tuned_call(tmp_path):
    """The single-process proof, under ZeRO-3 over two processes: LoRA on SmolLM2's last layers,
    the adapter gathered and saved, merged, exported to GGUF; llama.cpp's greedy call is the
    trained call, as is the merged transformers model's."""
    pytest.importorskip("llama_cpp")
    from transformers import AutoModelForCausalLM

    from lamagent.backends.base import GenerationParams
    from lamagent.backends.llamacpp import LlamaCppBackend
    from lamagent.finetune import export_gguf, merge
    from lamagent.models import default_hf_checkpoint

    data = build_sft_dataset(h.proof_trajectories(), h.proof_format(), h.tokenizer())
    data = data.filter(lambda r: r["step_id"] == 1)
    # two processes of batch 1 take the single-process proof's batch of 2
    two = {"batch_size": 1, "processes": 2, "deepspeed": "zero3"}
    settings = h.PROOF_SETTINGS.with_overrides(two)
    result = sft(str(default_hf_checkpoint()), data, out_dir=tmp_path / "sft", settings=settings)
    assert result.losses[-1] < 0.3 * result.losses[0]
    assert result.model_dir is not None and (result.model_dir / "adapter_config.json").is_file()
    fmt = h.proof_format()
    merged_dir = merge(result.model_dir, tmp_path / "merged")
    merged = AutoModelForCausalLM.from_pretrained(str(merged_dir)).eval()
    path = export_gguf(merged_dir, tmp_path / "tuned-f16.gguf", outtype="f16")
    backend = LlamaCppBackend(path, n_ctx=512, n_threads=2)
    for i, (tool, _, args) in enumerate(h.PROOF_TASKS):
        prompt = h.proof_prompt(i)
        hf_text = h.greedy(merged, prompt)
        gen = backend.generate(prompt, GenerationParams(max_tokens=32, stop=list(fmt.stop)))
        hf_calls = [(c.name, c.arguments) for c in fmt.parse(hf_text).calls]
        gguf_calls = [(c.name, c.arguments) for c in fmt.parse(gen.text).calls]
        assert hf_calls == gguf_calls == [(tool["name"], args)], (hf_text, gen.text)
