"""A constraint sent to a server is never silently dropped.

A server that does not know the field the grammar travels in ignores it without an error, and
the model's prose would pass as an answer though calls were required. The completions backend
finds out which server it talks to (its model list) and checks every constrained reply.
Tested on llama-cpp-python's real server (started here) and on a stub server that ignores
every constraint.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("llama_cpp.server.app")
pytest.importorskip("httpx")

from backend_conformance import BackendCase, ConstrainedReplyConformance
from llama_server import llama_server

from lamagent import Agent, load_model, tool
from lamagent.backends.openai import OpenAIBackend
from lamagent.backends.openai.completions import constraint_violation
from lamagent.errors import ConstraintError
from lamagent.generation import Constraint, GenerationParams
from lamagent.models import default_gguf_path

LONDON = "What's the weather like in London?"


@tool
def get_weather(location: str, unit: str = "celsius") -> dict[str, Any]:
    """Get the current weather in a given location.

    Args:
        location: The city, e.g. "London".
        unit: "celsius" or "fahrenheit".
    """
    return {"location": location, "temperature": 14, "unit": unit}


CALLS_ONLY = Constraint(json_schema={"type": "array"}, allow_text=False)
TEXT_OR_CALLS = Constraint(json_schema={"type": "array"}, allow_text=True)


def test_what_a_constraint_allows() -> None:
    assert constraint_violation('[{"name": "f", "arguments": {}}]', CALLS_ONLY) is None
    assert "not the JSON" in (constraint_violation("It is sunny in London.", CALLS_ONLY) or "")
    assert "only an array" in (constraint_violation('{"name": "f"}', CALLS_ONLY) or "")
    assert constraint_violation("It is sunny.", TEXT_OR_CALLS) is None
    assert constraint_violation("[not json", TEXT_OR_CALLS) is not None


class _ProseServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible stub that ignores every constraint and answers in prose."""

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send({"data": [{"id": "stub", "owned_by": "somebody"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        reply = {
            "choices": [{"text": "The weather in London is mild.", "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 6},
        }
        if not request.get("stream"):
            self._send(reply)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(f"data: {json.dumps(reply)}\n\ndata: [DONE]\n\n".encode())


@pytest.fixture
def prose_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProseServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


class TestServerThatIgnoresConstraints(ConstrainedReplyConformance):
    """The conformance case every backend runs, on a server that ignores the field."""

    @pytest.fixture
    def backend_case(self, prose_server: str) -> BackendCase:
        return BackendCase(backend=OpenAIBackend(prose_server, max_retries=0), prompt="prompt")


def test_a_server_that_ignores_the_constraint_is_an_error_not_an_answer(prose_server: str) -> None:
    backend = OpenAIBackend(prose_server, max_retries=0)
    with pytest.raises(ConstraintError, match="constraint_style"):
        backend.generate("prompt", GenerationParams(constraint=CALLS_ONLY))
    agent = Agent(backend, tools=[get_weather], constrained=True, tool_choice="required")
    result = agent.run(LONDON)
    assert result.outcome == "error" and result.answer is None
    assert "ConstraintError" in (result.error or "") and "constraint_style" in (result.error or "")
    # Unconstrained, the same reply is a plain answer.
    assert backend.generate("prompt").text == "The weather in London is mild."


@pytest.fixture(scope="module")
def llama_cpp_url() -> Iterator[str]:
    with llama_server(default_gguf_path(), threads=2) as (url, _proc):
        yield url


@pytest.mark.gguf
def test_the_llama_cpp_server_gets_its_own_field_by_default(llama_cpp_url: str) -> None:
    model = load_model(llama_cpp_url, model="smollm2")  # no constraint_style given
    assert isinstance(model, OpenAIBackend)
    agent = Agent(
        model, tools=[get_weather], constrained=True, tool_choice="required", max_steps=1,
        max_tokens=64,
    )  # fmt: skip
    result = agent.run(LONDON)
    assert model.constraint_style == "llama.cpp"
    step = result.trajectory.steps[0]
    assert step.tool_calls and step.tool_calls[0]["name"] == "get_weather"
    assert result.answer is None  # no prose passed off as an answer


@pytest.mark.gguf
def test_vllms_field_on_a_llama_cpp_server_is_a_clear_error(llama_cpp_url: str) -> None:
    model = OpenAIBackend(llama_cpp_url, "smollm2", constraint_style="vllm")
    agent = Agent(
        model, tools=[get_weather], constrained=True, tool_choice="required", max_steps=1,
        max_tokens=48,
    )  # fmt: skip
    result = agent.run(LONDON)
    assert result.outcome == "error" and "constraint_style='llama.cpp'" in (result.error or "")
