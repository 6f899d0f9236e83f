"""Toolsets: sources of tools that must be opened before their tools exist (an MCP server).

A toolset is an async context manager with `list_tools()` and a `changed` flag. It goes into
`Agent(tools=[...])` beside plain tools; the agent's `Toolbox` opens it around a run (or once,
under `async with agent:`), lists its tools, and lists them again between steps when `changed`
says the source announced new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from lamagent.errors import ToolsetError, UsageError
from lamagent.tools.tool import Tool

__all__ = ["OpenToolsets", "Toolset", "is_toolset"]


@runtime_checkable
class Toolset(Protocol):
    """A source of tools, usable while open (`async with toolset:`)."""

    @property
    def changed(self) -> bool:
        """True when the source announced that its tools changed since the last listing."""
        ...

    async def list_tools(self) -> list[Tool]:
        """The tools the source offers now (listing clears `changed`)."""
        ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None: ...


def is_toolset(item: object) -> bool:
    """True for a toolset (not a Tool, a function or a spec dict)."""
    return not isinstance(item, (Tool, dict)) and isinstance(item, Toolset)


class OpenToolsets:
    """Opens toolsets for any number of nested users; the last one out closes them.

    Opening and closing happen in the task of the first user (the SDKs behind toolsets hold
    task-bound cancel scopes), so concurrent runs share toolsets opened around them, as
    `Agent.arun_many` and `async with agent:` do.
    """

    def __init__(self, toolsets: Sequence[Toolset]) -> None:
        self.toolsets = list(toolsets)
        self._users = 0
        self._stack: AsyncExitStack | None = None

    @property
    def is_open(self) -> bool:
        return self._users > 0

    async def open(self) -> bool:
        """Open the toolsets unless they are open; True when this call opened them."""
        self._users += 1
        if self._users > 1:
            return False
        stack = AsyncExitStack()
        try:
            for toolset in self.toolsets:
                await stack.enter_async_context(toolset)
        except BaseException as exc:
            self._users = 0
            await stack.aclose()
            if isinstance(exc, Exception) and not isinstance(exc, ToolsetError):
                raise ToolsetError(f"a toolset could not be opened: {exc}") from exc
            raise
        self._stack = stack
        return True

    async def close(self) -> None:
        """Leave; the last user closes the toolsets."""
        if self._users <= 0:
            raise UsageError("the toolsets are not open; close() only after open()")
        self._users -= 1
        if self._users == 0 and self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()
