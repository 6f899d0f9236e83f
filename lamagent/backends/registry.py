"""`load_model`: pick and build a backend from a path, a URL or a hub id.

Engines register by module path (`"lamagent.backends.llamacpp:LlamaCppBackend"`), so nothing is
imported until a model of that kind is loaded: `import lamagent` never imports llama_cpp or
torch. A missing engine becomes a `ModelLoadError` naming the extra to install.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lamagent.backends.base import Backend, ChatBackend, ModelBackend
from lamagent.errors import ModelLoadError

#: Decides whether a backend can load a model spec (a path, URL or id as a string).
Matcher = Callable[[str], bool]
#: Builds the backend: `factory(spec, **kwargs)`, or "module:attribute" naming that callable.
Factory = str | Callable[..., ModelBackend]

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass
class _Registration:
    name: str
    matcher: Matcher
    factory: Factory
    extra: str | None


_registry: list[_Registration] = []


def register_backend(
    name: str, matcher: Matcher, factory: Factory, *, extra: str | None = None
) -> None:
    """Register (or replace) a backend kind for `load_model`.

    `matcher(spec)` says whether this kind loads `spec`; `factory` builds it, given as a callable
    or as "module.path:Attribute" to import lazily. `extra` names the `pip install
    'lamagent[extra]'` that brings the engine's dependencies. Later registrations are tried
    first, so a user's registration wins over a built-in one.
    """
    _registry[:] = [r for r in _registry if r.name != name]
    _registry.insert(0, _Registration(name, matcher, factory, extra))


def registered_backends() -> list[str]:
    """Names of the registered backend kinds, in the order they are tried."""
    return [r.name for r in _registry]


def backend_for(spec: str | os.PathLike[str]) -> str | None:
    """The name of the backend kind `load_model` would use for `spec` (None: no match)."""
    text = os.fspath(spec)
    return next((r.name for r in _registry if r.matcher(text)), None)


def load_model(
    spec: str | os.PathLike[str] | ModelBackend | None = None, **kwargs: Any
) -> ModelBackend:
    """A Backend for `spec`; keyword arguments go to the backend's constructor.

    - None: the embedded default model (SmolLM2-135M GGUF) on llama.cpp;
    - a path ending in .gguf: llama.cpp;
    - an http:// or https:// URL: an OpenAI-compatible server (pass `model=`);
    - a directory with config.json, or a hub id "org/name": transformers;
    - a Backend instance: returned as is.
    """
    if isinstance(spec, (Backend, ChatBackend)):
        if kwargs:
            raise ModelLoadError("keyword arguments cannot be applied to an existing Backend")
        return spec
    if spec is None:
        from lamagent.models import default_gguf_path

        spec = default_gguf_path()
    text = os.fspath(spec)
    for reg in _registry:
        if reg.matcher(text):
            return _build(reg, text, kwargs)
    raise ModelLoadError(
        f"cannot tell which backend loads {text!r}: pass a .gguf file, a directory with "
        "config.json, a hub id 'org/name' or an http(s):// URL, or register a backend kind "
        "with lamagent.register_backend"
    )


def _resolve(reg: _Registration) -> Callable[..., ModelBackend]:
    if callable(reg.factory):
        return reg.factory
    module_name, _, attr = reg.factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = f"pip install 'lamagent[{reg.extra}]'" if reg.extra else "install its dependencies"
        raise ModelLoadError(
            f"the {reg.name!r} backend cannot be imported ({exc}); {hint}"
        ) from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ModelLoadError(f"{reg.factory!r} does not name a callable backend factory")
    return factory  # type: ignore[no-any-return]


def _build(reg: _Registration, spec: str, kwargs: dict[str, Any]) -> ModelBackend:
    if reg.factory == _GGUF and not Path(spec).is_file():
        raise ModelLoadError(f"GGUF file not found: {spec}")
    factory = _resolve(reg)
    backend = factory(spec, **kwargs)
    if not isinstance(backend, (Backend, ChatBackend)):
        raise ModelLoadError(
            f"the {reg.name!r} factory returned {type(backend).__name__}, not a Backend"
        )
    return backend


def _is_gguf(spec: str) -> bool:
    return spec.lower().endswith(".gguf")


def _is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _is_hf(spec: str) -> bool:
    path = Path(spec)
    if path.is_dir():
        return (path / "config.json").is_file()
    return not path.exists() and bool(_HUB_ID.match(spec))


_GGUF = "lamagent.backends.llamacpp:LlamaCppBackend"

# Built-ins, registered in reverse priority (each registration goes first).
register_backend("hf", _is_hf, "lamagent.backends.hf:HFBackend", extra="hf")
register_backend("openai", _is_url, "lamagent.backends.openai:open_server", extra="server")
register_backend("gguf", _is_gguf, _GGUF, extra="gguf")
