"""BFCL evaluation through a real server in both of its modes: completions and chat.

The chat mode is the deployment the xLAM authors recommend (the server's own template and tool
parser); the evaluation reaches it through the same turn source as the Agent. The server is
llama-cpp-python's, started on a free loopback port for this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("llama_cpp.server.app")
pytest.importorskip("httpx")

from llama_server import llama_server
from typer.testing import CliRunner

from lamagent.backends.openai import OpenAIBackend, OpenAIChatBackend, open_server
from lamagent.eval import evaluate_bfcl, load_bfcl
from lamagent.eval.bfcl_data import select_cases
from lamagent.eval.checker import REASONS
from lamagent.generation import GenerationParams
from lamagent.models import default_gguf_path
from lamagent.turns import ChatTurns, PromptTurns, turn_source

pytestmark = pytest.mark.gguf

DATA = Path(__file__).parent / "data" / "bfcl"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with llama_server(default_gguf_path(), threads=2) as (url, _proc):
        yield url


def cases() -> list[Any]:
    picked = load_bfcl(DATA, ["simple_python", "irrelevance"])
    return select_cases(picked, limit=2)


def paths_sent(backend: OpenAIBackend | OpenAIChatBackend) -> list[str]:
    """Record the request paths the backend sends (to tell which API it used)."""
    sent: list[str] = []
    original = backend.client.send

    async def spy(method: str, path: str, body: Any, stream: bool) -> Any:
        sent.append(path)
        return await original(method, path, body, stream)

    backend.client.send = spy  # type: ignore[method-assign]
    return sent


def test_open_server_picks_the_api_and_turn_source(base_url: str) -> None:
    chat = open_server(base_url, "smollm2", mode="chat")
    completions = open_server(base_url, "smollm2")
    assert isinstance(chat, OpenAIChatBackend) and isinstance(turn_source(chat), ChatTurns)
    assert isinstance(completions, OpenAIBackend)
    assert isinstance(turn_source(completions), PromptTurns)


def test_chat_mode_server_is_evaluated(base_url: str) -> None:
    backend = OpenAIChatBackend(base_url, "smollm2", plain_sampling=True)
    sent = paths_sent(backend)
    chosen = cases()
    report = evaluate_bfcl(
        backend, chosen, generation=GenerationParams(max_tokens=48), progress=False
    )
    assert report.model == "smollm2"
    assert [r.id for r in report.results] == [c.id for c in chosen]
    for result in report.results:
        assert result.reason is None or result.reason in REASONS, (result.reason, result.detail)
        assert result.output  # the reply, as the server returned it
    assert sent.count("/chat/completions") == len(chosen)
    assert "/completions" not in sent


def test_completions_mode_server_is_evaluated_the_same_way(base_url: str) -> None:
    backend = OpenAIBackend(base_url, "smollm2", constraint_style="llama.cpp")
    sent = paths_sent(backend)
    chosen = [c for c in cases() if c.category == "simple_python"]
    report = evaluate_bfcl(
        backend,
        chosen,
        constrained=True,
        tool_choice="required",
        generation=GenerationParams(max_tokens=128),
        progress=False,
    )
    # Calls only: every case gets a call list that parses, through the completions API.
    for result in report.results:
        assert result.calls and result.reason != "parse_error", (result.reason, result.output)
    assert sent.count("/completions") == len(chosen)


def test_cli_evaluates_a_chat_mode_server(base_url: str, tmp_path: Path) -> None:
    from lamagent.cli import app

    args = ["eval", "bfcl", "--data", str(DATA), "--model", base_url, "--served-model", "smollm2"]
    result = CliRunner().invoke(
        app,
        [*args, "--server-mode", "chat", "-c", "irrelevance", "--limit", "1", "--max-tokens",
         "32", "--no-progress", "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "irrelevance" in result.output
    assert (tmp_path / "results-free.jsonl").read_text().count("\n") == 1
