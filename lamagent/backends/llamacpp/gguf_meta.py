"""Read a GGUF file's header without loading the model: checks and `ModelInfo`.

llama.cpp meets a missing, truncated or foreign file by printing to stderr and raising a vague
`ValueError`. Reading the header first (pure Python, no engine) lets lamagent say exactly what
is wrong and what to do, and gives the chat template, special tokens, architecture and context
length that pick the prompt Format.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lamagent.backends.base import ModelInfo
from lamagent.errors import ModelLoadError

GGUF_MAGIC = b"GGUF"

# GGUF value types (gguf.GGUFValueType).
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL = range(8)
_STRING, _ARRAY, _UINT64, _INT64, _FLOAT64 = range(8, 13)
_SCALAR_FORMATS = {
    _UINT8: "B",
    _INT8: "b",
    _UINT16: "H",
    _INT16: "h",
    _UINT32: "I",
    _INT32: "i",
    _FLOAT32: "f",
    _BOOL: "?",
    _UINT64: "Q",
    _INT64: "q",
    _FLOAT64: "d",
}
#: llama.cpp's token type for control tokens (`<|im_start|>` and the like).
_TOKEN_TYPE_CONTROL = 3
#: Named special-token ids in the metadata, as `tokenizer.ggml.{name}_token_id`.
_SPECIAL_NAMES = ("bos", "eos", "eot", "eom", "unknown", "padding", "seperator", "cls", "mask")


@dataclass
class GGUFHeader:
    """The parsed header of a GGUF file: metadata key-values and the tensor layout."""

    path: Path
    version: int
    metadata: dict[str, Any]
    tensor_count: int
    #: Where tensor data starts, and where the last tensor starts relative to that.
    data_offset: int
    max_tensor_offset: int
    file_size: int
    tensor_names: list[str] = field(default_factory=list)

    @property
    def architecture(self) -> str | None:
        arch = self.metadata.get("general.architecture")
        return arch if isinstance(arch, str) else None

    def token_text(self, token_id: int) -> str | None:
        tokens = self.metadata.get("tokenizer.ggml.tokens")
        if isinstance(tokens, list) and 0 <= token_id < len(tokens):
            text = tokens[token_id]
            return text if isinstance(text, str) else None
        return None

    def model_info(self) -> ModelInfo:
        """What lamagent needs to pick a Format: template, special tokens, context length."""
        md = self.metadata
        specials: dict[str, str] = {}
        for name in _SPECIAL_NAMES:
            token_id = md.get(f"tokenizer.ggml.{name}_token_id")
            if isinstance(token_id, int):
                text = self.token_text(token_id)
                if text is not None:
                    specials[name] = text
        tokens = md.get("tokenizer.ggml.tokens")
        types = md.get("tokenizer.ggml.token_type")
        if isinstance(tokens, list) and isinstance(types, list):
            controls = [t for t, k in zip(tokens, types, strict=False) if k == _TOKEN_TYPE_CONTROL]
            # Control tokens keyed by their own text, so a Format can see `<|im_start|>` etc.
            for text in controls[:256]:
                specials.setdefault(text, text)
        arch = self.architecture
        ctx = md.get(f"{arch}.context_length") if arch else None
        model_name = md.get("general.name")
        template = md.get("tokenizer.chat_template")
        return ModelInfo(
            model_id=model_name if isinstance(model_name, str) and model_name else self.path.stem,
            architecture=arch,
            chat_template=template if isinstance(template, str) else None,
            bos_token=specials.get("bos"),
            eos_token=specials.get("eos"),
            special_tokens=specials,
            context_length=ctx if isinstance(ctx, int) else None,
        )


class _Reader:
    """Bounds-checked little-endian reads over a memory map."""

    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.buf):
            raise ModelLoadError(
                f"{self.path} is truncated or corrupt: its GGUF header ends early "
                f"(needs {self.pos + n} bytes, the file has {len(self.buf)}). "
                "Download or export it again."
            )

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize("<" + fmt)
        self._need(size)
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        n = self.scalar("Q")
        if n > 1 << 30:
            raise ModelLoadError(f"{self.path} is corrupt: a GGUF string claims {n} bytes")
        self._need(n)
        raw = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def value(self, vtype: int) -> Any:
        if vtype in _SCALAR_FORMATS:
            return self.scalar(_SCALAR_FORMATS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype = self.scalar("I")
            count = self.scalar("Q")
            if count > 1 << 28:
                raise ModelLoadError(f"{self.path} is corrupt: a GGUF array claims {count} items")
            if etype in _SCALAR_FORMATS:
                fmt = f"<{count}{_SCALAR_FORMATS[etype]}"
                size = struct.calcsize(fmt)
                self._need(size)
                items = list(struct.unpack_from(fmt, self.buf, self.pos))
                self.pos += size
                return items
            return [self.value(etype) for _ in range(count)]
        raise ModelLoadError(f"{self.path} is corrupt: unknown GGUF value type {vtype}")


def read_gguf_header(path: str | os.PathLike[str]) -> GGUFHeader:
    """Parse a GGUF file's header, raising `ModelLoadError` that says what to do on any fault.

    Checks: the file exists and is a file, starts with the GGUF magic, has a known version, a
    complete header, and is long enough to hold the tensor data the header announces.
    """
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(
            f"model file not found: {p}. Pass the path of a .gguf file, or no model to use the "
            "embedded default."
        )
    if not p.is_file():
        raise ModelLoadError(f"{p} is not a file: pass the path of a .gguf model file")
    size = p.stat().st_size
    with p.open("rb") as fh:
        magic = fh.read(4)
        if magic != GGUF_MAGIC:
            raise ModelLoadError(
                f"{p} is not a GGUF model file (it starts with {magic!r}, not b'GGUF'). "
                "Convert the model with llama.cpp's convert_hf_to_gguf.py, or download a "
                ".gguf release of it."
            )
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, p, size)


def _parse(buf: mmap.mmap, path: Path, size: int) -> GGUFHeader:
    r = _Reader(buf, path)
    r.pos = 4
    version = r.scalar("I")
    if version not in (2, 3):
        raise ModelLoadError(
            f"{path} has GGUF version {version}; llama.cpp reads versions 2 and 3. "
            "Convert the model again with a current llama.cpp."
        )
    tensor_count = r.scalar("Q")
    kv_count = r.scalar("Q")
    if tensor_count > 1 << 24 or kv_count > 1 << 20:
        raise ModelLoadError(f"{path} is corrupt: implausible GGUF header counts")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = r.string()
        vtype = r.scalar("I")
        metadata[key] = r.value(vtype)
    names: list[str] = []
    max_offset = 0
    for _ in range(tensor_count):
        names.append(r.string())
        n_dims = r.scalar("I")
        if n_dims > 8:
            raise ModelLoadError(f"{path} is corrupt: a tensor claims {n_dims} dimensions")
        for _ in range(n_dims):
            r.scalar("Q")
        r.scalar("I")  # ggml type
        max_offset = max(max_offset, r.scalar("Q"))
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = 32
    data_offset = (r.pos + alignment - 1) // alignment * alignment
    header = GGUFHeader(
        path=path,
        version=version,
        metadata=metadata,
        tensor_count=tensor_count,
        data_offset=data_offset,
        max_tensor_offset=max_offset,
        file_size=size,
        tensor_names=names,
    )
    if tensor_count and data_offset + max_offset >= size:
        raise ModelLoadError(
            f"{path} is truncated: its header places tensor data up to byte "
            f"{data_offset + max_offset} but the file has {size} bytes. The download or "
            "export was cut short; fetch or export it again."
        )
    return header
