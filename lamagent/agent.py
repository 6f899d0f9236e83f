"""`Agent`: the loop that lets a model call tools until it can answer.

    agent = Agent(tools=[get_weather])            # the embedded default model, loaded lazily
    result = agent.run("What's the weather in Paris?")
    result.answer, result.outcome, result.trajectory

Each step asks the model's turn source for a turn (rendered with the model's Format and parsed
as it streams, or through a server's chat API), verifies every call against the tools, runs the
valid calls concurrently (each under a timeout), and appends the results as observations.
Nothing the model writes can crash the loop: malformed output, unknown tools, bad arguments,
failing or slow tools all become observations the model reads and fields of the trajectory.
The run stops at an answer (or a question to the user) or at a limit, and `RunResult.outcome`
says which.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import anyio
import anyio.to_thread

from lamagent._loop.context import LoopContext
from lamagent._loop.driver import RunEnd, drive, start_recording
from lamagent._loop.state import RunState
from lamagent._loop.streaming import astream_events, no_running_loop, stream_events
from lamagent.backends.base import Backend, ChatBackend, FormatChoice, ModelBackend
from lamagent.backends.registry import load_model
from lamagent.errors import ConfigError, ConstraintError
from lamagent.events import Event, RunFinished
from lamagent.formats.base import Format
from lamagent.formats.choice import ToolChoice
from lamagent.gate import CallGate, gated
from lamagent.generation import GenerationParams
from lamagent.messages import AssistantTurn, Message, MessageLike, ToolCall, to_messages
from lamagent.result import RunResult
from lamagent.settings import Limits, settings_from
from lamagent.tools import Tool, Toolbox
from lamagent.tools.execute import ExecutionPolicy
from lamagent.tools.toolset import Toolset
from lamagent.trajectory import Trajectory, TrajectoryStore, open_store
from lamagent.turns import turn_source

ModelSpec = Backend | ChatBackend | str | os.PathLike[str] | None
Constrained = bool | Literal["auto"]
Emit = Callable[[Event], Awaitable[None]] | None
#: Receives every event of a run (`Agent(observers=...)`); may be sync or async.
Observer = Callable[[Event], Awaitable[None] | None]

__all__ = ["Agent", "RunResult", "Session"]


class Agent:
    """A model, its tools, and the loop between them.

    Args:
        model: a Backend or ChatBackend, or anything `load_model` takes (None: the embedded
            default model). Loaded on the first run.
        tools: `@tool` functions, Tools, plain callables or spec dicts, toolsets (MCP
            servers: opened around each run, or once under `async with agent:`), or a Toolbox.
        format: a Format or its name; None: the backend's choice, else detected from the model.
        system_prompt: the system message (the format's default when None).
        store: a TrajectoryStore, or a path for `open_store`; every step is recorded as it ends.
        constrained: constrain generation to text or valid calls: True, False, or "auto" (when
            the backend supports it).
        tool_choice: "auto", "required", "none" or a tool name.
        gate: a `CallGate` for auto turns on a prompt backend: draft a call list under the
            calls-only grammar, keep it when its score passes, else answer in text.
        reset_tool_choice: after the first tool call of a run, a forced `tool_choice`
            ("required" or a tool name) falls back to "auto", so the model can answer.
        limits: when a run stops without an answer (`lamagent.settings.Limits`).
        generation: sampling for each turn (`GenerationParams`: max_tokens, temperature, ...).
        execution: how tools run (`ExecutionPolicy`: timeout, parallel, max_concurrency,
            max_output_chars, approval).
        **settings: shorthands for single fields of those three objects, e.g.
            `max_steps=3`, `max_tokens=256`, `temperature=0.7`, `tool_timeout=5.0`,
            `parallel_tool_calls=False`, `approval=hook`; an unknown name is a ConfigError.
        observers: callables (sync or async) that receive every event of every run, e.g.
            `lamagent.tracing.OTelTracer()`; an observer that raises stops the run.
    """

    def __init__(
        self,
        model: ModelSpec = None,
        tools: Iterable[Tool | Callable[..., Any] | dict[str, Any] | Toolset] | Toolbox = (),
        *,
        format: FormatChoice = None,
        system_prompt: str | None = None,
        store: TrajectoryStore | str | os.PathLike[str] | None = None,
        constrained: Constrained = "auto",
        tool_choice: ToolChoice = "auto",
        gate: CallGate | None = None,
        reset_tool_choice: bool = True,
        limits: Limits | None = None,
        generation: GenerationParams | None = None,
        execution: ExecutionPolicy | None = None,
        observers: Sequence[Observer] = (),
        **settings: Any,
    ) -> None:
        self.limits, self.generation, self.policy = settings_from(
            settings, limits=limits, generation=generation, execution=execution
        )
        if constrained not in (True, False, "auto"):
            raise ConfigError(f"constrained must be True, False or 'auto', not {constrained!r}")
        self.toolbox = tools if isinstance(tools, Toolbox) else Toolbox(tools)
        named = tool_choice not in ("auto", "required", "none")
        # a toolset's tools are known once it is open, so a name may be one of them
        if named and tool_choice not in self.toolbox and not self.toolbox.toolsets:
            raise ConfigError(
                f"tool_choice must be 'auto', 'required', 'none' or a tool name; "
                f"{tool_choice!r} is none of these (tools: {', '.join(self.toolbox.names)})"
            )
        self._model_spec = model
        self._backend: ModelBackend | None = (
            model if isinstance(model, (Backend, ChatBackend)) else None
        )
        self._format_spec = format
        self.system_prompt = system_prompt
        self.constrained = constrained
        self.tool_choice = tool_choice
        self.gate = gate
        self.reset_tool_choice = reset_tool_choice
        self._owns_store = store is not None and not isinstance(store, TrajectoryStore)
        self.store: TrajectoryStore | None = (
            open_store(store)
            if store is not None and not isinstance(store, TrajectoryStore)
            else store  # type: ignore[assignment]
        )
        self.observers: tuple[Observer, ...] = tuple(observers)
        self._ctx: LoopContext | None = None
        self._lock = threading.Lock()
        if self._backend is not None:
            self._check_constraint(self._backend)

    # -- setup -----------------------------------------------------------------------------

    @property
    def backend(self) -> ModelBackend:
        """The model's backend (loading it now if it was given as a spec)."""
        return self._context().backend

    @property
    def format(self) -> Format:
        """The Format the model is prompted with (or whose parser reads a chat reply)."""
        return self._context().format

    def _check_constraint(self, backend: ModelBackend) -> None:
        if self.constrained is True and not backend.supports_constraint:
            raise ConstraintError(
                f"constrained=True, but the {type(backend).__name__} backend does not support "
                "constrained decoding; use constrained='auto' (constrain when possible) or a "
                "backend that supports it (llama.cpp, transformers with xgrammar)"
            )

    def _context(self) -> LoopContext:
        """Load the model and resolve its turn source and settings, once per agent."""
        if self._ctx is not None:
            return self._ctx
        with self._lock:
            if self._ctx is None:
                self._ctx = self._resolve()
        return self._ctx

    async def _acontext(self) -> LoopContext:
        if self._ctx is not None:
            return self._ctx
        return await anyio.to_thread.run_sync(self._context)

    def _resolve(self) -> LoopContext:
        backend = self._backend or load_model(self._model_spec)
        self._check_constraint(backend)
        turns = gated(turn_source(backend, self._format_spec), self.gate)
        tools = list(self.toolbox)
        has_tools = bool(tools) or bool(self.toolbox.toolsets)  # a toolset's come when open
        constrained = self.constrained is True or (
            self.constrained == "auto" and turns.supports_constraint and has_tools
        )
        return LoopContext(
            turns=turns,
            toolbox=self.toolbox,
            tools=tools,
            tool_specs=self.toolbox.specs(),
            generation=self.generation,
            policy=self.policy,
            limits=self.limits,
            system_prompt=self.system_prompt,
            store=self.store,
            parse_feedback=_parse_feedback(turns.format),
            constrained=constrained,
            tool_choice=self.tool_choice,
            reset_tool_choice=self.reset_tool_choice,
        )

    def _new_state(
        self, ctx: LoopContext, query: str, history: Sequence[MessageLike] | None
    ) -> RunState:
        past = to_messages(history or ())
        messages: list[Message] = []
        if self.system_prompt is not None and not (past and past[0].role == "system"):
            messages.append(Message.system(self.system_prompt))
        messages.extend(past)
        messages.append(Message.user(query))
        trajectory = Trajectory(
            task_instruction=self.system_prompt or "",
            query=query,
            tools=ctx.tool_specs,
            model_id=ctx.backend.info.model_id,
            format=ctx.format.name,
            metadata={"history": [m.to_dict() for m in past]} if past else {},
        )
        return RunState(messages=messages, trajectory=trajectory)

    # -- running ---------------------------------------------------------------------------

    async def _execute(self, ctx: LoopContext, state: RunState, emit: Emit) -> RunResult:
        emit = _observed(emit, self.observers)
        started = time.perf_counter()
        end = await drive(ctx, state, emit)
        result = _result(state, end, time.perf_counter() - started)
        if emit is not None:
            await emit(RunFinished(result))
        return result

    async def _arun(
        self, query: str, history: Sequence[MessageLike] | None, emit: Emit
    ) -> RunResult:
        async with self.toolbox.opened():  # toolsets (MCP servers) open unless already open
            ctx = await self._acontext()
            ctx.sync_tools()
            state = self._new_state(ctx, query, history)
            start_recording(ctx, state)
            return await self._execute(ctx, state, emit)

    async def arun(self, query: str, history: Sequence[MessageLike] | None = None) -> RunResult:
        """Run the loop on `query` (after `history`, OpenAI-style messages) until it stops."""
        return await self._arun(query, history, None)

    def run(self, query: str, history: Sequence[MessageLike] | None = None) -> RunResult:
        """Synchronous `arun` (inside an event loop, use `await agent.arun(...)`)."""
        no_running_loop("Agent.run", "await agent.arun(...)")
        return anyio.run(self._arun, query, history, None)

    def astream(
        self, query: str, history: Sequence[MessageLike] | None = None
    ) -> AsyncIterator[Event]:
        """The run's events as they happen; the last one is `RunFinished`."""
        return astream_events(lambda emit: self._arun(query, history, emit))

    def stream(self, query: str, history: Sequence[MessageLike] | None = None) -> Iterator[Event]:
        """Synchronous `astream`: iterate events while the run goes on in a background loop."""
        no_running_loop("Agent.stream", "async for event in agent.astream(...)")
        return stream_events(lambda emit: self._arun(query, history, emit))

    async def arun_many(self, queries: Iterable[str], *, concurrency: int = 4) -> list[RunResult]:
        """Run many queries, at most `concurrency` at a time; results in query order."""
        items = list(queries)
        results: list[RunResult | None] = [None] * len(items)
        limiter = anyio.CapacityLimiter(max(1, concurrency))
        failure: list[BaseException] = []

        async def one(i: int) -> None:
            async with limiter:
                try:
                    results[i] = await self.arun(items[i])
                except Exception as exc:  # a setup error: stop the others, raise it plainly
                    failure.append(exc)
                    tg.cancel_scope.cancel()

        async with self.toolbox.opened(), anyio.create_task_group() as tg:
            for i in range(len(items)):
                tg.start_soon(one, i)
        if failure:
            raise failure[0]
        return [r for r in results if r is not None]

    def run_many(self, queries: Iterable[str], *, concurrency: int = 4) -> list[RunResult]:
        """Synchronous `arun_many`."""
        no_running_loop("Agent.run_many", "await agent.arun_many(...)")
        return anyio.run(lambda: self.arun_many(queries, concurrency=concurrency))

    def session(self, history: Sequence[MessageLike] | None = None) -> Session:
        """A conversation that keeps its messages and trajectory across user messages."""
        return Session(self, history)

    def close(self) -> None:
        """Close the store this agent opened from a path (a store passed in stays open)."""
        if self._owns_store and self.store is not None:
            self.store.close()

    # -- toolsets ----------------------------------------------------------------------------

    async def __aenter__(self) -> Agent:
        """Open the agent's toolsets (MCP servers) once, for all runs until the block ends.

        Without it, each run opens and closes them around itself.
        """
        await self.toolbox.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.toolbox.close()

    def __repr__(self) -> str:
        model = self._backend.info.model_id if self._backend is not None else self._model_spec
        return f"Agent(model={model!r}, tools={self.toolbox.names})"


class Session:
    """A multi-turn conversation with an agent: each `send` continues the same trajectory.

    When the model asks the user something (its answer is a question), the user's reply goes
    to `send` and the run continues with the whole conversation. The reply is recorded as the
    `user_input` of the step it answers.
    """

    def __init__(self, agent: Agent, history: Sequence[MessageLike] | None = None) -> None:
        self.agent = agent
        self._history = list(history or ())
        self._state: RunState | None = None

    @property
    def trajectory(self) -> Trajectory | None:
        return self._state.trajectory if self._state is not None else None

    @property
    def messages(self) -> list[Message]:
        return list(self._state.messages) if self._state is not None else []

    async def _asend(self, message: str, emit: Emit) -> RunResult:
        async with self.agent.toolbox.opened():  # toolsets open unless already open
            return await self._asend_open(message, emit)

    async def _asend_open(self, message: str, emit: Emit) -> RunResult:
        ctx = await self.agent._acontext()
        ctx.sync_tools()
        if self._state is None:
            self._state = self.agent._new_state(ctx, message, self._history)
            start_recording(ctx, self._state)
        else:
            state = self._state
            start_recording(ctx, state).follow_up(message)
            state.messages.append(Message.user(message))
        return await self.agent._execute(ctx, self._state, emit)

    async def asend(self, message: str) -> RunResult:
        """Send the next user message and run until the model answers or a limit stops it."""
        return await self._asend(message, None)

    def send(self, message: str) -> RunResult:
        """Synchronous `asend`."""
        no_running_loop("Session.send", "await session.asend(...)")
        return anyio.run(self._asend, message, None)

    def astream(self, message: str) -> AsyncIterator[Event]:
        """`asend`, as a stream of events."""
        return astream_events(lambda emit: self._asend(message, emit))

    def stream(self, message: str) -> Iterator[Event]:
        """`send`, as a stream of events."""
        no_running_loop("Session.stream", "async for event in session.astream(...)")
        return stream_events(lambda emit: self._asend(message, emit))


# -- helpers --------------------------------------------------------------------------------


def _result(state: RunState, end: RunEnd, seconds: float) -> RunResult:
    return RunResult(
        answer=end.answer,
        outcome=end.outcome,
        error=end.error,
        messages=list(state.messages),
        trajectory=state.trajectory,
        usage=state.usage,
        timings={"generate": state.generate_s, "execute": state.execute_s, "total": seconds},
        steps=state.steps_this_run,
    )


def _observed(emit: Emit, observers: Sequence[Observer]) -> Emit:
    """`emit` that first hands each event to the agent's observers, in order."""
    if not observers:
        return emit

    async def emit_observed(event: Event) -> None:
        for observer in observers:
            pending = observer(event)
            if inspect.isawaitable(pending):
                await pending
        if emit is not None:
            await emit(event)

    return emit_observed


def _parse_feedback(fmt: Format) -> Callable[[str], str]:
    """The message a model reads after output that is neither plain text nor readable calls."""
    example = fmt.render_assistant(
        AssistantTurn(calls=[ToolCall(name="tool_name", arguments={"argument": "value"})])
    )

    def feedback(problem: str) -> str:
        return (
            f"Your last reply could not be read: {problem}. To call tools, reply with only the "
            f"calls, like: {example} To answer or to ask the user something, reply in plain text."
        )

    return feedback


