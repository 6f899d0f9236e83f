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

import dataclasses
import inspect
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

import anyio
import anyio.to_thread

from lamagent._loop.approval import Decision, Decisions, check_decisions, normalise, settle_pending
from lamagent._loop.context import LoopContext
from lamagent._loop.driver import RunEnd, drive, start_recording
from lamagent._loop.durable import (
    check_not_paused,
    close_interrupted,
    continued_state,
    leased,
    load_state,
)
from lamagent._loop.history import rebuild_messages
from lamagent._loop.interrupt import run_sync
from lamagent._loop.repeats import RepeatPolicy
from lamagent._loop.state import RunState
from lamagent._loop.streaming import astream_events, no_running_loop, stream_events
from lamagent._loop.window import ContextPolicy
from lamagent.backends.base import Backend, ChatBackend, FormatChoice, ModelBackend
from lamagent.backends.registry import load_model
from lamagent.errors import ConfigError, ConstraintError, UsageError
from lamagent.events import Event, RunFinished
from lamagent.formats.base import Format
from lamagent.formats.choice import ToolChoice
from lamagent.gate import CallGate, gated
from lamagent.generation import GenerationParams
from lamagent.messages import AssistantTurn, Message, MessageLike, ToolCall, to_messages
from lamagent.output import OutputType
from lamagent.profiles import ModelProfile, profile_for
from lamagent.result import RunResult
from lamagent.settings import ALIASES, Limits, settings_from
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

__all__ = ["Agent", "ContextPolicy", "Decision", "RepeatPolicy", "RunResult", "Session"]


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
            `parallel_tool_calls=False`, `approval=hook`, and for small models
            `copy_bias=3.0`, `copy_answers=True`, `mentioned_arguments=True`,
            `example_shapes=True`, `listed_items=True`
            (docs/small-models.md); an unknown
            name is a ConfigError.
        observers: callables (sync or async) that receive every event of every run, e.g.
            `lamagent.tracing.OTelTracer()`; an observer that raises stops the run.
        context: what to do when a prompt outgrows the model's context window
            (`ContextPolicy`: by default the oldest tool results are shortened, then the
            oldest turns dropped; see docs/sessions.md).
        repeats: when the same calls repeated across turns get a nudge and then end the run
            with outcome "loop" (`RepeatPolicy`).
        output_type: the type of the final answer (a pydantic model, a dataclass, a TypedDict
            or a plain type); `RunResult.output` holds the validated value. See
            docs/typed-output.md.
        profile: settings measured for the model (`lamagent.profiles.ModelProfile`), used
            where the arguments above set nothing: "auto" (the default) is `EMBEDDED` for the
            embedded model (model=None, its GGUF file, the transformers checkpoint converted
            from it, or a backend loaded from either: the call gate, copy-aware decoding and
            the call rules of docs/small-models.md) and none for any other; None: none.
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
        output_type: Any = None,
        context: ContextPolicy | None = None,
        repeats: RepeatPolicy | None = None,
        profile: ModelProfile | Literal["auto"] | None = "auto",
        **settings: Any,
    ) -> None:
        chosen = profile_for(model) if profile == "auto" else profile
        if chosen is not None:
            given = {ALIASES.get(name, name) for name in settings}
            generation = chosen.generation_over(generation or GenerationParams(), given)
            gate = chosen.gate_over(gate)
        self.profile: ModelProfile | None = chosen
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
        self.output: OutputType | None = None if output_type is None else OutputType(output_type)
        self.context_policy = context or ContextPolicy()
        self.repeat_policy = repeats or RepeatPolicy()
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
            context=self.context_policy,
            repeats=self.repeat_policy,
            output=self.output,
            output_constrained=self.output is not None
            and (
                self.constrained is True
                or (self.constrained == "auto" and turns.supports_constraint)
            ),
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
        if self.profile is not None:  # which measured setting ran, for reading runs later
            trajectory.metadata["profile"] = self.profile.name
        if self.output is not None:
            trajectory.metadata["output_type"] = {
                "name": self.output.name,
                "schema": self.output.schema,
            }
        return RunState(messages=messages, trajectory=trajectory, pinned=len(messages) - 1)

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
        self,
        query: str,
        history: Sequence[MessageLike] | None,
        emit: Emit,
        deps: Any = None,
        link: Callable[[LoopContext, RunState], LoopContext] | None = None,
    ) -> RunResult:
        """A run; `link` may adjust its context and state before recording starts (an agent
        called as a tool records its parent and fits its limits in the caller's)."""
        async with self.toolbox.opened():  # toolsets (MCP servers) open unless already open
            ctx = await self._acontext()
            ctx.sync_tools()
            state = self._new_state(ctx, query, history)
            state.deps = deps
            if link is not None:
                ctx = link(ctx, state)
            start_recording(ctx, state)
            return await self._execute(ctx, state, emit)

    async def arun(
        self, query: str, history: Sequence[MessageLike] | None = None, *, deps: Any = None
    ) -> RunResult:
        """Run the loop on `query` (after `history`, OpenAI-style messages) until it stops.

        `deps` reaches every tool that takes a `RunContext` (as `ctx.deps`).
        """
        return await self._arun(query, history, None, deps)

    def run(
        self, query: str, history: Sequence[MessageLike] | None = None, *, deps: Any = None
    ) -> RunResult:
        """Synchronous `arun` (inside an event loop, use `await agent.arun(...)`)."""
        no_running_loop("Agent.run", "await agent.arun(...)")
        return run_sync(lambda: self._arun(query, history, None, deps))

    def astream(
        self, query: str, history: Sequence[MessageLike] | None = None, *, deps: Any = None
    ) -> AsyncIterator[Event]:
        """The run's events as they happen; the last one is `RunFinished`."""
        return astream_events(lambda emit: self._arun(query, history, emit, deps))

    def stream(
        self, query: str, history: Sequence[MessageLike] | None = None, *, deps: Any = None
    ) -> Iterator[Event]:
        """Synchronous `astream`: iterate events while the run goes on in a background loop."""
        no_running_loop("Agent.stream", "async for event in agent.astream(...)")
        return stream_events(lambda emit: self._arun(query, history, emit, deps))

    def as_tool(
        self,
        name: str,
        description: str,
        *,
        timeout: float | None = None,
        forward_deps: bool = True,
    ) -> Tool:
        """This agent as a tool another agent can call with a query (see `lamagent.agent_tool`).

        Each call is a run of its own trajectory, linked to the caller's step and call.
        """
        from lamagent.agent_tool import agent_tool

        return agent_tool(self, name, description, timeout=timeout, forward_deps=forward_deps)

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
        return run_sync(lambda: self.arun_many(queries, concurrency=concurrency))

    def session(
        self,
        session_id: str | Sequence[MessageLike] | None = None,
        *,
        store: TrajectoryStore | str | os.PathLike[str] | None = None,
        history: Sequence[MessageLike] | None = None,
        deps: Any = None,
    ) -> Session:
        """A conversation that keeps its messages and trajectory across user messages.

        `deps` reaches the tools' `RunContext` on every `send`.

        With a `session_id` and a store (`store=`, else the agent's), the conversation is
        durable: its trajectory (id `session_id`) is the record, any process with the same
        store and id continues it, and one turn runs at a time (`SessionBusyError`
        otherwise). See docs/sessions.md.
        """
        if session_id is not None and not isinstance(session_id, str):
            history, session_id = session_id, None  # the older signature: session(history)
        return Session(self, history, session_id=session_id, store=store, deps=deps)

    async def aresume(
        self,
        run: str | Trajectory,
        decisions: Decisions,
        *,
        store: TrajectoryStore | str | os.PathLike[str] | None = None,
        by: str | None = None,
    ) -> RunResult:
        """Continue a run paused with outcome "needs_approval", after a person's decisions.

        `run` is the run's id (read from `store`, else the agent's store) or its trajectory.
        `decisions` names every waiting call (`Trajectory.pending_calls`) by its call id:
        `Decision.approve(id)`, `Decision.deny(id, reason)`, `Decision.edit(id, arguments)`
        (or `{id: True/False}`). `by` is recorded as the decider when a Decision has none.
        The run then goes on like any other (it may pause again).
        """
        return await self._aresume(run, decisions, _open_store(store), by, None)

    def resume(
        self,
        run: str | Trajectory,
        decisions: Decisions,
        *,
        store: TrajectoryStore | str | os.PathLike[str] | None = None,
        by: str | None = None,
    ) -> RunResult:
        """Synchronous `aresume`."""
        no_running_loop("Agent.resume", "await agent.aresume(...)")
        return run_sync(lambda: self.aresume(run, decisions, store=store, by=by))

    async def _aresume(
        self,
        run: str | Trajectory | RunState,
        decisions: Decisions,
        store: TrajectoryStore | None,
        by: str | None,
        emit: Emit,
    ) -> RunResult:
        chosen = normalise(decisions)
        async with self.toolbox.opened():
            ctx = await self._acontext()
            ctx.sync_tools()
            store = store if store is not None else self.store
            if store is not ctx.store:
                ctx = dataclasses.replace(ctx, store=store)
            if isinstance(run, RunState):
                run_id = run.trajectory.unique_trajectory_id
            else:
                run_id = run if isinstance(run, str) else run.unique_trajectory_id
            with leased(store, run_id):
                state = await self._paused_state(run, store)
                check_decisions(state.trajectory, chosen)
                recorder = start_recording(ctx, state)
                recorder.reopen()
                step = state.trajectory.steps[-1]
                limiter = anyio.CapacityLimiter(ctx.max_concurrency)
                await settle_pending(ctx, state, step, chosen, by, limiter)
                recorder.update_step(step)
                state.messages, state.pinned = rebuild_messages(
                    state.trajectory, self.system_prompt
                )
                return await self._execute(ctx, state, emit)

    async def _paused_state(
        self, run: str | Trajectory | RunState, store: TrajectoryStore | None
    ) -> RunState:
        if isinstance(run, RunState):
            return run
        if isinstance(run, Trajectory):
            stored = store.get(run.unique_trajectory_id) if store is not None else None
            return continued_state(stored or run, store, self.system_prompt)
        if store is None:
            raise UsageError(
                f"resume({run!r}) needs the store the run was recorded in: pass store=, give "
                "the agent one, or pass the run's trajectory (RunResult.trajectory)"
            )
        state = load_state(store, run, self.system_prompt)
        if state is None:
            raise UsageError(f"there is no run {run!r} in {store!r}")
        return state

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

    A durable session (an id and a store) reads the conversation from the store at each
    `send` (another process may have continued it) and holds the store's lease for the
    session while its turn runs: a concurrent `send` elsewhere raises `SessionBusyError`.
    """

    def __init__(
        self,
        agent: Agent,
        history: Sequence[MessageLike] | None = None,
        *,
        session_id: str | None = None,
        store: TrajectoryStore | str | os.PathLike[str] | None = None,
        deps: Any = None,
    ) -> None:
        self.agent = agent
        self.id = session_id
        #: What the tools' `RunContext` carries as `deps` on every `send`.
        self.deps = deps
        opened = _open_store(store)
        self.store: TrajectoryStore | None = opened if opened is not None else agent.store
        self._history = list(history or ())
        self._state: RunState | None = None

    @property
    def durable(self) -> bool:
        """True when the conversation lives in a store under its id (any process continues it)."""
        return self.id is not None and self.store is not None

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
        if self.store is not ctx.store:
            ctx = dataclasses.replace(ctx, store=self.store)
        with leased(self.store if self.durable else None, self.id or ""):
            if self.durable:
                assert self.store is not None and self.id is not None
                self._state = load_state(self.store, self.id, self.agent.system_prompt)
            state = self._state
            if state is None:
                state = self.agent._new_state(ctx, message, self._history)
                if self.id is not None:
                    state.trajectory.unique_trajectory_id = self.id
                self._state = state
                start_recording(ctx, state)
            else:
                check_not_paused(state.trajectory)
                close_interrupted(state)
                start_recording(ctx, state).follow_up(message)
                state.messages.append(Message.user(message))
                state.pinned = len(state.messages) - 1
            state.deps = self.deps
            return await self.agent._execute(ctx, state, emit)

    async def asend(self, message: str) -> RunResult:
        """Send the next user message and run until the model answers or a limit stops it."""
        return await self._asend(message, None)

    def send(self, message: str) -> RunResult:
        """Synchronous `asend`."""
        no_running_loop("Session.send", "await session.asend(...)")
        return run_sync(lambda: self._asend(message, None))

    def astream(self, message: str) -> AsyncIterator[Event]:
        """`asend`, as a stream of events."""
        return astream_events(lambda emit: self._asend(message, emit))

    def stream(self, message: str) -> Iterator[Event]:
        """`send`, as a stream of events."""
        no_running_loop("Session.stream", "async for event in session.astream(...)")
        return stream_events(lambda emit: self._asend(message, emit))

    async def aresume(self, decisions: Decisions, *, by: str | None = None) -> RunResult:
        """Continue the conversation after its turn paused for approval (see `Agent.resume`)."""
        if self.durable:
            assert self.id is not None
            result = await self.agent._aresume(self.id, decisions, self.store, by, None)
            self._state = None  # the next send reads the conversation from the store again
            return result
        if self._state is None:
            raise UsageError("this conversation has not started: nothing waits for approval")
        return await self.agent._aresume(self._state, decisions, self.store, by, None)

    def resume(self, decisions: Decisions, *, by: str | None = None) -> RunResult:
        """Synchronous `aresume`."""
        no_running_loop("Session.resume", "await session.aresume(...)")
        return run_sync(lambda: self.aresume(decisions, by=by))


# -- helpers --------------------------------------------------------------------------------


def _open_store(
    store: TrajectoryStore | str | os.PathLike[str] | None,
) -> TrajectoryStore | None:
    if store is None or isinstance(store, TrajectoryStore):
        return store
    return open_store(store)


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
        output=end.output if end.outcome == "answer" else None,
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
