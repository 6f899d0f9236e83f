"""What the model reads of an MCP tool result: text, structured data, or a tool failure.

Structured content wins when the server sends it (it is the typed result); otherwise one text
block is its text, several blocks a list, and binary blocks (images, audio, blobs) a short
placeholder, since a text model cannot read them. `isError` raises `RemoteToolError`, which the
executor turns into an error observation like any failing tool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp_types import CallToolResult

from lamagent.errors import RemoteToolError

__all__ = ["block_text", "observation_of"]


def observation_of(result: CallToolResult) -> Any:
    """The observation value of a `tools/call` result; raises `RemoteToolError` on `isError`."""
    if result.is_error:
        text = _joined(result.content)
        raise RemoteToolError(text or "the tool reported an error without a message")
    if result.structured_content is not None:
        return result.structured_content
    values = [block_text(b) for b in result.content]
    if not values:
        return ""
    return values[0] if len(values) == 1 else values


def block_text(block: Any) -> str:
    """One content block as text: its text, or a placeholder naming what it holds."""
    kind = getattr(block, "type", None)
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        return f"[{kind}: {block.mime_type}, {_decoded_size(block.data)} bytes]"
    if kind == "resource_link":
        return f"[resource: {block.uri}]"
    if kind == "resource":
        resource = block.resource
        text = getattr(resource, "text", None)
        if isinstance(text, str):
            return text
        mime = getattr(resource, "mime_type", None) or "binary"
        return f"[resource {resource.uri}: {mime}, {_decoded_size(resource.blob)} bytes]"
    return f"[{kind or 'unknown'} content]"


def _joined(blocks: Sequence[Any]) -> str:
    return "\n".join(block_text(b) for b in blocks)


def _decoded_size(data: str) -> int:
    """Bytes of base64 data, without decoding it."""
    return len(data) * 3 // 4 - data[-2:].count("=") if data else 0
