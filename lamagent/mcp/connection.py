"""`MCPToolset`: one connection to an MCP server, as a toolset an Agent can hold.

The connection lives in a task of its own, started by `__aenter__`: the SDK's client holds
task-bound cancel scopes, and a server that dies or misbehaves must end that task, never the
run that uses the tools. Calls from the run go over the session; a failure of any kind comes
back to the caller as an exception, which the tool executor turns into an error observation.
"""

from __future__ import annotations

import json
import logging
import sys
from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import anyio
import mcp_types
from anyio.abc import TaskGroup, TaskStatus
from mcp import Client
from mcp.client.subscriptions import ListenNotSupportedError
from pydantic import ValidationError

from lamagent.errors import ToolsetError
from lamagent.mcp.results import observation_of
from lamagent.mcp.tools import remote_tools
from lamagent.tools.tool import Tool

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

__all__ = ["MCPToolset"]

logger = logging.getLogger(__name__)

#: Pages of `tools/list` read at most (a server whose pages never end cannot hang the client).
MAX_LIST_PAGES = 100
_TOOLS_CHANGED = "notifications/tools/list_changed"


class MCPToolset(ABC):
    """A connected MCP server whose tools are lamagent Tools (see `MCPServerStdio`, `...HTTP`).

    Args:
        name_prefix: prefix for the tool names (`prefix_tool`), to avoid clashes.
        tool_timeout: seconds per call (None: the agent's `tool_timeout`).
        connect_timeout: seconds to start, initialize and list tools.
        mode: how the SDK negotiates the protocol: "auto" (discover, else the initialize
            handshake) or "legacy" (the initialize handshake only).
    """

    def __init__(
        self,
        *,
        name: str,
        name_prefix: str | None = None,
        tool_timeout: float | None = None,
        connect_timeout: float = 30.0,
        mode: str = "auto",
    ) -> None:
        self.name = name
        self.name_prefix = name_prefix
        self.tool_timeout = tool_timeout
        self.connect_timeout = connect_timeout
        self.mode = mode
        self._client: Client | None = None
        self._task_group: TaskGroup | None = None
        self._users = 0
        self._known: dict[str, Tool] = {}
        self._closing = anyio.Event()
        self._failure: BaseException | None = None
        self._changed = False

    @abstractmethod
    def _transport(self) -> AbstractAsyncContextManager[Any]:
        """The SDK transport to this server (a subprocess, an HTTP endpoint)."""

    # -- the toolset protocol --------------------------------------------------------------

    @property
    def changed(self) -> bool:
        """True after the server announced `tools/list_changed` and before the next listing."""
        return self._changed

    @property
    def is_connected(self) -> bool:
        return self._client is not None

    async def list_tools(self) -> list[Tool]:
        """The server's tools now, as Tools whose calls are sent to it."""
        client = self._connected()
        self._changed = False
        listing: list[mcp_types.Tool] = []
        cursor: str | None = None
        try:
            with anyio.fail_after(self.connect_timeout):
                for _ in range(MAX_LIST_PAGES):
                    page = await client.list_tools(cursor=cursor)
                    listing.extend(page.tools)
                    cursor = page.next_cursor
                    if cursor is None:
                        break
        except Exception as exc:
            raise ToolsetError(f"MCP server {self.name!r}: tools/list failed: {exc}") from exc
        tools = remote_tools(
            listing, self.call_tool, name_prefix=self.name_prefix, timeout=self.tool_timeout
        )
        # An unchanged tool keeps its identity across listings and reconnections, so the call
        # grammar built for it stays cached.
        known = {json.dumps(t.spec(), sort_keys=True, default=str): t for t in tools}
        self._known = {key: self._known.get(key, t) for key, t in known.items()}
        return list(self._known.values())

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """Send `tools/call` and return the observation value (see `observation_of`)."""
        try:
            result = await self._connected().call_tool(name, arguments)
        except ValidationError as exc:  # not the model's business which fields were wrong
            raise ToolsetError(
                f"MCP server {self.name!r} answered with an invalid result "
                f"({exc.error_count()} schema errors)"
            ) from exc
        return observation_of(result)

    # -- the connection ----------------------------------------------------------------------

    async def __aenter__(self) -> MCPToolset:
        """Connect (or, when already open, share the connection until the last exit)."""
        if self._task_group is not None:
            self._users += 1
            return self
        self._closing = anyio.Event()
        self._failure = None
        group = anyio.create_task_group()
        await group.__aenter__()
        self._task_group = group
        try:
            with anyio.fail_after(self.connect_timeout):
                await group.start(self._serve)
        except BaseException as exc:
            await self._shut()
            if isinstance(exc, TimeoutError):
                raise ToolsetError(
                    f"MCP server {self.name!r} did not start within "
                    f"connect_timeout={self.connect_timeout} s"
                ) from None
            raise
        if self._failure is not None:
            failure = self._failure
            await self._shut()
            raise ToolsetError(
                f"MCP server {self.name!r} could not be started: {_describe(failure)}"
            ) from failure
        self._users = 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._users -= 1
        if self._users <= 0:
            await self._shut()

    async def _shut(self) -> None:
        """Close the session (which stops a stdio server, killing it if it will not exit)."""
        group, self._task_group = self._task_group, None
        if group is None:
            return
        self._closing.set()
        if self._client is None:  # still connecting, or already ended: nothing to close gently
            group.cancel_scope.cancel()
        try:
            await group.__aexit__(None, None, None)
        except Exception as exc:  # the connection's own failure: never the caller's
            logger.debug("MCP server %r closed with %s", self.name, _describe(exc))

    async def _serve(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Hold the connection until closed; every failure stays in this task."""
        started = False
        try:
            client = Client(
                self._transport(),
                mode=self.mode,
                message_handler=self._on_message,
                cache=None,
            )
            async with client, anyio.create_task_group() as group:
                await group.start(self._listen, client)
                self._client = client
                task_status.started()
                started = True
                await self._closing.wait()
                group.cancel_scope.cancel()
        except Exception as exc:
            self._failure = exc
            if started:
                logger.warning("MCP server %r: connection ended: %s", self.name, _describe(exc))
        finally:
            self._client = None
            if not started:
                task_status.started()

    async def _listen(
        self, client: Client, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Follow tool-list changes on a 2026-era connection (`subscriptions/listen`)."""
        tools = client.server_capabilities.tools
        if tools is None or not tools.list_changed:
            task_status.started()
            return
        started = False
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                task_status.started()
                started = True
                async for _ in subscription:
                    self._changed = True
        except ListenNotSupportedError:
            pass  # an initialize-era connection: changes arrive as notifications
        except Exception as exc:
            logger.debug("MCP server %r: no more change events: %s", self.name, _describe(exc))
        finally:
            if not started:
                task_status.started()

    async def _on_message(self, message: Any) -> None:
        """Notifications from the server: note `tools/list_changed`, log transport errors."""
        if isinstance(message, Exception):
            logger.debug("MCP server %r sent something unreadable: %s", self.name, message)
        elif getattr(message, "method", None) == _TOOLS_CHANGED:
            self._changed = True

    def _connected(self) -> Client:
        if self._client is None:
            state = "is not open" if self._task_group is None else "is no longer connected"
            raise ToolsetError(f"MCP server {self.name!r} {state}")
        return self._client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def _describe(exc: BaseException) -> str:
    """An exception as text, unwrapping single-exception groups from task groups."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"
