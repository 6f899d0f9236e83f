"""The `lamagent` command line: run | chat | trajectories | eval | finetune.

Sub-commands import their engines lazily, so `lamagent --help` starts fast.
"""

from __future__ import annotations

import typer

from lamagent.cli import run as _run
from lamagent.cli.eval import app as eval_app
from lamagent.cli.finetune import app as finetune_app
from lamagent.cli.mcp import app as mcp_app
from lamagent.cli.trajectories import app as trajectories_app
from lamagent.cli.view import register as _register_view

app = typer.Typer(
    name="lamagent",
    help="Run, record and improve tool-using xLAM models.",
    no_args_is_help=True,
    add_completion=False,
)
_run.register(app)
_register_view(trajectories_app)
app.add_typer(
    trajectories_app, name="trajectories", help="Inspect, export and import trajectories."
)
app.add_typer(eval_app, name="eval", help="Evaluate a model on BFCL-format data.")
app.add_typer(finetune_app, name="finetune", help="SFT and DPO from trajectories; export to GGUF.")
app.add_typer(mcp_app, name="mcp", help="Serve tools over MCP (the Model Context Protocol).")

__all__ = ["app"]
