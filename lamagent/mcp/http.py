"""`MCPServerHTTP`: an MCP server reached over streamable HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx2
from mcp.client.streamable_http import streamable_http_client

from lamagent.mcp.connection import MCPToolset

__all__ = ["MCPServerHTTP"]


class MCPServerHTTP(MCPToolset):
    """An MCP server at `url` (streamable HTTP, e.g. `http://127.0.0.1:8000/mcp`).

    `headers` go with every request (an `Authorization` header, for example).
    """

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        name_prefix: str | None = None,
        *,
        name: str | None = None,
        tool_timeout: float | None = None,
        connect_timeout: float = 30.0,
        mode: str = "auto",
    ) -> None:
        super().__init__(
            name=name or urlsplit(url).netloc or url,
            name_prefix=name_prefix,
            tool_timeout=tool_timeout,
            connect_timeout=connect_timeout,
            mode=mode,
        )
        self.url = url
        self.headers = dict(headers or {})

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        return self._connect()

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Any]:
        # The SDK's own timeouts: 30 s to connect and send, 5 minutes to read a response stream.
        timeout = httpx2.Timeout(30.0, read=300.0)
        async with (
            httpx2.AsyncClient(headers=self.headers, timeout=timeout) as http,
            streamable_http_client(self.url, http_client=http) as streams,
        ):
            yield streams
