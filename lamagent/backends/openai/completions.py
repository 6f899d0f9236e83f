"""`OpenAIBackend`: a server's completions API, with lamagent's own prompt and parser.

lamagent renders the prompt with its Format and the server only continues text, so prompts and
parsing are identical on every backend. The call grammar goes through the server's
structured-output parameter (vLLM's ``structured_outputs``, llama.cpp's ``grammar``).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal, get_args

from lamagent.backends._engine.stops import cut_at_stop
from lamagent.backends.base import Backend, FormatChoice
from lamagent.backends.llamacpp.grammar import grammar_cache
from lamagent.backends.openai.client import (
    ServedModel,
    ServerClient,
    finish_reason,
    sse_events,
    usage_from,
)
from lamagent.errors import BackendError, ConfigError, ConstraintError
from lamagent.generation import Constraint, Generation, GenerationParams
from lamagent.messages import Usage

ConstraintStyle = Literal["auto", "vllm", "llama.cpp", "none"]
CONSTRAINT_STYLES: tuple[str, ...] = get_args(ConstraintStyle)


class OpenAIBackend(ServedModel, Backend):
    """A model behind an OpenAI-compatible completions API (vLLM, llama.cpp's servers, ...).

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name (``None``: the first one the server lists).
        constraint_style: how a call grammar is sent: ``"vllm"`` (``structured_outputs``),
            ``"llama.cpp"`` (``grammar``, GBNF), ``"none"`` (not supported), or ``"auto"``
            (default): the style of the server its model list names (vLLM or llama.cpp), else
            vLLM's. Either way every constrained reply is checked against its constraint, and
            a server that ignored it raises `ConstraintError` instead of passing prose on.
        format: the prompt format for this model (None: detected).
        client options (api_key, timeout, max_retries, backoff, max_in_flight, extra_body):
            see `ServerClient`.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        constraint_style: ConstraintStyle = "auto",
        format: FormatChoice = None,
        **client_options: Any,
    ) -> None:
        if constraint_style not in CONSTRAINT_STYLES:
            raise ConfigError(
                f"constraint_style must be one of {CONSTRAINT_STYLES}, not {constraint_style!r}"
            )
        self.client = ServerClient(base_url, model, **client_options)
        self._style: ConstraintStyle = constraint_style
        self.supports_constraint = constraint_style != "none"
        self.format = format
        self._grammars = grammar_cache()

    @property
    def constraint_style(self) -> ConstraintStyle:
        """The style in use: as given, or for "auto" the server's own (once it is known)."""
        if self._style != "auto":
            return self._style
        return "llama.cpp" if self.client.server_kind == "llama.cpp" else "vllm"

    # -- requests ------------------------------------------------------------------------

    def _constraint_body(self, constraint: Constraint | None) -> dict[str, Any]:
        if constraint is None:
            return {}
        if self._style == "none":
            raise ConstraintError(
                f"constrained decoding is off for {self.base_url} (constraint_style='none')"
            )
        if self.constraint_style == "vllm" and not constraint.allow_text and constraint.json_schema:
            return {"structured_outputs": {"json": constraint.json_schema}}
        gbnf = self._grammars.get(constraint)
        if self.constraint_style == "vllm":
            return {"structured_outputs": {"grammar": gbnf}}
        return {"grammar": gbnf}

    async def _body(self, prompt: str, params: GenerationParams, *, stream: bool) -> dict[str, Any]:
        await self.client.ensure_info()
        plain = self.constraint_style == "llama.cpp"
        body = self.client.sampling(params, plain_sampling=plain) | {
            "prompt": prompt,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body | self._constraint_body(params.constraint) | self.client.extra_body

    async def agenerate(self, prompt: str, params: GenerationParams | None = None) -> Generation:
        """One non-streamed completion (some servers report exact token usage only here)."""
        p = params or GenerationParams()
        body = await self._body(prompt, p, stream=False)
        start = time.perf_counter()
        data = await self.client.post_json("/completions", body)
        end = time.perf_counter()
        choice = _first_choice(data)
        generation = Generation(
            text=cut_at_stop(str(choice.get("text") or ""), p.stop),
            finish_reason=finish_reason(choice),  # type: ignore[arg-type]
            usage=usage_from(data.get("usage") or {}),
            timings={"total": end - start},
        )
        self._check_held(generation, p.constraint)
        return generation

    async def astream(
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        body = await self._body(prompt, params, stream=True)
        start = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        finish: str | None = None
        usage = Usage(requests=1)
        response = await self.client.send("POST", "/completions", body, stream=True)
        try:
            async for event in sse_events(response):
                choice = _first_choice(event)
                text = str(choice.get("text") or "")
                if text:
                    if first is None:
                        first = time.perf_counter()
                    parts.append(text)
                    yield text
                if choice.get("finish_reason"):
                    finish = finish_reason(choice)
                if isinstance(event.get("usage"), Mapping):
                    usage = usage_from(event["usage"])
        except self.client.httpx.HTTPError as exc:
            raise BackendError(f"the stream from {self.base_url} broke off: {exc!r}") from exc
        finally:
            await response.aclose()
        end = time.perf_counter()
        if finish is None:
            raise BackendError(
                f"the stream from {self.base_url} ended before the server finished the reply "
                "(was the request interrupted? llama-cpp-python's server interrupts streams when "
                "another request arrives unless started with --interrupt_requests False)"
            )
        if usage.completion_tokens == 0:
            usage = Usage(requests=1, completion_tokens=len(parts))
        generation = Generation(
            text=cut_at_stop("".join(parts), params.stop),
            finish_reason=finish,  # type: ignore[arg-type]
            usage=usage,
            timings={
                "prefill": (first or end) - start,
                "decode": end - (first or end),
                "total": end - start,
            },
        )
        self._check_held(generation, params.constraint)
        yield generation

    def _check_held(self, generation: Generation, constraint: Constraint | None) -> None:
        """Raise ConstraintError when a finished reply breaks the constraint it was sent with.

        A server that does not know the field the grammar went in ignores it without an error
        (llama.cpp's servers ignore vLLM's ``structured_outputs``), and the model's prose would
        pass as an answer though calls were required.
        """
        if constraint is None or generation.finish_reason != "stop":
            return
        problem = constraint_violation(generation.text, constraint)
        if problem is None:
            return
        field = "grammar" if self.constraint_style == "llama.cpp" else "structured_outputs"
        raise ConstraintError(
            f"the server at {self.base_url} did not hold the constraint sent in {field!r} "
            f"(constraint_style={self.constraint_style!r}): {problem}. It probably ignores that "
            "field: pass constraint_style='llama.cpp' for llama.cpp servers, 'vllm' for vLLM, "
            "or 'none' to decode without constraints."
        )


def constraint_violation(text: str, constraint: Constraint) -> str | None:
    """Why `text` could not have been generated under `constraint`, or None if it could.

    Checks the shape the grammar guarantees: text that begins like a call (or any text, when
    text is not allowed) must be one JSON document of the schema's top-level type.
    """
    stripped = text.strip()
    if constraint.allow_text and not stripped.startswith(constraint.call_prefixes):
        return None
    schema = constraint.json_schema or {}
    try:
        value = json.loads(stripped)
    except ValueError:
        start = stripped[:60] + ("..." if len(stripped) > 60 else "")
        return f"the reply is not the JSON the grammar allows: {start!r}"
    expected = schema.get("type")
    kinds = {"array": list, "object": dict}
    if isinstance(expected, str) and expected in kinds and not isinstance(value, kinds[expected]):
        return f"the reply is a JSON {type(value).__name__}, the grammar allows only an {expected}"
    return None


def _first_choice(data: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = data.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return {}
