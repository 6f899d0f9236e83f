"""`lamagent trajectories view RUN_ID`: one recorded run as a self-contained HTML page."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lamagent.errors import TrajectoryError
from lamagent.trajectory import Trajectory, open_store

__all__ = ["register", "view"]


def _fail(message: str, code: int = 1) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=code)


def _load(store: Path, run_id: str) -> Trajectory:
    if not store.exists():
        raise _fail(f"no trajectory store at {store}; give the right one with --store")
    try:
        with open_store(store) as st:
            trajectory = st.get(run_id)
    except TrajectoryError as exc:
        raise _fail(str(exc)) from exc
    if trajectory is None:
        raise _fail(
            f"no run {run_id!r} in {store}; `lamagent trajectories stats` lists what is there"
        )
    return trajectory


def view(
    run_id: Annotated[str, typer.Argument(help="The run's unique_trajectory_id.")],
    store: Annotated[
        Path | None,
        typer.Option(help="The trajectory store. Default: ~/.cache/lamagent/trajectories.db."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="The HTML file to write. Default: RUN_ID.html here.")
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the page on 127.0.0.1 instead of writing it.")
    ] = False,
    port: Annotated[int, typer.Option(help="With --serve: the port (0: any free one).")] = 8000,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the page in the default browser.")
    ] = False,
) -> None:
    """Write (or serve) one self-contained HTML page showing a run: timeline, calls, output."""
    from lamagent.cli.run import default_store_path
    from lamagent.viewer import page_server, render_run_page

    if serve and out is not None:
        raise _fail("give either --out or --serve, not both", code=2)
    html = render_run_page(_load(store or default_store_path(), run_id))
    if not serve:
        path = out or Path(f"{run_id}.html")
        path.write_text(html, encoding="utf-8")
        typer.echo(str(path))
        if open_browser:
            webbrowser.open(path.resolve().as_uri())
        return
    try:
        server = page_server(html, port=port)
    except OSError as exc:
        raise _fail(f"cannot listen on 127.0.0.1:{port}: {exc}; try another --port") from exc
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    typer.echo(f"serving run {run_id} at {url} (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    """Add `view` to the `trajectories` command group."""
    app.command("view")(view)
