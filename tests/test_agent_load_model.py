"""load_model: a backend from a spec, lazily, with clear errors; `import lamagent` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lamagent.backends import ScriptedBackend, backend_for, load_model, register_backend, registry
from lamagent.errors import ModelLoadError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_registry", list(registry._registry))


def test_specs_map_to_backend_kinds(tmp_path: Path) -> None:
    model_dir = tmp_path / "ckpt"
    model_dir.mkdir()
    (model_dir / "config.json").write_text("{}")
    assert backend_for("models/x.gguf") == "gguf"
    assert backend_for("http://localhost:8000/v1") == "openai"
    assert backend_for("https://example.org/v1") == "openai"
    assert backend_for(model_dir) == "hf"
    assert backend_for("Salesforce/xLAM-2-1b-fc-r") == "hf"
    assert backend_for(tmp_path) is None  # a folder without config.json
    assert backend_for("just-a-word") is None


def test_a_backend_instance_is_returned_as_is() -> None:
    backend = ScriptedBackend(["x"])
    assert load_model(backend) is backend


def test_unknown_spec_says_what_is_accepted() -> None:
    with pytest.raises(ModelLoadError, match="cannot tell which backend"):
        load_model("just-a-word")


def test_missing_gguf_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        load_model(tmp_path / "missing.gguf")


def test_missing_engine_names_the_extra(clean_registry: None) -> None:
    register_backend(
        "fancy", lambda s: s.startswith("fancy:"), "no_such_engine_pkg:Backend", extra="fancy"
    )
    with pytest.raises(ModelLoadError, match=r"pip install 'lamagent\[fancy\]'"):
        load_model("fancy:model")


def test_registered_backend_gets_spec_and_kwargs(clean_registry: None) -> None:
    seen: dict[str, Any] = {}

    def factory(spec: str, **kwargs: Any) -> ScriptedBackend:
        seen.update(spec=spec, **kwargs)
        return ScriptedBackend(["hi"])

    register_backend("mine", lambda s: s.startswith("mine://"), factory)
    backend = load_model("mine://m", temperature_hint=3)
    assert isinstance(backend, ScriptedBackend)
    assert seen == {"spec": "mine://m", "temperature_hint": 3}


def test_a_registration_can_replace_a_builtin(clean_registry: None) -> None:
    register_backend("gguf", lambda s: s.endswith(".gguf"), lambda s, **k: ScriptedBackend([s]))
    assert isinstance(load_model("anything.gguf"), ScriptedBackend)
    assert registry.registered_backends().count("gguf") == 1


def test_factory_returning_a_non_backend_is_refused(clean_registry: None) -> None:
    register_backend("bad", lambda s: s == "bad", lambda s, **k: object())  # type: ignore[arg-type,return-value]
    with pytest.raises(ModelLoadError, match="not a Backend"):
        load_model("bad")


def test_importing_lamagent_imports_no_engine() -> None:
    code = (
        "import sys, lamagent\n"
        "from lamagent import Agent, tool, load_model, Trajectory, ScriptedBackend\n"
        "heavy = [m for m in ('torch', 'llama_cpp', 'transformers', 'httpx') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "[]"


def test_public_api_is_curated() -> None:
    import lamagent

    for name in lamagent.__all__:
        assert getattr(lamagent, name) is not None
    with pytest.raises(AttributeError):
        lamagent.not_a_name  # noqa: B018


def test_a_format_chosen_on_the_backend_is_used_by_the_agent() -> None:
    from lamagent import Agent, ScriptedBackend

    backend = ScriptedBackend(["hello there"])
    backend.format = "xlam2-llama"
    agent = Agent(backend)
    agent.run("hi")
    prompt = backend.requests[0][0]
    assert prompt.startswith("<|begin_of_text|>") and "<|start_header_id|>user" in prompt
