"""An MCP server's tool listing as lamagent `Tool`s whose calls go back to the server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import mcp_types

from lamagent.errors import ToolDefinitionError
from lamagent.tools.tool import Tool

__all__ = ["CallRemote", "remote_tools"]

#: Sends `tools/call` for the server's tool `name` and returns the observation value.
CallRemote = Callable[[str, dict[str, Any]], Awaitable[Any]]

logger = logging.getLogger(__name__)


def remote_tools(
    listing: Iterable[mcp_types.Tool],
    call: CallRemote,
    *,
    name_prefix: str | None = None,
    timeout: float | None = None,
) -> list[Tool]:
    """Tools for a listing: name (with `name_prefix_`), description and input schema.

    The calls run on the run's event loop (`isolation="loop"`), where the connection lives; the
    schema is what calls are verified against before they are sent. A tool whose schema
    lamagent cannot read is left out, with a warning, instead of failing the whole server.
    """
    tools: list[Tool] = []
    for spec in listing:
        name = f"{name_prefix}_{spec.name}" if name_prefix else spec.name
        try:
            tools.append(
                Tool(
                    name,
                    spec.description or spec.title or "",
                    dict(spec.input_schema),
                    _caller(call, spec.name),
                    timeout=timeout,
                    isolation="loop",
                )
            )
        except ToolDefinitionError as exc:
            logger.warning("left out the MCP tool %r: %s", spec.name, exc)
    return tools


def _caller(call: CallRemote, remote_name: str) -> Callable[..., Awaitable[Any]]:
    async def call_remote(**arguments: Any) -> Any:
        return await call(remote_name, arguments)

    call_remote.__name__ = call_remote.__qualname__ = remote_name
    return call_remote
