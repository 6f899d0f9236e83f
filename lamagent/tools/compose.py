"""Composing tools: combine sources, filter them, prefix their names, prepare them per step.

Each wrapper is a `Toolset`, so it goes wherever tools go (`Agent(tools=[...])`) and may wrap
plain tools, functions, spec dicts and other toolsets (an MCP server) alike:

    tools = [
        prefixed(MCPServerStdio("python", ["weather.py"]), "wx"),       # wx_get_weather, ...
        filtered(combine(search, delete_file), lambda t: t.name != "delete_file"),
        prepared([refund], lambda ctx, tools: tools if ctx.deps.is_admin else []),
    ]

`prepared` decides per step, from the run's `RunContext`, which of its tools the model may use
in that step: the others are left out of the prompt and the grammar, and a call of one is
rejected as an unknown tool. A plain `Toolbox` stays the simple case.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any

from lamagent.context import RunContext
from lamagent.errors import ToolDefinitionError
from lamagent.tools.tool import Tool
from lamagent.tools.toolset import Toolset, is_toolset

__all__ = [
    "ComposedToolset",
    "Prepare",
    "PreparedToolset",
    "combine",
    "filtered",
    "prefixed",
    "prepared",
    "step_tools",
]

#: Chooses the tools one step may use, from the run's context and the tools on offer.
Prepare = Callable[[RunContext[Any], list[Tool]], "list[Tool] | Awaitable[list[Tool]]"]


class ComposedToolset:
    """Tools from several sources (tools and toolsets), transformed when listed.

    Opening it opens the toolsets among its sources; `changed` is true when any of them
    announced new tools.
    """

    def __init__(
        self,
        sources: Iterable[Any],
        transform: Callable[[list[Tool]], list[Tool]] | None = None,
    ) -> None:
        from lamagent.tools.toolbox import as_tool

        self.sources: list[Tool | Toolset] = [
            s if is_toolset(s) else as_tool(s) for s in _flatten(sources)
        ]
        self.transform = transform
        self._stack: AsyncExitStack | None = None

    @property
    def changed(self) -> bool:
        return any(not isinstance(s, Tool) and s.changed for s in self.sources)

    async def list_tools(self) -> list[Tool]:
        tools: list[Tool] = []
        for source in self.sources:
            tools.extend([source] if isinstance(source, Tool) else await source.list_tools())
        return self.transform(tools) if self.transform is not None else tools

    async def __aenter__(self) -> ComposedToolset:
        stack = AsyncExitStack()
        try:
            for source in self.sources:
                if not isinstance(source, Tool):
                    await stack.enter_async_context(source)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.sources!r})"


class PreparedToolset(ComposedToolset):
    """Tools whose availability is decided per step by `prepare(ctx, tools)`."""

    def __init__(self, sources: Iterable[Any], prepare: Prepare) -> None:
        super().__init__(sources)
        self.prepare = prepare
        #: Names of the tools listed last (the ones `prepare` decides about).
        self.names: frozenset[str] = frozenset()

    async def list_tools(self) -> list[Tool]:
        tools = await super().list_tools()
        self.names = frozenset(t.name for t in tools)
        return tools

    async def choose(self, context: RunContext[Any], tools: list[Tool]) -> list[Tool]:
        """The subset of `tools` (this toolset's) that the step may use."""
        chosen = self.prepare(context, list(tools))
        if inspect.isawaitable(chosen):
            chosen = await chosen
        offered = {t.name for t in tools}
        result = list(chosen)
        for t in result:
            if not isinstance(t, Tool) or t.name not in offered:
                raise ToolDefinitionError(
                    f"prepare() may only return tools it was given, not {t!r}"
                )
        return result


def combine(*sources: Any) -> ComposedToolset:
    """One toolset of tools, functions, spec dicts and toolsets (or lists of them)."""
    return ComposedToolset(sources)


def filtered(sources: Any, keep: Callable[[Tool], bool]) -> ComposedToolset:
    """The tools of `sources` for which `keep(tool)` is true."""
    return ComposedToolset(_as_sources(sources), lambda tools: [t for t in tools if keep(t)])


def prefixed(sources: Any, prefix: str, *, separator: str = "_") -> ComposedToolset:
    """The tools of `sources` renamed `prefix + separator + name` (to avoid clashes)."""
    if not prefix:
        raise ToolDefinitionError("prefixed() needs a non-empty prefix")
    return ComposedToolset(
        _as_sources(sources),
        lambda tools: [_renamed(t, f"{prefix}{separator}{t.name}") for t in tools],
    )


def prepared(sources: Any, prepare: Prepare) -> PreparedToolset:
    """The tools of `sources`, of which each step may use those `prepare(ctx, tools)` returns.

    `prepare` (sync or async) gets the run's `RunContext` (deps, run id, step, usage) and this
    toolset's tools, and returns the ones the step may use.
    """
    return PreparedToolset(_as_sources(sources), prepare)


async def step_tools(
    tools: Sequence[Tool], toolsets: Sequence[Any], context: RunContext[Any]
) -> list[Tool] | None:
    """The tools one step may use: `tools`, less those its prepared toolsets leave out
    (None when no toolset is prepared: every tool)."""
    preparers = [t for t in toolsets if isinstance(t, PreparedToolset)]
    if not preparers:
        return None
    allowed = {t.name for t in tools}
    for preparer in preparers:
        own = [t for t in tools if t.name in preparer.names]
        chosen = {t.name for t in await preparer.choose(context, own)}
        allowed -= {t.name for t in own} - chosen
    return [t for t in tools if t.name in allowed]


def _renamed(tool: Tool, name: str) -> Tool:
    """A copy of `tool` under another name (same function, schema and options)."""
    if not name:
        raise ToolDefinitionError("a tool name must be a non-empty string")
    clone = copy.copy(tool)
    clone.name = name
    return clone


def _as_sources(sources: Any) -> list[Any]:
    if isinstance(sources, (list, tuple)):
        return list(sources)
    return [sources]


def _flatten(sources: Iterable[Any]) -> list[Any]:
    from lamagent.tools.toolbox import Toolbox

    out: list[Any] = []
    for source in sources:
        if isinstance(source, Toolbox):
            out.extend(source.toolsets)
            out.extend(t for t in source if t.name in source.names)
        elif isinstance(source, (list, tuple)):
            out.extend(_flatten(source))
        else:
            out.append(source)
    return out
