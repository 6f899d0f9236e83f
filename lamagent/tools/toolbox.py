"""`Toolbox`: the set of tools an agent offers, looked up by name, verifying calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from lamagent.errors import ToolDefinitionError
from lamagent.messages import ToolCall
from lamagent.tools.tool import Tool
from lamagent.tools.verify import CallError, VerifiedCall, unknown_tool_error

__all__ = ["ToolLike", "Toolbox", "as_tool"]

ToolLike = Tool | Callable[..., Any] | Mapping[str, Any]


def as_tool(item: ToolLike) -> Tool:
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
        self._tools: dict[str, Tool] = {}
        for item in tools:
            t = as_tool(item)
            if t.name in self._tools:
                raise ToolDefinitionError(
                    f"two tools are named {t.name!r}; give one another name "
                    "(@tool(name=...) or the spec's 'name')"
                )
            self._tools[t.name] = t

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
