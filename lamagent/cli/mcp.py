"""`lamagent mcp serve`: a file's `@tool` functions as an MCP server (stdio or HTTP)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("serve")
def serve(
    source: Annotated[
        str, typer.Argument(help="tools file or module: tools.py, pkg.tools, tools.py:TOOLS")
    ],
    http: Annotated[
        int | None, typer.Option("--http", help="serve streamable HTTP on 127.0.0.1:PORT/mcp")
    ] = None,
    name: Annotated[str, typer.Option(help="the server name clients see")] = "lamagent",
    tool_timeout: Annotated[float, typer.Option(help="seconds per tool call")] = 30.0,
) -> None:
    """Serve the tools of SOURCE to any MCP client (over stdio unless --http)."""
    from lamagent.tools.execute import ExecutionPolicy
    from lamagent.tools.loader import load_tools

    try:
        from lamagent.mcp.serve import mcp_server, run
    except ImportError as exc:  # the SDK is an extra
        raise typer.BadParameter(f'needs the MCP SDK: pip install "lamagent[mcp]" ({exc})') from exc
    tools = load_tools(source)
    server = mcp_server(tools, name=name, policy=ExecutionPolicy(timeout=tool_timeout))
    if http is not None:
        typer.echo(f"serving {len(tools)} tools at http://127.0.0.1:{http}/mcp", err=True)
    run(server, http)
