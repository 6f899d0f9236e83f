"""From a trained adapter to a deployable model: merge, save, convert to GGUF.

`merge` folds a LoRA adapter into its base (`merge_and_unload`) and saves a plain Hugging Face
checkpoint, with the chat template the model will be served with. `export_gguf` converts a
checkpoint (merging first when given an adapter) to a GGUF file that llama.cpp and lamagent's
GGUF backend load; `export_lora_gguf` converts the adapter alone to a GGUF LoRA file that is
loaded beside the base GGUF (`LlamaCppBackend(base, lora_path=...)`).

The conversion itself is llama.cpp's own `convert_hf_to_gguf.py` / `convert_lora_to_gguf.py`.
They travel in llama-cpp-python's source distribution; `find_converter` locates them: an explicit
directory, `$LAMAGENT_LLAMA_CPP_DIR` (a llama.cpp checkout), the cache, or, once, a download of
the sdist through pip from which only the converter scripts and the `gguf-py` and `conversion`
packages they import are extracted into the cache. The scripts put their own `gguf-py` first on
`sys.path`, so they run with the `gguf` library of their own llama.cpp revision; that matters:
the `gguf` 0.19.0 wheel on PyPI lacks names that 0.3.36's `convert_hf_to_gguf.py` uses.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from lamagent.finetune.settings import FinetuneError
from lamagent.models import cache_dir

#: llama-cpp-python release whose converters are fetched when none is installed.
DEFAULT_LLAMA_CPP_PYTHON = "0.3.36"
CONVERTER_SCRIPTS = ("convert_hf_to_gguf.py", "convert_lora_to_gguf.py")
_CONVERTER_DIRS = ("gguf-py/", "conversion/")
OUTTYPES = ("f32", "f16", "bf16", "q8_0", "auto")


def _llama_cpp_python_version() -> str:
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return DEFAULT_LLAMA_CPP_PYTHON


def _has_converters(path: Path) -> bool:
    return all((path / s).is_file() for s in CONVERTER_SCRIPTS) and (path / "gguf-py").is_dir()


def extract_converters(sdist: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Extract llama.cpp's converter scripts (and the packages they import) from an sdist."""
    dest = Path(dest)
    tmp = Path(
        tempfile.mkdtemp(prefix=".extract-", dir=dest.parent if dest.parent.exists() else None)
    )
    try:
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                marker = "/vendor/llama.cpp/"
                if marker not in member.name or not (member.isfile() or member.isdir()):
                    continue
                rel = member.name.split(marker, 1)[1]
                if rel in CONVERTER_SCRIPTS or rel.startswith(_CONVERTER_DIRS):
                    member.name = rel
                    tar.extract(member, tmp, filter="data")
        if not _has_converters(tmp):
            raise FinetuneError(f"{sdist} does not contain llama.cpp's GGUF converters")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def find_converter(
    llama_cpp_dir: str | os.PathLike[str] | None = None, *, download: bool = True
) -> Path:
    """The directory holding `convert_hf_to_gguf.py` and `convert_lora_to_gguf.py`.

    Looks at `llama_cpp_dir`, then `$LAMAGENT_LLAMA_CPP_DIR`, then the cache; with `download`,
    fetches llama-cpp-python's sdist (the installed version, else 0.3.36) with pip and extracts
    the converters into the cache. Raises `FinetuneError` saying how to provide them otherwise.
    """
    for given in (llama_cpp_dir, os.environ.get("LAMAGENT_LLAMA_CPP_DIR")):
        if given:
            path = Path(given)
            if not _has_converters(path):
                raise FinetuneError(
                    f"{path} has no convert_hf_to_gguf.py, convert_lora_to_gguf.py and gguf-py: "
                    "point it at a llama.cpp checkout (or llama-cpp-python's vendor/llama.cpp)"
                )
            return path
    version = _llama_cpp_python_version()
    cached = cache_dir() / f"llama.cpp-converters-{version}"
    if _has_converters(cached):
        return cached
    if not download:
        raise FinetuneError(
            "llama.cpp's GGUF converters are not available: set LAMAGENT_LLAMA_CPP_DIR to a "
            "llama.cpp checkout, or allow the download of llama-cpp-python's source with pip"
        )
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"llama-cpp-python=={version}",
            "-d",
            tmp,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        sdists = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if proc.returncode != 0 or not sdists:
            raise FinetuneError(
                f"could not download llama-cpp-python=={version} source to get the GGUF "
                f"converters ({proc.stderr.strip()[-500:]}); set LAMAGENT_LLAMA_CPP_DIR instead"
            )
        return extract_converters(sdists[0], cached)


def _run_converter(script: Path, args: list[str]) -> None:
    # The scripts need the gguf-py they ship with: with llama-cpp-python 0.3.36 the PyPI
    # gguf 0.19.0 lacks what convert_hf_to_gguf.py uses (e.g. gguf.LazyChunkedTensor), so
    # NO_LOCAL_GGUF, which would make them import the installed package, is removed.
    env = {k: v for k, v in os.environ.items() if k != "NO_LOCAL_GGUF"}
    proc = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, check=False, env=env
    )
    if proc.returncode != 0:
        raise FinetuneError(
            f"{script.name} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}"
        )


def is_adapter(path: str | os.PathLike[str]) -> bool:
    """True if `path` is a peft adapter folder (has `adapter_config.json`)."""
    return (Path(path) / "adapter_config.json").is_file()


def adapter_base(adapter_dir: str | os.PathLike[str]) -> str:
    """The base model an adapter was trained on, from its `adapter_config.json`."""
    config = json.loads((Path(adapter_dir) / "adapter_config.json").read_text())
    base = config.get("base_model_name_or_path")
    if not base:
        raise FinetuneError(f"{adapter_dir}/adapter_config.json names no base model; pass base=")
    return str(base)


def _chat_template_for(format: Any) -> str | None:
    if format is None:
        return None
    if isinstance(format, str):
        from lamagent.formats import get  # type: ignore[attr-defined]

        format = get(format)
    template = getattr(format, "chat_template", None)
    if callable(template):
        template = template()
    return template if isinstance(template, str) else None


def merge(
    adapter_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str] | None = None,
    chat_template: str | None = None,
    format: Any = None,
) -> Path:
    """Merge a LoRA adapter into its base and save a Hugging Face checkpoint in `out_dir`.

    The tokenizer is the adapter run's (else the base's). `chat_template` (or the Jinja template
    of `format`, when the Format provides one) replaces the tokenizer's, so a server that renders
    with the checkpoint's own template produces the prompts the model was trained on.
    """
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_path = str(base) if base is not None else adapter_base(adapter_dir)
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out))
    tok_src = adapter_dir if (Path(adapter_dir) / "tokenizer_config.json").is_file() else base_path
    tokenizer = AutoTokenizer.from_pretrained(str(tok_src))
    template = chat_template or _chat_template_for(format)
    if template:
        tokenizer.chat_template = template
    tokenizer.save_pretrained(str(out))
    return out


def export_gguf(
    model_dir: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    outtype: str = "f16",
    base: str | os.PathLike[str] | None = None,
    llama_cpp_dir: str | os.PathLike[str] | None = None,
    format: Any = None,
) -> Path:
    """Convert a checkpoint (or an adapter, merged into its base first) to one GGUF file.

    `outtype`: f32, f16, bf16, q8_0 (or auto). Smaller quantisations (Q4_K_M...) are made from the
    f16 file with llama.cpp's `llama-quantize`.
    """
    if outtype not in OUTTYPES:
        raise FinetuneError(f"outtype {outtype!r} is not one of {OUTTYPES}")
    converters = find_converter(llama_cpp_dir)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lamagent-merge-") as tmp:
        source = Path(model_dir)
        if is_adapter(source):
            source = merge(source, Path(tmp) / "merged", base=base, format=format)
        _run_converter(
            converters / "convert_hf_to_gguf.py",
            [str(source), "--outfile", str(out), "--outtype", outtype],
        )
    return out


def export_lora_gguf(
    adapter_dir: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str] | None = None,
    outtype: str = "f16",
    llama_cpp_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Convert a LoRA adapter alone to a GGUF LoRA file (loaded with the base GGUF)."""
    if outtype not in OUTTYPES:
        raise FinetuneError(f"outtype {outtype!r} is not one of {OUTTYPES}")
    if not is_adapter(adapter_dir):
        raise FinetuneError(f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json)")
    converters = find_converter(llama_cpp_dir)
    base_path = str(base) if base is not None else adapter_base(adapter_dir)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    _run_converter(
        converters / "convert_lora_to_gguf.py",
        [str(adapter_dir), "--base", base_path, "--outfile", str(out), "--outtype", outtype],
    )
    return out
