"""A small MCP server written with the SDK's own server API, for lamagent's MCP tests.

Run over stdio (`python weather_server.py`) or streamable HTTP
(`python weather_server.py --http PORT`). Its tools cover the result shapes a client must
handle: text, structured content, several blocks with an image, an error, a slow call, a crash,
and a tool that adds another tool and announces it (`tools/list_changed`).
"""

from __future__ import annotations

import contextlib
import os
import sys

import anyio
from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("weather")

FORECASTS = {"Paris": "sunny, 21 C", "London": "rain, 14 C"}


@server.tool(structured_output=False)
def get_weather(city: str) -> str:
    """The current weather in a city."""
    if city not in FORECASTS:
        raise ToolError(f"no weather station in {city!r}")
    return f"{city}: {FORECASTS[city]}"


@server.tool(structured_output=True)
def forecast(city: str, days: int) -> dict[str, object]:
    """A forecast as structured data."""
    return {"city": city, "days": days, "temperatures": [20 + d for d in range(days)]}


@server.tool(structured_output=False)
def weather_map(city: str) -> list[object]:
    """A caption and a map image (several content blocks)."""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    return [f"map of {city}", Image(data=png, format="png")]


@server.tool()
async def slow(seconds: float) -> str:
    """Sleeps, then answers (for timeouts)."""
    await anyio.sleep(seconds)
    return "done"


@server.tool()
def crash() -> str:
    """Ends the server process at once, as a crash would."""
    os._exit(3)


@server.tool(structured_output=False)
def client_name(ctx: Context) -> str:
    """The X-Client header of the request (HTTP only)."""
    headers = {k.lower(): v for k, v in (ctx.headers or {}).items()}
    return headers.get("x-client", "unknown")


def air_quality(city: str) -> str:
    """Air quality in a city."""
    return f"{city}: good"


@server.tool()
async def enable_air_quality(ctx: Context) -> str:
    """Adds the `air_quality` tool and tells the client its tools changed."""
    server.add_tool(air_quality, structured_output=False)
    await ctx.notify_tools_changed()
    # an initialize-era connection is told directly; a 2026-era one through its subscription
    with contextlib.suppress(Exception):
        await ctx.session.send_tool_list_changed()
    return "air_quality enabled"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
