"""A backend for any OpenAI-compatible server: vLLM, llama.cpp's servers, and the like.

Two modes:

- ``completions`` (default): lamagent renders the prompt with its own Format and the server only
  continues text, so prompts and parsing are identical on every backend. The call grammar goes
  through the server's structured-output parameter (vLLM's ``structured_outputs``, llama.cpp's
  ``grammar``).
- ``chat``: the server applies the model's chat template and its tool parser (``tools=`` in,
  ``tool_calls`` out); lamagent maps the calls back and verifies them as usual.

The client is async-first (httpx), pools connections, retries 429/5xx and connection errors with
exponential backoff, and caps the requests in flight, so many agent runs can share one server.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal

import anyio

from lamagent.backends.base import Backend, Constraint, Generation, GenerationParams, ModelInfo
from lamagent.errors import BackendError, ConstraintError, ModelLoadError
from lamagent.messages import Message, MessageLike, ToolCall, Usage, to_messages

Mode = Literal["completions", "chat"]
ConstraintStyle = Literal["vllm", "llama.cpp", "none"]

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIBackend(Backend):
    """Drive a model served behind an OpenAI-compatible HTTP API.

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name (``None``: the first one the server lists).
        api_key: sent as a bearer token (vLLM's ``--api-key``); none by default.
        mode: ``"completions"`` (lamagent renders and parses) or ``"chat"`` (the server does).
        constraint_style: how a call grammar is sent: ``"vllm"`` (``structured_outputs``),
            ``"llama.cpp"`` (``grammar``, GBNF), or ``"none"`` (not supported).
        timeout: seconds for one request (connect and read).
        max_retries: retries on 429, 5xx and connection errors, with exponential backoff.
        max_in_flight: requests in flight at once from this backend (a cap, not a pool size).
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        mode: Mode = "completions",
        constraint_style: ConstraintStyle = "vllm",
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_in_flight: int = 64,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - depends on extras
            raise ModelLoadError(
                "the server backend needs: pip install 'lamagent[server]'"
            ) from exc
        if mode not in ("completions", "chat"):
            raise ValueError(f"mode must be 'completions' or 'chat', not {mode!r}")
        self._httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.mode: Mode = mode
        self.constraint_style: ConstraintStyle = constraint_style
        self.supports_constraint = constraint_style != "none" and mode == "completions"
        self.takes_messages = mode == "chat"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_in_flight = max_in_flight
        self.extra_body = dict(extra_body or {})
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._clients: dict[int, Any] = {}
        self._limiters: dict[int, anyio.CapacityLimiter] = {}
        self._info: ModelInfo | None = None
        self._gbnf_cache: dict[str, str] = {}

    # -- connection handling -------------------------------------------------------------

    def _loop_key(self) -> int:
        # An httpx.AsyncClient belongs to one event loop; sync callers start a new loop per call.
        import asyncio

        return id(asyncio.get_running_loop())

    def _client(self) -> Any:
        key = self._loop_key()
        client = self._clients.get(key)
        if client is None:
            client = self._httpx.AsyncClient(
                base_url=self.base_url,
                headers=self._headers,
                timeout=self._httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                limits=self._httpx.Limits(
                    max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight
                ),
            )
            self._clients = {key: client}  # drop clients of finished loops
            self._limiters = {key: anyio.CapacityLimiter(self.max_in_flight)}
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def _send(self, method: str, path: str, body: dict[str, Any] | None, stream: bool) -> Any:
        """Send with retries; returns an open response (caller closes it when streaming)."""
        client = self._client()
        limiter = self._limiters[self._loop_key()]
        delay = self.backoff
        last_error = ""
        for attempt in range(self.max_retries + 1):
            try:
                async with limiter:
                    request = client.build_request(method, path, json=body)
                    response = await client.send(request, stream=stream)
            except (self._httpx.ConnectError, self._httpx.RemoteProtocolError) as exc:
                last_error = f"cannot reach {self.base_url} ({type(exc).__name__}: {exc})"
            except self._httpx.TimeoutException as exc:
                last_error = f"{self.base_url}{path} timed out after {self.timeout} s ({exc!r})"
            else:
                if response.status_code < 400:
                    return response
                await response.aread()
                text = response.text[:500]
                await response.aclose()
                if response.status_code not in _RETRY_STATUS:
                    raise self._http_error(response.status_code, text)
                last_error = f"HTTP {response.status_code} from {self.base_url}{path}: {text}"
            if attempt < self.max_retries:
                await anyio.sleep(delay * (1 + random.random() * 0.25))
                delay *= 2
        raise BackendError(
            f"{last_error}; gave up after {self.max_retries + 1} attempts. "
            "Check that the server is running and reachable."
        )

    def _http_error(self, status: int, text: str) -> BackendError:
        lowered = text.lower()
        if status == 404 or (
            "model" in lowered and ("not found" in lowered or "does not exist" in lowered)
        ):
            return ModelLoadError(
                f"the server at {self.base_url} does not serve model {self.model!r} "
                f"(HTTP {status}: {text}). List the served models with GET {self.base_url}/models."
            )
        return BackendError(f"HTTP {status} from {self.base_url}: {text}")

    # -- model info ----------------------------------------------------------------------

    async def aload_info(self) -> ModelInfo:
        """Ask the server which models it serves; pick or check `model`."""
        response = await self._send("GET", "/models", None, stream=False)
        data = response.json().get("data", [])
        served = [m.get("id") for m in data if isinstance(m, dict)]
        if self.model is None:
            if not served:
                raise ModelLoadError(f"the server at {self.base_url} lists no models")
            self.model = served[0]
        elif served and self.model not in served:
            raise ModelLoadError(
                f"the server at {self.base_url} does not serve model {self.model!r}; "
                f"it serves: {', '.join(map(str, served))}"
            )
        entry: dict[str, Any] = next((m for m in data if m.get("id") == self.model), {})
        context = entry.get("max_model_len") or entry.get("meta", {}).get("n_ctx_train")
        self._info = ModelInfo(model_id=str(self.model), context_length=context)
        return self._info

    @property
    def info(self) -> ModelInfo:
        if self._info is None:
            try:
                self._info = anyio.run(self.aload_info)
            except (RuntimeError, BackendError):
                # Inside an event loop, or the server is not reachable yet: report what is
                # known; the first request asks again and raises a clear error if it must.
                return ModelInfo(model_id=str(self.model or "unknown"))
        return self._info

    # -- completions mode ----------------------------------------------------------------

    def _constraint_body(self, constraint: Constraint | None) -> dict[str, Any]:
        if constraint is None:
            return {}
        if self.constraint_style == "none":
            raise ConstraintError(
                f"constrained decoding is off for {self.base_url} (constraint_style='none')"
            )
        if self.constraint_style == "vllm" and not constraint.allow_text and constraint.json_schema:
            return {"structured_outputs": {"json": constraint.json_schema}}
        gbnf = self._gbnf(constraint)
        if self.constraint_style == "vllm":
            return {"structured_outputs": {"grammar": gbnf}}
        return {"grammar": gbnf}

    def _gbnf(self, constraint: Constraint) -> str:
        key = constraint.key or json.dumps(constraint.model_dump(), sort_keys=True)
        if key not in self._gbnf_cache:
            from lamagent.backends.llamacpp_grammar import constraint_to_gbnf

            self._gbnf_cache[key] = constraint_to_gbnf(constraint)
        return self._gbnf_cache[key]

    def _sampling(self, params: GenerationParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        if self.constraint_style == "llama.cpp":
            # llama.cpp servers apply a repetition penalty of 1.1 by default; lamagent's sampling
            # settings mean plain sampling (temperature 0: greedy), as on every other backend.
            body["repeat_penalty"] = 1.0
        return body

    async def _completion_body(
        self, prompt: str, params: GenerationParams, *, stream: bool
    ) -> dict[str, Any]:
        if self.mode == "chat":
            raise BackendError(
                "this backend is in chat mode: the agent sends messages (achat), not prompts"
            )
        if self.model is None or self._info is None:
            await self.aload_info()
        body = self._sampling(params) | {"prompt": prompt, "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body | self._constraint_body(params.constraint) | self.extra_body

    async def agenerate(self, prompt: str, params: GenerationParams | None = None) -> Generation:
        """One non-streamed completion (servers report exact token usage only here)."""
        p = params or GenerationParams()
        body = await self._completion_body(prompt, p, stream=False)
        start = time.perf_counter()
        response = await self._send("POST", "/completions", body, stream=False)
        try:
            data = response.json()
        except ValueError as exc:
            raise BackendError(
                f"{self.base_url} answered with non-JSON: {response.text[:200]!r}"
            ) from exc
        end = time.perf_counter()
        choice = (data.get("choices") or [{}])[0]
        return Generation(
            text=_cut_at_stop(choice.get("text") or "", p.stop),
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            usage=_usage(data.get("usage") or {}),
            timings={"total": end - start},
        )

    async def astream(
        self, prompt: str, params: GenerationParams
    ) -> AsyncIterator[str | Generation]:
        body = await self._completion_body(prompt, params, stream=True)
        start = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        finish: str | None = None
        usage = Usage(requests=1)
        response = await self._send("POST", "/completions", body, stream=True)
        try:
            async for event in _sse_events(response):
                choice = (event.get("choices") or [{}])[0]
                text = choice.get("text") or ""
                if text:
                    if first is None:
                        first = time.perf_counter()
                    parts.append(text)
                    yield text
                if choice.get("finish_reason"):
                    finish = "length" if choice["finish_reason"] == "length" else "stop"
                if event.get("usage"):
                    usage = _usage(event["usage"])
        except self._httpx.HTTPError as exc:
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
        yield Generation(
            text=_cut_at_stop("".join(parts), params.stop),
            finish_reason=finish,  # type: ignore[arg-type]
            usage=usage,
            timings={
                "prefill": (first or end) - start,
                "decode": end - (first or end),
                "total": end - start,
            },
        )

    # -- chat mode -----------------------------------------------------------------------

    async def achat(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[Mapping[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str = "auto",
    ) -> tuple[Message, Generation]:
        """One chat completion with the server's own template and tool parser.

        `tools` are xLAM-style specs (``{"name","description","parameters"}``). Returns the
        assistant message (with `tool_calls` mapped to lamagent's ToolCall) and the Generation
        (its text is the message content, or the calls as JSON when there is no content).
        """
        if self.model is None or self._info is None:
            await self.aload_info()
        body = self._sampling(params) | {
            "messages": [_chat_dict(m) for m in to_messages(messages)],
            "stream": False,
        }
        if tools:
            body["tools"] = [{"type": "function", "function": dict(t)} for t in tools]
            if tool_choice in ("auto", "required", "none"):
                body["tool_choice"] = tool_choice
            else:
                body["tool_choice"] = {"type": "function", "function": {"name": tool_choice}}
        body |= self.extra_body
        start = time.perf_counter()
        response = await self._send("POST", "/chat/completions", body, stream=False)
        data = response.json()
        end = time.perf_counter()
        choice = (data.get("choices") or [{}])[0]
        raw = choice.get("message") or {}
        calls = []
        for item in raw.get("tool_calls") or []:
            try:
                calls.append(ToolCall.from_dict(item))
            except (ValueError, json.JSONDecodeError) as exc:
                raise BackendError(
                    f"the server returned a malformed tool call {item!r}: {exc}"
                ) from exc
        content = raw.get("content")
        message = Message.assistant(content, calls)
        text = content if content else json.dumps([c.to_xlam() for c in calls], ensure_ascii=False)
        generation = Generation(
            text=text or "",
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            usage=_usage(data.get("usage") or {}) if data.get("usage") else Usage(requests=1),
            timings={"total": end - start},
        )
        return message, generation


def _chat_dict(message: Message) -> dict[str, Any]:
    out = message.to_dict()
    if message.role == "tool" and not isinstance(message.content, str):
        out["content"] = json.dumps(message.content, ensure_ascii=False)
    if message.role == "assistant" and message.tool_calls and out.get("content") is None:
        out["content"] = ""
    return out


def _usage(data: Mapping[str, Any]) -> Usage:
    prompt = int(data.get("prompt_tokens") or 0)
    details = data.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, Mapping) else 0
    return Usage(
        prompt_tokens=prompt,
        evaluated_tokens=prompt - cached,
        completion_tokens=int(data.get("completion_tokens") or 0),
        requests=1,
    )


def _cut_at_stop(text: str, stop: Sequence[str]) -> str:
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return text[:cut] if cut >= 0 else text


async def _sse_events(response: Any) -> AsyncIterator[dict[str, Any]]:
    """Decode a server-sent-events body into JSON payloads, ending at ``[DONE]``."""
    async for line in response.aiter_lines():
        line = line.strip()
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise BackendError(f"the server sent a malformed event: {payload[:200]!r}") from exc
        if isinstance(event, dict):
            if "error" in event:
                raise BackendError(f"the server reported an error: {event['error']}")
            yield event
