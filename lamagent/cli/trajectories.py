"""`lamagent trajectories`: look into a trajectory store, export it, import into it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lamagent.errors import TrajectoryError
from lamagent.messages import Usage
from lamagent.records import CallError, CallRecord
from lamagent.trajectory.convert import FORMATS, ImportIssue, iter_jsonl, write_jsonl
from lamagent.trajectory.models import OUTCOMES, Step, Trajectory
from lamagent.trajectory.recorder import Recorder
from lamagent.trajectory.store import MemoryStore, SQLiteStore, open_store

app = typer.Typer(
    name="trajectories",
    help="Inspect, export and import recorded trajectories.",
    no_args_is_help=True,
    add_completion=False,
)

StoreArg = Annotated[Path, typer.Argument(help="The trajectory store (a SQLite file).")]
FormatOpt = Annotated[
    str, typer.Option("--format", "-f", help=f"Record format: {', '.join(FORMATS)}.")
]


def _console() -> Console:
    return Console(soft_wrap=False, width=120)


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _open_existing(path: Path) -> SQLiteStore | MemoryStore:
    if not path.exists():
        raise _fail(f"no trajectory store at {path}; record some runs or `import` a file first")
    try:
        return open_store(path)
    except TrajectoryError as exc:
        raise _fail(str(exc)) from exc


def _short(value: Any, width: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command()
def stats(store: StoreArg) -> None:
    """Counts by outcome, steps, tools called, error kinds and tokens."""
    st = _open_existing(store)
    outcomes: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    used_by: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    usage = Usage()
    n_steps = 0
    n_traj = 0
    with st:
        for traj in st:
            n_traj += 1
            outcomes[traj.outcome] += 1
            n_steps += len(traj.steps)
            # a run that never finished has no total yet: add up its steps
            usage = usage + (traj.usage if traj.is_finished else traj.step_usage)
            for step in traj.steps:
                calls.update(step.tool_names)
                errors.update(step.error_kinds)
            used_by.update(traj.tools_called)
    console = _console()
    summary = Table(title=Text(str(store)), show_header=False)
    summary.add_column("what")
    summary.add_column("count", justify="right")
    summary.add_row("trajectories", str(n_traj))
    summary.add_row("steps", str(n_steps))
    summary.add_row("tool calls", str(sum(calls.values())))
    summary.add_row("prompt tokens", str(usage.prompt_tokens))
    summary.add_row("evaluated prompt tokens", str(usage.evaluated_tokens))
    summary.add_row("completion tokens", str(usage.completion_tokens))
    summary.add_row("model requests", str(usage.requests))
    console.print(summary)
    by_outcome = Table(title="outcomes")
    by_outcome.add_column("outcome")
    by_outcome.add_column("trajectories", justify="right")
    for name in OUTCOMES:
        if outcomes[name]:
            by_outcome.add_row(name, str(outcomes[name]))
    console.print(by_outcome)
    if calls:
        tools = Table(title="tools called")
        tools.add_column("tool")
        tools.add_column("calls", justify="right")
        tools.add_column("trajectories", justify="right")
        for name, count in calls.most_common():
            tools.add_row(Text(name), str(count), str(used_by[name]))
        console.print(tools)
    if errors:
        kinds = Table(title="error kinds")
        kinds.add_column("kind")
        kinds.add_column("occurrences", justify="right")
        for name, count in errors.most_common():
            kinds.add_row(Text(name), str(count))
        console.print(kinds)


def _render_call(body: Text, record: CallRecord) -> None:
    """One call: as it ran, its repairs, its error or result, its run time, in that order."""
    call = record.effective
    i = record.index
    body.append(f"call {i}: ", style="bold cyan")
    body.append(f"{call.get('name')}({_short(call.get('arguments', {}))})\n")
    for rep in record.repairs:
        body.append(f"repaired [{rep.kind}] ", style="yellow")
        body.append(f"{rep.argument}: {_short(rep.original, 60)} -> {_short(rep.repaired, 60)}\n")
    if isinstance(record.error, CallError):
        body.append(f"call error [{record.error.kind}] ", style="bold red")
        body.append(f"{record.error.tool}: {record.error.message}\n")
    elif record.error is not None:
        body.append(f"tool error [{record.error.kind}] ", style="bold red")
        body.append(f"call {i} {record.error.tool}: {record.error.message}\n")
    if record.result is not None or record.settled:
        seconds = f" ({record.seconds:.3f}s)" if record.seconds is not None else ""
        same = f" (same as call {record.duplicate_of})" if record.duplicate_of is not None else ""
        body.append(f"result {i}{seconds}{same}: ", style="bold green")
        body.append(_short(record.result, 400) + "\n")


def _render_step(step: Step) -> Panel:
    body = Text()
    if step.thought:
        body.append("thought: ", style="bold")
        body.append(step.thought + "\n")
    for record in step.calls:
        _render_call(body, record)
    if step.observation is not None:
        body.append("observation: ", style="bold green")
        body.append(_short(step.observation, 400) + "\n")
    if step.answer is not None:
        body.append("answer: ", style="bold")
        body.append(step.answer + "\n")
    if step.parse_error is not None:
        body.append("parse error: ", style="bold red")
        body.append(step.parse_error + "\n")
        if step.raw_output:
            body.append("raw output: ", style="red")
            body.append(_short(step.raw_output, 400) + "\n")
    if step.user_input is not None:
        body.append("user: ", style="bold magenta")
        body.append(step.user_input + "\n")
    timing = ", ".join(f"{k} {v:.3f}s" for k, v in step.timings.items())
    tokens = f"tokens {step.usage.prompt_tokens}+{step.usage.completion_tokens}"
    subtitle = f"{tokens}; {timing}" if timing else tokens
    body.rstrip()
    return Panel(body, title=f"step {step.step_id}", subtitle=subtitle, title_align="left")


def _render(traj: Trajectory, console: Console) -> None:
    head = Table(show_header=False, box=None)
    head.add_column(style="bold")
    head.add_column()
    # Recorded text is data, never rich markup: wrap it in Text.
    head.add_row("id", Text(traj.unique_trajectory_id))
    head.add_row("outcome", traj.outcome)
    if traj.model_id or traj.format:
        head.add_row("model", Text(f"{traj.model_id or '?'} ({traj.format or '?'} format)"))
    if traj.task_instruction:
        head.add_row("instruction", Text(traj.task_instruction))
    head.add_row("query", Text(traj.query))
    head.add_row("tools", Text(", ".join(str(t.get("name")) for t in traj.tools) or "-"))
    u = traj.usage
    head.add_row(
        "tokens",
        f"prompt {u.prompt_tokens} (evaluated {u.evaluated_tokens}), "
        f"completion {u.completion_tokens}, requests {u.requests}",
    )
    console.print(head)
    for step in traj.steps:
        console.print(_render_step(step))
    if traj.answer is not None:
        console.print(Panel(Text(traj.answer), title="answer", title_align="left"))
    if traj.error is not None:
        console.print(Panel(Text(traj.error), title="error", title_align="left", style="red"))


@app.command()
def show(
    store: StoreArg,
    trajectory_id: Annotated[str, typer.Argument(help="The unique_trajectory_id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full record as JSON.")] = False,
) -> None:
    """Show one trajectory: its steps with thoughts, calls, observations and errors."""
    st = _open_existing(store)
    with st:
        traj = st.get(trajectory_id)
    if traj is None:
        raise _fail(f"no trajectory {trajectory_id!r} in {store}; `stats` lists what is there")
    if as_json:
        typer.echo(json.dumps(traj.to_record(), ensure_ascii=False, indent=2))
        return
    _render(traj, _console())


@app.command()
def export(
    store: StoreArg,
    out: Annotated[Path, typer.Argument(help="The JSONL file to write.")],
    fmt: FormatOpt = "unified",
    outcome: Annotated[
        str | None, typer.Option(help=f"Only runs with this outcome: {', '.join(OUTCOMES)}.")
    ] = None,
    tool: Annotated[str | None, typer.Option(help="Only runs that called this tool.")] = None,
    strict: Annotated[
        bool, typer.Option(help="unified only: figure-4 fields, no extensions.")
    ] = False,
) -> None:
    """Write trajectories to a JSONL file, one record per line."""
    if fmt not in FORMATS:
        raise _fail(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if outcome is not None and outcome not in OUTCOMES:
        raise _fail(f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}")
    st = _open_existing(store)
    with st:
        selected = st.query(outcome=outcome, tool=tool)
        count = write_jsonl(reversed(selected), out, fmt, strict=strict)  # oldest first
        skipped = list(getattr(st, "skipped", ()))
    for message in skipped:
        Console(stderr=True).print(f"skipped: {message}", markup=False, highlight=False)
    typer.echo(f"exported {count} trajectories to {out} ({fmt})")


@app.command(name="import")
def import_(
    store: StoreArg,
    source: Annotated[Path, typer.Argument(help="The JSONL file to read.")],
    fmt: FormatOpt = "auto",
) -> None:
    """Load a JSONL file into the store; unreadable lines are reported and skipped."""
    if fmt not in (*FORMATS, "auto"):
        raise _fail(f"unknown format {fmt!r}; use auto or one of: {', '.join(FORMATS)}")
    if not source.is_file():
        raise _fail(f"no file {source}")
    err = Console(stderr=True)
    loaded = 0
    skipped: list[ImportIssue] = []
    try:
        st = open_store(store)
    except TrajectoryError as exc:
        raise _fail(str(exc)) from exc
    with st:
        try:
            for line, item in iter_jsonl(source, fmt):
                if isinstance(item, ImportIssue):
                    skipped.append(item)
                    continue
                if item.outcome == "running":
                    item.outcome = "incomplete"  # nobody is running an imported record
                try:
                    Recorder(item, st).start()  # stored as it is: steps and outcome
                except TrajectoryError as exc:
                    skipped.append(ImportIssue(line=line, message=str(exc)))
                    continue
                loaded += 1
        except TrajectoryError as exc:
            raise _fail(str(exc)) from exc
    for issue in skipped:
        err.print(f"line {issue.line}: {issue.message}", markup=False, highlight=False)
    typer.echo(f"imported {loaded} trajectories from {source}; skipped {len(skipped)}")
