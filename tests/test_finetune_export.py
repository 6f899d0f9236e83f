"""Export: merging adapters, llama.cpp's converters, GGUF files the GGUF backend loads."""

from __future__ import annotations

import io
import tarfile

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")
gguf = pytest.importorskip("gguf")

import finetune_helpers as h  # noqa: E402

from lamagent.finetune import (  # noqa: E402
    FinetuneError,
    export_gguf,
    export_lora_gguf,
    extract_converters,
    find_converter,
    merge,
)


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    """A 2-layer random Llama checkpoint and a LoRA adapter on it with non-zero weights."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    root = tmp_path_factory.mktemp("tiny")
    base = h.save_tiny_llama(root / "base")
    peft_model = get_peft_model(
        LlamaForCausalLM.from_pretrained(str(base)),
        LoraConfig(
            r=4,
            lora_alpha=8,
            target_modules=["q_proj", "v_proj", "down_proj"],
            init_lora_weights=False,
            task_type="CAUSAL_LM",
        ),
    )
    adapter = root / "adapter"
    peft_model.save_pretrained(str(adapter))
    return base, adapter, peft_model.eval()


def _fake_sdist(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"llama_cpp_python-9.9.9/vendor/llama.cpp/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extract_takes_only_the_converters(tmp_path):
    sdist = tmp_path / "x.tar.gz"
    _fake_sdist(
        sdist,
        {
            "convert_hf_to_gguf.py": "# hf",
            "convert_lora_to_gguf.py": "# lora",
            "gguf-py/gguf/__init__.py": "",
            "conversion/__init__.py": "",
            "src/llama.cpp": "//",
        },
    )
    out = extract_converters(sdist, tmp_path / "conv")
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "conversion/__init__.py",
        "convert_hf_to_gguf.py",
        "convert_lora_to_gguf.py",
        "gguf-py/gguf/__init__.py",
    ]


def test_extract_rejects_an_archive_without_converters(tmp_path):
    sdist = tmp_path / "x.tar.gz"
    _fake_sdist(sdist, {"README.md": "no"})
    with pytest.raises(FinetuneError, match="converters"):
        extract_converters(sdist, tmp_path / "conv")


def test_explicit_converter_dir_must_hold_the_scripts(tmp_path, monkeypatch):
    with pytest.raises(FinetuneError, match=r"llama\.cpp checkout"):
        find_converter(tmp_path)
    monkeypatch.setenv("LAMAGENT_LLAMA_CPP_DIR", str(tmp_path))
    with pytest.raises(FinetuneError, match=r"llama\.cpp checkout"):
        find_converter()


def test_converters_are_found_or_fetched_once():
    path = find_converter()
    assert (path / "convert_hf_to_gguf.py").is_file()
    assert (path / "gguf-py" / "gguf" / "gguf_writer.py").is_file()
    assert find_converter(download=False) == path  # cached now


def test_merge_matches_the_adapter_model(tiny_adapter, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base, adapter, peft_model = tiny_adapter
    out = merge(adapter, tmp_path / "merged", base=base, chat_template="{{ 'x' }}")
    merged = AutoModelForCausalLM.from_pretrained(str(out))
    ids = torch.tensor([[5, 17, 300, 2000, 9]])
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, peft_model(ids).logits, atol=1e-4)
        with peft_model.disable_adapter():
            assert not torch.allclose(merged(ids).logits, peft_model(ids).logits, atol=1e-4)
    assert AutoTokenizer.from_pretrained(str(out)).chat_template == "{{ 'x' }}"
    assert not (out / "adapter_config.json").exists()


def test_export_gguf_of_an_adapter_merges_then_converts(tiny_adapter, tmp_path, monkeypatch):
    # the converter must run with its own gguf-py even when the environment says otherwise
    monkeypatch.setenv("NO_LOCAL_GGUF", "1")
    base, adapter, _ = tiny_adapter
    path = export_gguf(adapter, tmp_path / "tiny.gguf", base=base, outtype="f16")
    reader = gguf.GGUFReader(str(path))
    arch = reader.get_field("general.architecture")
    assert bytes(arch.parts[-1]).decode() == "llama"
    names = {t.name for t in reader.tensors}
    assert "blk.1.attn_q.weight" in names and "token_embd.weight" in names


def test_export_lora_gguf(tiny_adapter, tmp_path):
    base, adapter, _ = tiny_adapter
    path = export_lora_gguf(adapter, tmp_path / "lora.gguf", base=base)
    reader = gguf.GGUFReader(str(path))
    assert bytes(reader.get_field("general.type").parts[-1]).decode() == "adapter"
    names = {t.name for t in reader.tensors}
    assert "blk.0.attn_q.weight.lora_a" in names and "blk.1.ffn_down.weight.lora_b" in names


def test_bad_outtype_is_refused(tiny_adapter, tmp_path):
    with pytest.raises(FinetuneError, match="outtype"):
        export_gguf(tiny_adapter[1], tmp_path / "x.gguf", outtype="q4_k_m")


@pytest.mark.slow
def test_exported_gguf_gives_the_tuned_call_in_the_gguf_backend(tmp_path):
    """SFT adapter -> merged checkpoint -> f16 GGUF -> LlamaCppBackend: same greedy call as the
    merged transformers model, on the same prompt, without constrained decoding."""
    pytest.importorskip("llama_cpp")
    from transformers import AutoModelForCausalLM

    from lamagent.backends.base import GenerationParams
    from lamagent.backends.llamacpp import LlamaCppBackend

    tuned = h.tuned_smollm2()
    fmt = h.proof_format()
    merged_dir = merge(tuned.model_dir, tmp_path / "merged")
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


def test_cli_export_merged_and_lora_only(tiny_adapter, tmp_path):
    from typer.testing import CliRunner

    from lamagent.cli.finetune import app

    base, adapter, _ = tiny_adapter
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "export",
            str(adapter),
            "--out",
            str(tmp_path / "m.gguf"),
            "--base",
            str(base),
            "--merged-dir",
            str(tmp_path / "merged"),
            "--outtype",
            "q8_0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.gguf").is_file() and (tmp_path / "merged" / "config.json").is_file()
    reader = gguf.GGUFReader(str(tmp_path / "m.gguf"))
    assert any(t.tensor_type == gguf.GGMLQuantizationType.Q8_0 for t in reader.tensors)
    result = runner.invoke(
        app,
        [
            "export",
            str(adapter),
            "--out",
            str(tmp_path / "l.gguf"),
            "--base",
            str(base),
            "--lora-only",
        ],
    )
    assert result.exit_code == 0 and (tmp_path / "l.gguf").is_file(), result.output
