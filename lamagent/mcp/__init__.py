"""MCP: tools from Model Context Protocol servers, and lamagent tools served over MCP.

    from lamagent.mcp import MCPServerStdio
    agent = Agent(model, tools=[MCPServerStdio("python", ["server.py"]), my_tool])

Needs the `mcp` extra (`pip install "lamagent[mcp]"`).
"""

try:
    import mcp as _sdk  # noqa: F401
except ImportError as exc:  # pragma: no cover - the SDK is an extra
    raise ImportError('lamagent.mcp needs the MCP SDK: pip install "lamagent[mcp]"') from exc

from lamagent.mcp.connection import MCPToolset
from lamagent.mcp.http import MCPServerHTTP
from lamagent.mcp.stdio import MCPServerStdio

__all__ = ["MCPServerHTTP", "MCPServerStdio", "MCPToolset"]
