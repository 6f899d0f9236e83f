"""`MCPServerStdio`: an MCP server run as a subprocess, spoken to over its stdin and stdout."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TextIO

from mcp.client.stdio import StdioServerParameters, stdio_client

from lamagent.mcp.connection import MCPToolset

__all__ = ["MCPServerStdio"]


class MCPServerStdio(MCPToolset):
    """An MCP server started as `command args...` for as long as it is open.

        server = MCPServerStdio("python", ["weather_server.py"], name_prefix="weather")
        agent = Agent(model, tools=[server, my_tool])

    `env` is added to a minimal inherited environment (PATH, HOME, ...), as the SDK does, so
    secrets in this process's environment are not passed on unless named. On close the
    server's stdin is closed; a server that does not exit is terminated, then killed.
    The server's stderr goes to `errlog` (default: this process's stderr).
    """

    def __init__(
        self,
        command: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        name_prefix: str | None = None,
        *,
        name: str | None = None,
        tool_timeout: float | None = None,
        connect_timeout: float = 30.0,
        mode: str = "auto",
        errlog: TextIO | None = None,
    ) -> None:
        super().__init__(
            name=name or Path(command).name,
            name_prefix=name_prefix,
            tool_timeout=tool_timeout,
            connect_timeout=connect_timeout,
            mode=mode,
        )
        self.params = StdioServerParameters(
            command=command,
            args=list(args),
            env=dict(env) if env is not None else None,
            cwd=os.fspath(cwd) if cwd is not None else None,
        )
        self.errlog = errlog

    def _transport(self) -> AbstractAsyncContextManager[Any]:
        return stdio_client(self.params, errlog=self.errlog or sys.stderr)
