"""Model profiles: the embedded model's measured settings, and the user's settings winning."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamagent import Agent, ScriptedBackend
from lamagent.errors import ConfigError
from lamagent.gate import CallGate
from lamagent.generation import GenerationParams
from lamagent.profiles import EMBEDDED, ModelProfile, profile_for


def test_the_embedded_model_gets_its_profile_and_another_model_none() -> None:
    agent = Agent()  # the embedded model, loaded on the first run only
    assert agent.profile is EMBEDDED and agent.gate == EMBEDDED.gate
    assert {k: getattr(agent.generation, k) for k in EMBEDDED.generation} == dict(
        EMBEDDED.generation
    )
    other = Agent(ScriptedBackend(["hi"]))
    assert other.profile is None and other.gate is None
    assert other.generation == GenerationParams()
    assert Agent(profile=None).generation == GenerationParams()
    given = Agent(ScriptedBackend(["hi"]), profile=EMBEDDED)
    assert given.generation.listed_items and given.gate is not None


def test_what_the_user_sets_wins_over_the_profile() -> None:
    assert Agent(copy_bias=0).generation.copy_bias == 0  # a shorthand
    assert Agent(copy_answers=False).generation.copy_answers is False
    mine = GenerationParams(max_tokens=64, example_shapes=False)
    agent = Agent(generation=mine, max_tokens=32)
    assert agent.generation.max_tokens == 32 and agent.generation.example_shapes is False
    assert agent.generation.copy_bias == 3.0  # the fields the user left alone
    gate = CallGate(threshold=0.9)
    assert Agent(gate=gate).gate is gate


def test_a_profile_with_a_setting_generation_lacks_fails_loudly() -> None:
    with pytest.raises(ConfigError, match="copy_bais"):
        ModelProfile("typo", generation={"copy_bais": 3.0})
    with pytest.raises(ConfigError):
        Agent(copy_bias=-1)


def test_the_embedded_model_is_known_by_its_file_too() -> None:
    from lamagent.models import default_gguf_path

    path = default_gguf_path()  # the registry package the tests install
    assert profile_for(None) is EMBEDDED and profile_for(path) is EMBEDDED
    assert profile_for(str(path)) is EMBEDDED
    assert profile_for(path.parent / "other.gguf") is None
    assert profile_for("org/xLAM-2-1b-fc-r") is None and profile_for(ScriptedBackend([])) is None
    assert Agent(str(path)).profile is EMBEDDED and Agent(str(path), profile=None).profile is None


def test_the_transformers_checkpoint_converted_from_it_is_the_embedded_model_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from lamagent.models import default_hf_checkpoint_path

    monkeypatch.setenv("LAMAGENT_CACHE", str(tmp_path))  # nothing is converted to find it
    folder = default_hf_checkpoint_path()
    assert folder.parent == tmp_path and not folder.exists()
    assert profile_for(folder) is EMBEDDED and profile_for(str(folder)) is EMBEDDED
    assert profile_for(SimpleNamespace(path=folder)) is EMBEDDED  # a backend loaded from it
    assert profile_for(tmp_path / "my-tuned-smollm2") is None
    assert profile_for(SimpleNamespace(path=None)) is None  # weights passed in, or an adapter


def test_a_run_records_the_profile_it_ran_with(tmp_path: Path) -> None:
    agent = Agent(ScriptedBackend(["Hi."]), profile=EMBEDDED, store=tmp_path / "runs.db")
    profiled = agent.run("Hello")
    assert profiled.trajectory.metadata["profile"] == "embedded"
    assert agent.store is not None
    stored = agent.store.get(profiled.trajectory.unique_trajectory_id)
    assert stored is not None and stored.metadata["profile"] == "embedded"  # SQLite keeps it
    agent.close()
    plain = Agent(ScriptedBackend(["Hi."])).run("Hello")
    assert "profile" not in plain.trajectory.metadata
