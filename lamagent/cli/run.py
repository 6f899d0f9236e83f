"""`lamagent run` and `lamagent chat`: an agent with your tools (or the example tools).

`run` answers one query: it streams what the model writes, each tool call and its result as they
happen, prints the answer (once: text already streamed is not repeated), stores the trajectory
and prints its id. `chat` is the same agent in a conversation read line by line from standard
input (EOF or `/exit` ends it).

Tools: `--tools tools.py` (every `@tool` at its top level), `--tools pkg.module` or
`--tools file.py:ATTR` (a tool, a function or a list of them), and `--mcp` for MCP servers (a
command line run over stdio, or an http(s):// URL); each option may be repeated. Without any of
them the agent gets the example tools (calculator, units, time, and `--folder` search).

Without `--model`, the embedded default model runs on the CPU (SmolLM2-135M-Instruct GGUF),
with the settings measured for it (`lamagent.profiles.EMBEDDED`) where the options set nothing.
Trajectories go to `~/.cache/lamagent/trajectories.db` (or `$LAMAGENT_CACHE`) by default: one
store collects every run, wherever it was started, ready for `lamagent trajectories` and
fine-tuning.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.text import Text

from lamagent.errors import ConfigError, LamagentError
from lamagent.generation import GenerationParams
from lamagent.settings import Limits

if TYPE_CHECKING:
    from lamagent.agent import Agent
    from lamagent.events import Event
    from lamagent.gate import CallGate
    from lamagent.profiles import ModelProfile
    from lamagent.result import RunResult

DEFAULT_STORE_NAME = "trajectories.db"
_RESULT_WIDTH = 300

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="A .gguf file, a Hugging Face folder or hub id, or an http(s):// server URL. "
        "Default: the embedded SmolLM2-135M-Instruct GGUF.",
    ),
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Trajectory store (SQLite). Default: ~/.cache/lamagent/trajectories.db."
    ),
]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not record the trajectory.")]
FolderOpt = Annotated[
    Path | None,
    typer.Option(
        "--folder",
        help="Give the model a search_files tool over this folder (names and contents).",
        exists=True,
        file_okay=False,
        dir_okay=True,
    ),
]
ConstrainedOpt = Annotated[
    bool,
    typer.Option(
        "--constrained/--no-constrained",
        help="Constrain decoding to plain text or valid tool calls (where the backend can).",
    ),
]
MaxStepsOpt = Annotated[int, typer.Option("--max-steps", min=1, help="Model turns per query.")]
MaxTokensOpt = Annotated[int, typer.Option("--max-tokens", min=1, help="Tokens per model turn.")]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Prompt format (xlam2-qwen, xlam2-llama, xlam1-fc, xlam1)."),
]
ThreadsOpt = Annotated[
    int | None, typer.Option("--threads", min=1, help="CPU threads for GGUF models.")
]
ToolChoiceOpt = Annotated[
    str | None,
    typer.Option(
        "--tool-choice",
        help="auto, required, none or a tool name. Default: required for the embedded model "
        "(it knows no tools; the agent relaxes it to auto after the first call), else auto.",
    ),
]
CopyBiasOpt = Annotated[
    float | None,
    typer.Option(
        "--copy-bias",
        min=0.0,
        help="Copy-aware decoding: added to the logits of tokens that copy your words into a "
        "call's string values (0: off; the embedded model's profile: 3). Needs --constrained.",
    ),
]
CopyAnswersOpt = Annotated[
    bool | None,
    typer.Option(
        "--copy-answers/--no-copy-answers",
        help="The copy bias acts in text answers too: a value the answer began copying from "
        "a tool's result (a number, a name) goes on as the result wrote it; nothing is "
        "favoured where no copy began. Needs --copy-bias and --gate.",
    ),
]
MentionsOpt = Annotated[
    bool | None,
    typer.Option(
        "--mentioned-arguments/--no-mentioned-arguments",
        help="When a call leaves out an optional argument your words ask for (a unit, an "
        "order, an option), or calls a tool when your words name another, generate the turn "
        "again with it required, or for that tool. Needs --constrained.",
    ),
]
ShapesOpt = Annotated[
    bool | None,
    typer.Option(
        "--example-shapes/--no-example-shapes",
        help='A string argument whose description shows its shape by example ("e.g. San '
        "Francisco, CA\", 'YYYY-MM-DD') must take that shape (needs --constrained); a rate "
        'you wrote as "3%" goes to a number parameter as 0.03 unless it takes percentages '
        "(then 0.03 goes as 3.0); "
        'a number cut short ("3" for "6:30") or without its minus sign is as you wrote it; '
        "a number you wrote once goes to one argument, numbered arguments (temperature1, "
        "temperature2) take your numbers in your order, a value that runs on into another "
        "argument's ends where that one begins, and a value you gave after naming its "
        "parameter (\"the title should be '...'\") is that value; "
        "a list copied past the end of one you wrote in brackets is cut where yours ends; "
        "a value the model writes in a loop is closed and cut back to what came before; "
        "a value holding one of the options the description lists (\"'gas', 'diesel' or "
        "'EV'\") is that option; an optional argument whose value only names its parameter "
        '("method_used", "string", "{{id}}"), or is a number nobody wrote, is left out.',
    ),
]
LoopsOpt = Annotated[
    bool | None,
    typer.Option(
        "--end-answer-loops/--no-end-answer-loops",
        help="End a text answer that goes round (one round written three times in a row) "
        "after its first round; the step keeps the rounds cut.",
    ),
]
ListedOpt = Annotated[
    bool | None,
    typer.Option(
        "--listed-items/--no-listed-items",
        help='When a call takes one item of a list you wrote ("the factorial of 5, 10 and '
        '15"), or its values from a clause you wrote again with other values ("$30 in '
        'Chicago, $52 in Boston"), add the same call for each other item or clause; finish '
        "a list the calls began in order, and give calls the items or clause values you "
        "paired with theirs; leave out the calls nobody asked for (a repeat or another tool, "
        "with nothing the conversation wrote).",
    ),
]
GateOpt = Annotated[
    str | None,
    typer.Option(
        "--gate",
        help="A call gate for auto turns: 'default' (the built-in one), a JSON file from "
        "'lamagent eval calibrate-gate' (it may hold an answer_cue), or 'none'. The embedded "
        "model's profile: the built-in one, its answers after a tool's result started with "
        "'Based on the result, '.",
    ),
]
ProfileOpt = Annotated[
    bool,
    typer.Option(
        "--profile/--no-profile",
        help="On the embedded model: the settings measured for it (lamagent.profiles."
        "EMBEDDED: the call gate, copy-aware decoding, the call rules) where your options "
        "set nothing. --no-profile: the plain settings.",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object with the result, nothing else.")
]
ToolsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tools",
        "-t",
        help="Your tools: a Python file (its @tool functions), a module, or FILE_OR_MODULE:ATTR "
        "(a tool, a function or a list of them). Repeatable. Replaces the example tools.",
    ),
]
McpOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--mcp",
        help="An MCP server: a command line run over stdio ('python server.py'), or an "
        "http(s):// URL (streamable HTTP). Repeatable. Replaces the example tools.",
    ),
]


def default_store_path() -> Path:
    """Where `run` and `chat` record trajectories when no `--store` is given."""
    from lamagent.models import cache_dir

    return cache_dir() / DEFAULT_STORE_NAME


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(Text("error: ", style="bold red") + Text(message))
    return typer.Exit(code=1)


def _user_tools(tools: list[str], mcp: list[str]) -> list[Any]:
    """The tools and MCP servers named on the command line, in the order given."""
    from lamagent.tools.loader import load_tools

    found: list[Any] = []
    for source in tools:
        found.extend(load_tools(source))
    for server in mcp:
        found.append(_mcp_server(server))
    return found


def _mcp_server(spec: str) -> Any:
    """An MCP server from `--mcp`: a URL (streamable HTTP) or a command line (stdio)."""
    try:
        from lamagent.mcp import MCPServerHTTP, MCPServerStdio
    except ImportError as exc:  # the SDK is an extra
        raise ConfigError(f'--mcp needs the MCP SDK: pip install "lamagent[mcp]" ({exc})') from exc
    if spec.startswith(("http://", "https://")):
        return MCPServerHTTP(spec)
    try:
        argv = shlex.split(spec)
    except ValueError as exc:
        raise ConfigError(f"cannot read the --mcp command {spec!r}: {exc}") from exc
    if not argv:
        raise ConfigError("--mcp needs a command line or a URL")
    return MCPServerStdio(argv[0], argv[1:], errlog=_server_errlog())


def _server_errlog() -> TextIO | None:
    """Where a stdio server's own stderr goes: ours, if it is a real file (not a capture)."""
    try:
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return sys.__stderr__
    return sys.stderr


def _build_agent(
    *,
    model: str | None,
    store: Path | None,
    no_store: bool,
    folder: Path | None,
    constrained: bool,
    limits: Limits,
    generation: GenerationParams,
    fmt: str | None,
    threads: int | None,
    tool_choice: str | None,
    console: Console | None,
    tools: list[str] | None = None,
    mcp: list[str] | None = None,
    gate: str | None = None,
    profile: bool = True,
) -> tuple[Agent, Path | None]:
    """Load the model (with a spinner on a console) and build the agent."""
    from lamagent.agent import Agent
    from lamagent.backends.registry import load_model
    from lamagent.demo_tools import example_tools, file_search_tool

    chosen = _user_tools(tools or [], mcp or [])
    if not chosen:
        chosen = list(example_tools(folder))
    elif folder is not None:
        chosen.append(file_search_tool(folder))
    kwargs: dict[str, Any] = {}
    spec = model
    is_gguf = spec is None or spec.lower().endswith(".gguf")
    if threads is not None and is_gguf:
        kwargs["n_threads"] = threads
    label = spec or "the embedded default model (SmolLM2-135M-Instruct)"
    if console is not None:
        with console.status(f"Loading {label} …", spinner="dots"):
            backend = load_model(spec, **kwargs)
        console.print(Text(f"Loaded {backend.info.model_id}", style="dim"))
    else:
        backend = load_model(spec, **kwargs)
    store_path = None if no_store else (store or default_store_path())
    agent = Agent(
        backend,
        tools=chosen,
        format=fmt,
        limits=limits,
        generation=generation,
        constrained="auto" if constrained else False,
        tool_choice=tool_choice or ("required" if model is None else "auto"),
        store=store_path,
        gate=_gate(gate),
        profile=_profile(backend if model is not None else None, gate, profile),
    )
    return agent, store_path


def _generation(max_tokens: int, **options: Any) -> GenerationParams:
    """The generation settings of the options given (None: not given, the profile's or the
    default)."""
    return GenerationParams(
        max_tokens=max_tokens, **{k: v for k, v in options.items() if v is not None}
    )


def _gate(spec: str | None) -> CallGate | None:
    """The call gate named on the command line: the built-in one, or a saved one (None when
    none is named, or 'none')."""
    from lamagent.gate import CallGate

    if spec is None or spec == "none":
        return None
    return CallGate() if spec == "default" else CallGate.load(spec)


def _profile(model: object, gate: str | None, wanted: bool) -> ModelProfile | None:
    """The model's profile (None: the embedded model, loaded without --model), without its
    gate under `--gate none`."""
    from lamagent.profiles import profile_for

    chosen = profile_for(model) if wanted else None
    if chosen is None or gate != "none":
        return chosen
    return dataclasses.replace(chosen, gate=None)


def _short(value: Any, width: int = _RESULT_WIDTH) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


class _Printer:
    """Shows a run's events as they happen: text, calls, results, then the answer."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._in_text = False
        #: Text streamed per step (an answer already shown is not printed again).
        self.streamed: dict[int, str] = {}

    def answer_shown(self, result: RunResult) -> bool:
        """True when the answer was already streamed as the last step's text."""
        steps = result.trajectory.steps
        if result.answer is None or not steps:
            return False
        text = self.streamed.get(steps[-1].step_id, "")
        return bool(text.strip()) and text.strip() == result.answer.strip()

    def _end_text(self) -> None:
        if self._in_text:
            self.console.print()
            self._in_text = False

    def show(self, event: Event) -> RunResult | None:
        from lamagent.events import RunFinished, TextDelta, ToolCallEvent, ToolResultEvent

        if isinstance(event, TextDelta):
            self.console.print(Text(event.text), end="")
            self.streamed[event.step] = self.streamed.get(event.step, "") + event.text
            self._in_text = True
        elif isinstance(event, ToolCallEvent):
            self._end_text()
            args = json.dumps(event.call.arguments, ensure_ascii=False)
            line = Text("→ ", style="cyan") + Text(f"{event.call.name}({args})", style="bold")
            if event.error is not None:
                line += Text(f"  invalid: {event.error.message}", style="red")
            self.console.print(line)
        elif isinstance(event, ToolResultEvent):
            self._end_text()
            style = "green" if event.error_kind is None else "red"
            kind = "" if event.error_kind is None else f"[{event.error_kind}] "
            self.console.print(Text("← ", style=style) + Text(kind + _short(event.result)))
        elif isinstance(event, RunFinished):
            self._end_text()
            return event.result
        return None


def _finish(console: Console, result: RunResult, store_path: Path | None) -> None:
    traj_id = result.trajectory.unique_trajectory_id
    if result.outcome != "answer":
        console.print(
            Text(
                f"stopped: {result.outcome}" + (f" ({result.error})" if result.error else ""),
                style="yellow",
            )
        )
    u = result.usage
    console.print(
        Text(
            f"{result.steps} step(s), {u.prompt_tokens} prompt tokens "
            f"({u.evaluated_tokens} evaluated), {u.completion_tokens} generated, "
            f"{result.timings.get('total', 0.0):.1f}s",
            style="dim",
        )
    )
    if store_path is not None:
        console.print(Text(f"trajectory {traj_id} saved to {store_path}", style="dim"))


def _stream(
    agent: Agent, events: Iterator[Event], console: Console, label: str = "answer: "
) -> RunResult:
    """Show the events; then the answer, unless it was streamed already."""
    printer = _Printer(console)
    result: RunResult | None = None
    for event in events:
        done = printer.show(event)
        if done is not None:
            result = done
    if result is None:  # pragma: no cover - the stream always ends with RunFinished
        raise LamagentError("the run ended without a result")
    if result.answer is not None and not printer.answer_shown(result):
        console.print(Text(label, style="bold") + Text(result.answer))
    return result


def _result_json(result: RunResult, store_path: Path | None) -> str:
    return json.dumps(
        {
            "answer": result.answer,
            "outcome": result.outcome,
            "error": result.error,
            "steps": result.steps,
            "trajectory_id": result.trajectory.unique_trajectory_id,
            "store": str(store_path) if store_path is not None else None,
            "tool_calls": [c for s in result.trajectory.steps for c in s.tool_calls],
            "usage": result.usage.model_dump(),
            "timings": result.timings,
        },
        ensure_ascii=False,
        default=str,
    )


def run(
    query: Annotated[str, typer.Argument(help="What to ask the agent.")],
    model: ModelOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    folder: FolderOpt = None,
    constrained: ConstrainedOpt = True,
    max_steps: MaxStepsOpt = 6,
    max_tokens: MaxTokensOpt = 256,
    fmt: FormatOpt = None,
    threads: ThreadsOpt = None,
    tool_choice: ToolChoiceOpt = None,
    copy_bias: CopyBiasOpt = None,
    copy_answers: CopyAnswersOpt = None,
    mentioned_arguments: MentionsOpt = None,
    example_shapes: ShapesOpt = None,
    listed_items: ListedOpt = None,
    end_answer_loops: LoopsOpt = None,
    gate: GateOpt = None,
    profile: ProfileOpt = True,
    as_json: JsonOpt = False,
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
) -> None:
    """Answer QUERY with an agent and your tools (--tools, --mcp; else example tools that
    calculate, convert units, tell the time and search files); stream what happens, print the
    answer, store the trajectory."""
    console = Console(highlight=False, soft_wrap=True)
    try:
        agent, store_path = _build_agent(
            model=model,
            store=store,
            no_store=no_store,
            folder=folder,
            constrained=constrained,
            limits=Limits(max_steps=max_steps),
            generation=_generation(
                max_tokens=max_tokens,
                copy_bias=copy_bias,
                copy_answers=copy_answers,
                mentioned_arguments=mentioned_arguments,
                example_shapes=example_shapes,
                listed_items=listed_items,
                end_answer_loops=end_answer_loops,
            ),
            fmt=fmt,
            threads=threads,
            tool_choice=tool_choice,
            gate=gate,
            profile=profile,
            console=None if as_json else Console(stderr=True),
            tools=tools,
            mcp=mcp,
        )
        try:
            if as_json:
                result = agent.run(query)
                typer.echo(_result_json(result, store_path))
            else:
                result = _stream(agent, agent.stream(query), console)
                _finish(console, result, store_path)
        finally:
            agent.close()
    except LamagentError as exc:
        raise _fail(str(exc)) from exc
    if result.outcome == "error":
        raise typer.Exit(code=1)


def chat(
    model: ModelOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    folder: FolderOpt = None,
    constrained: ConstrainedOpt = True,
    max_steps: MaxStepsOpt = 6,
    max_tokens: MaxTokensOpt = 256,
    fmt: FormatOpt = None,
    threads: ThreadsOpt = None,
    tool_choice: ToolChoiceOpt = None,
    copy_bias: CopyBiasOpt = None,
    copy_answers: CopyAnswersOpt = None,
    mentioned_arguments: MentionsOpt = None,
    example_shapes: ShapesOpt = None,
    listed_items: ListedOpt = None,
    end_answer_loops: LoopsOpt = None,
    gate: GateOpt = None,
    profile: ProfileOpt = True,
    tools: ToolsOpt = None,
    mcp: McpOpt = None,
) -> None:
    """Talk with the agent (your tools with --tools and --mcp): one message per line on
    standard input; /exit or EOF ends."""
    console = Console(highlight=False, soft_wrap=True)
    interactive = sys.stdin.isatty()
    try:
        agent, store_path = _build_agent(
            model=model,
            store=store,
            no_store=no_store,
            folder=folder,
            constrained=constrained,
            limits=Limits(max_steps=max_steps),
            generation=_generation(
                max_tokens=max_tokens,
                copy_bias=copy_bias,
                copy_answers=copy_answers,
                mentioned_arguments=mentioned_arguments,
                example_shapes=example_shapes,
                listed_items=listed_items,
                end_answer_loops=end_answer_loops,
            ),
            fmt=fmt,
            threads=threads,
            tool_choice=tool_choice,
            gate=gate,
            profile=profile,
            console=Console(stderr=True),
            tools=tools,
            mcp=mcp,
        )
        try:
            session = agent.session()
            if interactive:
                console.print(Text("Type a message; /exit or Ctrl-D to leave.", style="dim"))
            while True:
                if interactive:
                    console.print(Text("you> ", style="bold"), end="")
                line = sys.stdin.readline()
                if not line:
                    break
                message = line.strip()
                if message in ("/exit", "/quit"):
                    break
                if not message:
                    continue
                result = _stream(agent, session.stream(message), console, label="agent> ")
                if result.answer is None and result.outcome != "answer":
                    console.print(Text(f"stopped: {result.outcome}", style="yellow"))
            if session.trajectory is not None and store_path is not None:
                console.print(
                    Text(
                        f"trajectory {session.trajectory.unique_trajectory_id} saved to "
                        f"{store_path}",
                        style="dim",
                    )
                )
        finally:
            agent.close()
    except LamagentError as exc:
        raise _fail(str(exc)) from exc


def register(app: typer.Typer) -> None:
    """Add the `run` and `chat` commands to a Typer app."""
    app.command("run")(run)
    app.command("chat")(chat)


__all__ = ["chat", "default_store_path", "register", "run"]
