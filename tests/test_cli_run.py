"""`lamagent run` and `lamagent chat` with the user's own tools (`--tools`, `--mcp`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import lamagent.backends.registry as registry
from lamagent import ScriptedBackend, ToolCall
from lamagent.cli import app

runner = CliRunner()

TOOLS_FILE = '''
from lamagent import tool

@tool
def shout(text: str) -> str:
    """Say it louder."""
    return text.upper() + "!"

@tool
def whisper(text: str) -> str:
    """Say it softer."""
    return text.lower() + "..."

def helper() -> None:
    """Not a tool: not decorated."""
'''

WEATHER_SERVER = Path(__file__).parent / "mcp_servers" / "weather_server.py"


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ScriptedBackend]:
    """Make the CLI load a scripted model instead of a real one (`grammar`: one that says it
    honours grammars, as the gate needs)."""

    def install(replies: list[object], grammar: bool = False) -> ScriptedBackend:
        backend = ScriptedBackend.calls(replies, supports_constraint=grammar)  # type: ignore[arg-type]
        monkeypatch.setattr(registry, "load_model", lambda spec=None, **kw: backend)
        return backend

    return install


@pytest.fixture
def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_tools.py"
    path.write_text(TOOLS_FILE)
    return path


def test_run_uses_the_tools_of_a_file_and_prints_the_answer_once(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    backend = script([[ToolCall(name="shout", arguments={"text": "hi"})], "They said HI!"])
    out = runner.invoke(
        app, ["run", "say hi loudly", "--model", "x", "--no-store", "--tools", str(tools_file)]
    )
    assert out.exit_code == 0, out.output
    assert 'shout({"text": "hi"})' in out.output
    assert "HI!" in out.output  # the tool's result
    assert out.output.count("They said HI!") == 1  # streamed, not repeated as "answer: ..."
    prompt = backend.requests[0][0]
    assert "shout" in prompt and "whisper" in prompt
    assert "calculate" not in prompt  # the example tools are replaced
    assert "helper" not in prompt


def test_run_with_module_attr_and_repeated_tools(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    backend = script([[ToolCall(name="whisper", arguments={"text": "HI"})], "done"])
    out = runner.invoke(
        app,
        [
            "run", "whisper", "--model", "x", "--no-store", "--json",
            "--tools", f"{tools_file}:whisper",
            "--tools", "tests.mcp_servers.calculator_tools:add",
        ],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["answer"] == "done"
    assert result["tool_calls"] == [{"name": "whisper", "arguments": {"text": "HI"}}]
    prompt = backend.requests[0][0]
    assert "whisper" in prompt and '"add"' in prompt and "shout" not in prompt


def test_run_with_tools_from_an_mcp_server(
    script: Callable[[list[object]], ScriptedBackend],
) -> None:
    pytest.importorskip("mcp")
    script([[ToolCall(name="get_weather", arguments={"city": "Paris"})], "Sunny in Paris."])
    server = f"{sys.executable} {WEATHER_SERVER}"
    out = runner.invoke(app, ["run", "weather?", "--model", "x", "--no-store", "--mcp", server])
    assert out.exit_code == 0, out.output
    assert "Paris: sunny, 21 C" in out.output  # the server's result
    assert out.output.count("Sunny in Paris.") == 1


def test_an_unknown_tools_source_is_a_clear_error(
    script: Callable[[list[object]], ScriptedBackend], tmp_path: Path
) -> None:
    script(["x"])
    out = runner.invoke(
        app, ["run", "q", "--model", "x", "--no-store", "--tools", str(tmp_path / "none.py")]
    )
    assert out.exit_code == 1
    assert "no such tools file" in out.output


def test_chat_uses_the_tools_and_prints_each_answer_once(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    script([[ToolCall(name="shout", arguments={"text": "one"})], "First: ONE!", "Second answer."])
    out = runner.invoke(
        app,
        ["chat", "--model", "x", "--no-store", "--tools", str(tools_file)],
        input="shout one\nand now?\n/exit\n",
    )
    assert out.exit_code == 0, out.output
    assert 'shout({"text": "one"})' in out.output
    assert out.output.count("First: ONE!") == 1
    assert out.output.count("Second answer.") == 1


def test_without_tools_options_the_example_tools_are_offered(
    script: Callable[[list[object]], ScriptedBackend],
) -> None:
    backend = script(["hello"])
    out = runner.invoke(app, ["run", "hi", "--model", "x", "--no-store"])
    assert out.exit_code == 0, out.output
    assert "calculate" in backend.requests[0][0]


def test_run_passes_the_decoding_options_to_the_model(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    backend = script(["Hi."])
    args = ["run", "hi", "--model", "x", "--no-store", "--tools", str(tools_file)]
    options = ["--copy-bias", "2", "--mentioned-arguments", "--example-shapes", "--listed-items"]
    out = runner.invoke(app, [*args, *options, "--copy-answers", "--end-answer-loops"])
    assert out.exit_code == 0, out.output
    params = backend.requests[0][1]
    assert params.copy_bias == 2.0 and params.mentioned_arguments and params.example_shapes
    assert params.listed_items and params.copy_answers and params.end_answer_loops


def test_without_a_model_the_embedded_models_profile_fills_the_options_not_given(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    args = ["run", "hi", "--no-store", "--tools", str(tools_file)]
    backend = script(["Hi."])
    assert runner.invoke(app, args).exit_code == 0
    params = backend.requests[0][1]
    assert params.copy_bias == 3.0 and params.copy_answers and params.mentioned_arguments
    assert params.example_shapes and params.listed_items and params.end_answer_loops

    backend = script(["Hi."])
    given = ["--copy-bias", "1", "--no-listed-items", "--no-end-answer-loops"]
    assert runner.invoke(app, [*args, *given]).exit_code == 0
    params = backend.requests[0][1]
    assert params.copy_bias == 1.0 and not params.listed_items and params.example_shapes
    assert not params.end_answer_loops

    for plain in (["--no-profile"], ["--model", "x"]):
        backend = script(["Hi."])
        assert runner.invoke(app, [*args, *plain]).exit_code == 0
        params = backend.requests[0][1]
        assert params.copy_bias == 0 and not params.copy_answers and not params.listed_items


def test_the_profiles_gate_decides_auto_turns_unless_gate_none(
    script: Callable[[list[object]], ScriptedBackend], tools_file: Path
) -> None:
    args = ["run", "hi", "--no-store", "--tools", str(tools_file), "--tool-choice", "auto"]
    shout = [ToolCall(name="shout", arguments={"text": "zzz"})]
    backend = script([shout, "Hello."], grammar=True)
    out = runner.invoke(app, args)  # the draft's value is nowhere in "hi": turned down
    assert out.exit_code == 0, out.output
    assert "shout(" not in out.output and "Hello." in out.output
    assert backend.remaining == 0

    backend = script([shout, "Hello."], grammar=True)
    out = runner.invoke(app, [*args, "--gate", "none"])
    assert out.exit_code == 0, out.output
    assert 'shout({"text": "zzz"})' in out.output  # no gate: the call is made
