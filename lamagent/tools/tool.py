"""`Tool`: a name, a description, a JSON Schema and (usually) the function that runs it.

Tools come from Python functions (`@tool`, `Tool.from_function`) or from spec dicts in OpenAI,
xLAM or BFCL form (`Tool.from_spec`). A decorated function stays callable as before.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, overload

import anyio.to_thread
from pydantic import ValidationError

from lamagent.context import RunContext
from lamagent.errors import ToolDefinitionError
from lamagent.tools.placement import ISOLATIONS, Isolation
from lamagent.tools.schema import FunctionSchema, function_schema
from lamagent.tools.spec import normalize_schema, parse_spec
from lamagent.tools.verify import CallError, VerifiedCall, describe_parameters, verify_arguments

__all__ = ["Tool", "tool"]


def _is_async(fn: Callable[..., Any] | None) -> bool:
    if fn is None:
        return False
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _error_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class Tool:
    """A callable tool as the model sees it (`spec()`) and as the runtime runs it (`acall`).

    `parameters` is a standard JSON Schema object schema. `timeout` (seconds) and
    `requires_approval` are read by the executor; `allow_duplicates=False` lets it run identical
    calls of one turn once; `isolation` ("thread", "process" or "loop", None: the agent's
    policy) says where its calls run.
    """

    def __init__(
        self,
        name: str,
        description: str = "",
        parameters: Mapping[str, Any] | None = None,
        fn: Callable[..., Any] | None = None,
        *,
        timeout: float | None = None,
        requires_approval: bool = False,
        allow_duplicates: bool = False,
        binder: FunctionSchema | None = None,
        isolation: Isolation | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ToolDefinitionError(f"a tool name must be a non-empty string, got {name!r}")
        if timeout is not None and not timeout > 0:
            raise ToolDefinitionError(f"tool {name!r}: timeout must be positive, got {timeout!r}")
        if isolation is not None and isolation not in ISOLATIONS:
            raise ToolDefinitionError(
                f"tool {name!r}: isolation must be one of {', '.join(ISOLATIONS)}, "
                f"not {isolation!r}"
            )
        params = normalize_schema(parameters or {"type": "object", "properties": {}})
        params.setdefault("type", "object")
        params.setdefault("properties", {})
        self.name = name
        self.description = description
        self.parameters: dict[str, Any] = params
        self.fn = fn
        self.is_async = _is_async(fn)
        self.timeout = timeout
        self.requires_approval = requires_approval
        self.allow_duplicates = allow_duplicates
        self.isolation: Isolation | None = isolation
        self._binder = binder
        if fn is not None:
            functools.update_wrapper(self, fn, updated=())  # type: ignore[arg-type]

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        requires_approval: bool = False,
        allow_duplicates: bool = False,
        isolation: Isolation | None = None,
    ) -> Tool:
        """A tool from a sync or async function: schema from its signature and docstring."""
        if isinstance(fn, Tool):
            fn = fn.fn  # type: ignore[assignment]
        if not callable(fn):
            raise ToolDefinitionError(f"a tool needs a callable, got {fn!r}")
        schema = function_schema(fn, name=name, description=description)
        return cls(
            schema.name,
            schema.description,
            schema.parameters,
            fn,
            timeout=timeout,
            requires_approval=requires_approval,
            allow_duplicates=allow_duplicates,
            binder=schema,
            isolation=isolation,
        )

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], fn: Callable[..., Any] | None = None) -> Tool:
        """A tool from an OpenAI, xLAM or BFCL spec dict; `fn` (optional) runs it.

        The spec's schema is what the model sees and what calls are verified against. When
        `fn`'s parameters cover the spec's, its annotations convert the arguments too.
        """
        name, description, parameters = parse_spec(spec)
        binder = None
        if fn is not None:
            try:
                candidate = function_schema(fn, name=name, description=description)
            except ToolDefinitionError:
                candidate = None
            names = {p.name for p in candidate.params} if candidate else set()
            if candidate is not None and set(parameters["properties"]) <= names:
                binder = candidate
        return cls(name, description, parameters, fn, binder=binder)

    # -- what the model sees ---------------------------------------------------------------
    def spec(self) -> dict[str, Any]:
        """xLAM form: `{"name", "description", "parameters"}`."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    def openai_spec(self) -> dict[str, Any]:
        """OpenAI form: `{"type": "function", "function": spec()}`."""
        return {"type": "function", "function": self.spec()}

    def signature_text(self) -> str:
        """The expected arguments in words (used in error messages)."""
        return describe_parameters(self.parameters)

    # -- verification and calling ----------------------------------------------------------
    def verify(self, arguments: Any, *, call_id: str | None = None) -> VerifiedCall | CallError:
        """Check arguments against the schema (and the function's validator); never raises."""
        result = verify_arguments(self.name, self.parameters, arguments, call_id=call_id)
        if isinstance(result, CallError) or self._binder is None:
            return result
        try:
            self._binder.bind(result.call.arguments)
        except ValidationError as exc:
            details = "; ".join(
                f"'{_error_path(tuple(e['loc']))}': {e['msg']}" for e in exc.errors()[:5]
            )
            first = exc.errors()[0]["loc"] if exc.errors() else ()
            return CallError(
                kind="wrong_type",
                tool=self.name,
                argument=_error_path(tuple(first)) or None,
                message=(
                    f"Call of '{self.name}' rejected: {details}. "
                    f"Expected arguments: {self.signature_text()}."
                ),
            )
        except Exception as exc:  # a user validator raising something else
            return CallError(
                kind="wrong_type",
                tool=self.name,
                argument=None,
                message=f"Call of '{self.name}' rejected: {exc}. "
                f"Expected arguments: {self.signature_text()}.",
            )
        return result

    @property
    def takes_context(self) -> bool:
        """True when the function has a `RunContext` parameter (filled by the runtime)."""
        return self._binder is not None and self._binder.takes_context

    def bind(
        self, arguments: Mapping[str, Any], context: RunContext[Any] | None = None
    ) -> tuple[list[Any], dict[str, Any]]:
        """Positional and keyword arguments for `fn` from JSON arguments.

        Function tools convert them to the signature's types (`pydantic.ValidationError` if
        they do not fit), and give a `RunContext` parameter `context`; spec tools pass them
        through as keywords.
        """
        if self._binder is not None:
            return self._binder.bind(arguments, context)
        return [], dict(arguments)

    async def acall(
        self, arguments: Mapping[str, Any], context: RunContext[Any] | None = None
    ) -> Any:
        """Run the tool on (verified) JSON arguments and return its result.

        Function tools convert the arguments to the signature's Python types first
        (`pydantic.ValidationError` if they do not fit). Async functions are awaited; sync ones
        run in a worker thread so they do not block the event loop.
        """
        if self.fn is None:
            raise ToolDefinitionError(
                f"tool {self.name!r} has no function to run; pass fn= to Tool.from_spec "
                "or define it with @tool"
            )
        args, kwargs = self.bind(arguments, context)
        fn = self.fn
        if self.is_async:
            return await fn(*args, **kwargs)
        # A worker thread cannot be interrupted; on cancellation (a timeout) it is abandoned
        # and finishes in the background while the caller goes on.
        result = await anyio.to_thread.run_sync(
            functools.partial(fn, *args, **kwargs), abandon_on_cancel=True
        )
        if inspect.isawaitable(result):
            return await result
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the underlying function directly, as if it were not decorated."""
        if self.fn is None:
            raise ToolDefinitionError(f"tool {self.name!r} has no function to call")
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, parameters={list(self.parameters['properties'])})"


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    requires_approval: bool = False,
    allow_duplicates: bool = False,
    isolation: Isolation | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    requires_approval: bool = False,
    allow_duplicates: bool = False,
    isolation: Isolation | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a `Tool` of a function: `@tool` or `@tool(name=..., timeout=...)`.

    The result is still callable like the function; `await t.acall({...})` runs it on JSON
    arguments.
    """

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool.from_function(
            f,
            name=name,
            description=description,
            timeout=timeout,
            requires_approval=requires_approval,
            allow_duplicates=allow_duplicates,
            isolation=isolation,
        )

    if fn is not None:
        return wrap(fn)
    return wrap
