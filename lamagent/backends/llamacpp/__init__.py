"""On-device GGUF models through llama.cpp (llama-cpp-python).

- `backend`: `LlamaCppBackend`, the engine with a KV cache that survives the agent loop;
- `grammar`: a `Constraint` compiled to GBNF;
- `gguf_meta`: the GGUF header read without the engine (checks, `ModelInfo`);
- `repeat_guard`: ends a call list that starts repeating itself.

Importing this package does not import llama_cpp; loading a model does.
"""

from lamagent.backends.llamacpp.backend import LlamaCppBackend, available_cores
from lamagent.backends.llamacpp.gguf_meta import GGUFHeader, read_gguf_header

__all__ = ["GGUFHeader", "LlamaCppBackend", "available_cores", "read_gguf_header"]
