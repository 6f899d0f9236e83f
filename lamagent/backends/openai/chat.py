"""`OpenAIChatBackend`: a server's chat API, with the model's own template and tool parser.

The deployment the xLAM authors recommend (vLLM with its xLAM tool parser): lamagent sends the
messages and the tools (``tools=`` in, ``tool_calls`` out), maps the calls back and verifies
them as from any other backend.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from lamagent.backends.base import ChatBackend, FormatChoice
from lamagent.backends.openai.client import ServedModel, ServerClient, finish_reason, usage_from
from lamagent.errors import BackendError
from lamagent.generation import Generation, GenerationParams
from lamagent.messages import Message, MessageLike, ToolCall, Usage, to_messages


class OpenAIChatBackend(ServedModel, ChatBackend):
    """A model behind an OpenAI-compatible chat API.

    Args:
        base_url: the API root, e.g. ``http://localhost:8000/v1``.
        model: the served model name (``None``: the first one the server lists).
        format: the Format that reads replies without parsed calls (None: detected).
        plain_sampling: send ``repeat_penalty=1.0`` (llama.cpp servers penalise repeats by
            default), so temperature 0 means greedy as on every other backend.
        client options (api_key, timeout, max_retries, backoff, max_in_flight, extra_body):
            see `ServerClient`.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        format: FormatChoice = None,
        plain_sampling: bool = False,
        **client_options: Any,
    ) -> None:
        self.client = ServerClient(base_url, model, **client_options)
        self.format = format
        self.plain_sampling = plain_sampling

    async def achat(
        self,
        messages: Sequence[MessageLike],
        tools: Sequence[Mapping[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str = "auto",
    ) -> tuple[Message, Generation]:
        """One chat completion with the server's own template and tool parser.

        Returns the assistant message (its `tool_calls` mapped to lamagent's ToolCall) and the
        Generation (its text is the message content, or the calls as JSON when it has none).
        """
        await self.client.ensure_info()
        body = self.client.sampling(params, plain_sampling=self.plain_sampling) | {
            "messages": [_chat_dict(m) for m in to_messages(messages)],
            "stream": False,
        }
        if tools:
            body["tools"] = [{"type": "function", "function": dict(t)} for t in tools]
            if tool_choice in ("auto", "required", "none"):
                body["tool_choice"] = tool_choice
            else:
                body["tool_choice"] = {"type": "function", "function": {"name": tool_choice}}
        body |= self.client.extra_body
        start = time.perf_counter()
        data = await self.client.post_json("/chat/completions", body)
        end = time.perf_counter()
        choices = data.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else {}
        raw = choice.get("message") if isinstance(choice, Mapping) else None
        if not isinstance(raw, Mapping):
            raise BackendError(f"{self.base_url} answered without a message: {str(data)[:200]!r}")
        calls = []
        for item in raw.get("tool_calls") or []:
            try:
                calls.append(ToolCall.from_dict(item))
            except (ValueError, TypeError, json.JSONDecodeError) as exc:
                raise BackendError(
                    f"the server returned a malformed tool call {item!r}: {exc}"
                ) from exc
        content = raw.get("content")
        content = content if isinstance(content, str) else None
        message = Message.assistant(content, calls)
        text = content if content else json.dumps([c.to_xlam() for c in calls], ensure_ascii=False)
        usage = data.get("usage")
        generation = Generation(
            text=text or "",
            finish_reason=finish_reason(choice),  # type: ignore[arg-type]
            usage=usage_from(usage) if isinstance(usage, Mapping) else Usage(requests=1),
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
