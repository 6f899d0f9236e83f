"""MCP: tools from Model Context Protocol servers, and lamagent tools served over MCP.

    from lamagent.mcp import MCPServerStdio
    agent = Agent(model, tools=[MCPServerStdio("python", ["server.py"]), my_tool])

Needs the `mcp` extra (`pip install "lamagent[mcp]"`).
"""

from lamagent.mcp.connection import MCPToolset
from lamagent.mcp.http import MCPServerHTTP
from lamagent.mcp.stdio import MCPServerStdio

__all__ = ["MCPServerHTTP", "MCPServerStdio", "MCPToolset"]
