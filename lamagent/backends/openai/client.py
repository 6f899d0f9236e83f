"""The HTTP side of an OpenAI-compatible server: connections, retries, errors, model info.

Async-first (httpx): connections are pooled per event loop, 429/5xx and connection errors are
retried with exponential backoff, and the requests in flight are capped, so many agent runs can
share one server. Both server backends (completions and chat) talk through one `ServerClient`.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Mapping
from typing import Any

import anyio

from lamagent.backends._engine.contract import is_context_overflow
from lamagent.errors import BackendError, ConfigError, ContextOverflowError, ModelLoadError
from lamagent.generation import GenerationParams, ModelInfo
from lamagent.messages import Usage

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class ServerClient:
    """One OpenAI-compatible API root, shared by the completions and chat backends.

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name (``None``: the first one the server lists).
        api_key: sent as a bearer token (vLLM's ``--api-key``); none by default.
        timeout: seconds for one request (connect and read).
        max_retries: retries on 429, 5xx and connection errors, with exponential backoff.
        backoff: seconds before the first retry (doubling after each).
        max_in_flight: requests in flight at once (a cap, not a pool size).
        extra_body: fields added to every request body (server-specific options).
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
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
        if timeout <= 0 or max_retries < 0 or max_in_flight < 1:
            raise ConfigError(
                "timeout must be positive, max_retries at least 0 and max_in_flight at least 1 "
                f"(got {timeout}, {max_retries}, {max_in_flight})"
            )
        self.httpx = httpx
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_in_flight = max_in_flight
        self.extra_body = dict(extra_body or {})
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._clients: dict[int, Any] = {}
        self._limiters: dict[int, anyio.CapacityLimiter] = {}
        self._info: ModelInfo | None = None
        #: What the server says it is, from its model list: "vllm", "llama.cpp" or None.
        self.server_kind: str | None = None

    # -- connections ---------------------------------------------------------------------

    @staticmethod
    def _loop_key() -> int:
        # An httpx.AsyncClient belongs to one event loop; sync callers start a new loop per call.
        return id(asyncio.get_running_loop())

    def _client(self) -> Any:
        key = self._loop_key()
        client = self._clients.get(key)
        if client is None:
            client = self.httpx.AsyncClient(
                base_url=self.base_url,
                headers=self._headers,
                timeout=self.httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
                limits=self.httpx.Limits(
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

    async def send(self, method: str, path: str, body: dict[str, Any] | None, stream: bool) -> Any:
        """Send with retries; returns an open response (the caller closes it when streaming)."""
        client = self._client()
        limiter = self._limiters[self._loop_key()]
        delay = self.backoff
        last_error = ""
        for attempt in range(self.max_retries + 1):
            try:
                async with limiter:
                    request = client.build_request(method, path, json=body)
                    response = await client.send(request, stream=stream)
            except (self.httpx.ConnectError, self.httpx.RemoteProtocolError) as exc:
                last_error = f"cannot reach {self.base_url} ({type(exc).__name__}: {exc})"
            except self.httpx.TimeoutException as exc:
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

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` and decode the JSON reply (a non-JSON reply is a BackendError)."""
        response = await self.send("POST", path, body, stream=False)
        try:
            data = response.json()
        except ValueError as exc:
            raise BackendError(
                f"{self.base_url} answered with non-JSON: {response.text[:200]!r}"
            ) from exc
        if not isinstance(data, dict):
            raise BackendError(
                f"{self.base_url} answered with {type(data).__name__}, not an object"
            )
        return data

    def _http_error(self, status: int, text: str) -> BackendError:
        if is_context_overflow(text):
            return ContextOverflowError(
                f"the prompt does not fit the context window of {self.model!r} at "
                f"{self.base_url} (HTTP {status}: {text})"
            )
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
        response = await self.send("GET", "/models", None, stream=False)
        try:
            data = response.json().get("data", [])
        except (ValueError, AttributeError) as exc:
            raise BackendError(f"{self.base_url}/models answered with no model list") from exc
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
        self.server_kind = server_kind(entry)
        meta = entry.get("meta")
        context = entry.get("max_model_len") or (
            meta.get("n_ctx_train") if isinstance(meta, dict) else None
        )
        self._info = ModelInfo(model_id=str(self.model), context_length=context)
        return self._info

    async def ensure_info(self) -> None:
        if self.model is None or self._info is None:
            await self.aload_info()

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

    def sampling(self, params: GenerationParams, *, plain_sampling: bool) -> dict[str, Any]:
        """The request fields for `params` (the model, token limit, sampling, stop strings).

        `plain_sampling` turns off a server-side repetition penalty (llama.cpp servers apply
        1.1 by default), so temperature 0 means greedy here as on every other backend.
        """
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
        if plain_sampling:
            body["repeat_penalty"] = 1.0
        return body


class ServedModel:
    """What both server backends expose of their `ServerClient` (mixed into each)."""

    client: ServerClient

    @property
    def base_url(self) -> str:
        return self.client.base_url

    @property
    def model(self) -> str | None:
        return self.client.model

    @property
    def info(self) -> ModelInfo:
        return self.client.info

    async def aload_info(self) -> ModelInfo:
        return await self.client.aload_info()

    async def aclose(self) -> None:
        await self.client.aclose()


def server_kind(entry: Mapping[str, Any]) -> str | None:
    """Which server lists a model this way: "vllm", "llama.cpp" or None (unknown).

    vLLM's model list says ``owned_by: "vllm"``; llama.cpp's ``llama-server`` says
    ``"llamacpp"`` and adds ``meta``; llama-cpp-python's server says ``"me"``.
    """
    owner = str(entry.get("owned_by") or "").lower()
    if owner == "vllm":
        return "vllm"
    if owner in ("llamacpp", "llama.cpp", "me") or isinstance(entry.get("meta"), Mapping):
        return "llama.cpp"
    return None


def usage_from(data: Mapping[str, Any]) -> Usage:
    """lamagent's Usage from an OpenAI `usage` object (cached prompt tokens not re-evaluated)."""
    prompt = int(data.get("prompt_tokens") or 0)
    details = data.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0) if isinstance(details, Mapping) else 0
    return Usage(
        prompt_tokens=prompt,
        evaluated_tokens=prompt - cached,
        completion_tokens=int(data.get("completion_tokens") or 0),
        requests=1,
    )


async def sse_events(response: Any) -> AsyncIterator[dict[str, Any]]:
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


def finish_reason(choice: Mapping[str, Any]) -> str:
    """ "length" when the server stopped at the token limit, else "stop"."""
    return "length" if choice.get("finish_reason") == "length" else "stop"
