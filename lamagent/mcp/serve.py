"""lamagent tools served over MCP: the same `@tool` functions for any MCP client.

The server is the SDK's low-level `Server`: `tools/list` shows each tool's own JSON Schema, and
`tools/call` verifies the arguments and runs the tool the way an agent does (timeout, output
cap, thread isolation), so a failure is an `isError` result, never a crashed server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import anyio
import mcp_types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from lamagent.messages import ToolCall
from lamagent.tools.execute import ExecutionPolicy, execute_calls
from lamagent.tools.toolbox import Toolbox, ToolLike
from lamagent.tools.verify import CallError

__all__ = ["mcp_server", "run", "serve_http", "serve_stdio"]


def mcp_server(
    tools: Iterable[ToolLike] | Toolbox,
    *,
    name: str = "lamagent",
    policy: ExecutionPolicy | None = None,
) -> Server[Any]:
    """An MCP server offering `tools` (run with `serve_stdio` or `serve_http`)."""
    toolbox = tools if isinstance(tools, Toolbox) else Toolbox(tools)
    run_policy = policy or ExecutionPolicy()

    async def on_list_tools(
        ctx: Any, params: mcp_types.PaginatedRequestParams | None
    ) -> mcp_types.ListToolsResult:
        return mcp_types.ListToolsResult(
            tools=[
                mcp_types.Tool(name=t.name, description=t.description, input_schema=t.parameters)
                for t in toolbox
            ]
        )

    async def on_call_tool(
        ctx: Any, params: mcp_types.CallToolRequestParams
    ) -> mcp_types.CallToolResult:
        call = ToolCall(name=params.name, arguments=dict(params.arguments or {}))
        checked = toolbox.verify(call)
        if isinstance(checked, CallError):
            return _error(checked.message)
        verified = checked.call
        [execution] = await execute_calls([(0, verified, toolbox[verified.name])], run_policy)
        if execution.error_kind is not None:
            return _error(execution.error or execution.error_kind)
        return _result(execution.result)

    return Server(name, on_list_tools=on_list_tools, on_call_tool=on_call_tool)


def _result(value: Any) -> mcp_types.CallToolResult:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=text)],
        structured_content=value if isinstance(value, dict) else None,
    )


def _error(message: str) -> mcp_types.CallToolResult:
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=message)], is_error=True
    )


async def serve_stdio(server: Server[Any]) -> None:
    """Serve one client over this process's stdin and stdout until it disconnects."""
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


async def serve_http(server: Server[Any], port: int, host: str = "127.0.0.1") -> None:
    """Serve streamable HTTP at `http://host:port/mcp` until cancelled."""
    import uvicorn

    app = server.streamable_http_app(host=host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()


def run(server: Server[Any], http_port: int | None = None) -> None:
    """Serve over stdio, or over HTTP on 127.0.0.1 when `http_port` is given (blocking)."""
    if http_port is None:
        anyio.run(serve_stdio, server)
    else:
        anyio.run(serve_http, server, http_port)
