"""Hugging Face transformers models (torch), on a GPU or the CPU.

- `backend`: `HFBackend`, loading and the Backend contract;
- `batch`: concurrent requests decoded together on one worker thread;
- `cache`: the prefix KV cache that survives the agent loop;
- `constraint`: a `Constraint` as an xgrammar token mask;
- `decode`: the decoding loop (sampling, stops, incremental detokenisation).

Importing this package imports torch and transformers.
"""

from lamagent.backends.hf.backend import HFBackend, default_device, resolve_dtype

__all__ = ["HFBackend", "default_device", "resolve_dtype"]
