"""`Toolbox`: the set of tools an agent offers, looked up by name, verifying calls.

Besides tools it may hold toolsets (MCP servers): their tools join the box while it is open
(`async with toolbox.opened():`) and are listed again by `refresh()` when a toolset changed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from lamagent.errors import ToolDefinitionError, ToolsetError
from lamagent.messages import ToolCall
from lamagent.tools.tool import Tool
from lamagent.tools.toolset import OpenToolsets, Toolset, is_toolset
from lamagent.tools.verify import CallError, VerifiedCall, unknown_tool_error

__all__ = ["ToolLike", "Toolbox", "as_tool"]

ToolLike = Tool | Callable[..., Any] | Mapping[str, Any] | Toolset

logger = logging.getLogger(__name__)


def as_tool(item: Tool | Callable[..., Any] | Mapping[str, Any]) -> Tool:
    """A Tool from a Tool, a plain function or a spec dict (OpenAI, xLAM or BFCL form)."""
    if isinstance(item, Tool):
        return item
    if isinstance(item, Mapping):
        return Tool.from_spec(item)
    if callable(item):
        return Tool.from_function(item)
    raise ToolDefinitionError(
        f"cannot make a tool of {type(item).__name__}; pass a Tool, a function or a spec dict"
    )


class Toolbox:
    """Tools by name. Duplicate names are a `ToolDefinitionError` (the model could not tell
    them apart)."""

    def __init__(self, tools: Iterable[ToolLike] = ()) -> None:
        #: Tools and toolsets in the order given (a toolset's tools take its place).
        self._items: list[Tool | Toolset] = [
            item if is_toolset(item) else as_tool(item)  # type: ignore[misc, arg-type]
            for item in tools
        ]
        self._sources = OpenToolsets([i for i in self._items if not isinstance(i, Tool)])
        self._listed: dict[int, list[Tool]] = {}
        self._tools = _by_name(self._current())

    # -- toolsets ----------------------------------------------------------------------------
    @property
    def toolsets(self) -> list[Toolset]:
        return list(self._sources.toolsets)

    async def open(self) -> None:
        """Open the toolsets (unless open) and add their tools; pair with `close()`."""
        if await self._sources.open():
            try:
                for toolset in self._sources.toolsets:
                    self._listed[id(toolset)] = await toolset.list_tools()
                self._tools = _by_name(self._current())
            except BaseException:
                await self.close()
                raise

    async def close(self) -> None:
        """Leave; the last user closes the toolsets and their tools leave the box."""
        await self._sources.close()
        if not self._sources.is_open:
            self._listed.clear()
            self._tools = _by_name(self._current())

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[Toolbox]:
        """The toolsets open for the block (a no-op without toolsets)."""
        if not self._sources.toolsets:
            yield self
            return
        await self.open()
        try:
            yield self
        finally:
            await self.close()

    async def refresh(self) -> bool:
        """List again the open toolsets that announced a change; True when the tools changed.

        A toolset that cannot be listed now (its server died) or whose new tools clash with
        others keeps its previous tools: calls of them fail as observations, not the run.
        """
        changed = [t for t in self._sources.toolsets if self._sources.is_open and t.changed]
        if not changed:
            return False
        previous = dict(self._listed)
        for toolset in changed:
            try:
                self._listed[id(toolset)] = await toolset.list_tools()
            except (ToolsetError, ToolDefinitionError) as exc:
                logger.warning("could not list the tools of %r again: %s", toolset, exc)
        try:
            self._tools = _by_name(self._current())
        except ToolDefinitionError as exc:
            logger.warning("kept the previous tools: %s", exc)
            self._listed = previous
            return False
        return True

    def _current(self) -> list[Tool]:
        tools: list[Tool] = []
        for item in self._items:
            if isinstance(item, Tool):
                tools.append(item)
            else:
                tools.extend(self._listed.get(id(item), []))
        return tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._tools

    def __getitem__(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise KeyError(f"no tool named {name!r}; tools: {', '.join(self._tools)}") from None

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name) if isinstance(name, str) else None

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        """The tools in xLAM form, in order (what the prompt shows)."""
        return [t.spec() for t in self._tools.values()]

    def openai_specs(self) -> list[dict[str, Any]]:
        return [t.openai_spec() for t in self._tools.values()]

    def verify(self, call: ToolCall) -> VerifiedCall | CallError:
        """Check a call: the tool exists, then its arguments (see `Tool.verify`). Never raises."""
        try:
            name = call.name
            found = self._tools.get(name) if isinstance(name, str) else None
            if found is None:
                return unknown_tool_error(name, self.names)
            return found.verify(call.arguments, call_id=call.id)
        except Exception as exc:  # keep the promise: model output never raises here
            return CallError(
                kind="wrong_type",
                tool=str(getattr(call, "name", "")),
                argument=None,
                message=f"The call could not be checked ({type(exc).__name__}); "
                'send {"name": ..., "arguments": {...}}.',
            )

    def __repr__(self) -> str:
        return f"Toolbox({self.names})"


def _by_name(tools: Iterable[Tool]) -> dict[str, Tool]:
    """Tools by name; a duplicate name is a `ToolDefinitionError`."""
    named: dict[str, Tool] = {}
    for t in tools:
        if t.name in named:
            raise ToolDefinitionError(
                f"two tools are named {t.name!r}; give one another name "
                "(@tool(name=...), the spec's 'name', or an MCP server's name_prefix)"
            )
        named[t.name] = t
    return named
