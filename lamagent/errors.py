"""The exception hierarchy: every error lamagent raises derives from `LamagentError`.

Note that what a *model* gets wrong (malformed output, unknown tools, bad arguments, failing
tools) is never raised: it becomes data (`ParseError`, `CallError`, an error observation).
These exceptions are for the *developer's* mistakes and the environment's failures.
"""

from __future__ import annotations


class LamagentError(Exception):
    """Base class of all lamagent exceptions."""


class ConfigError(LamagentError, ValueError):
    """A setting is out of range or names something that does not exist (fix the call site)."""


class UsageError(LamagentError, ValueError):
    """An API is used the wrong way: wrong order, wrong context, a closed object."""


class ToolDefinitionError(LamagentError):
    """A Python function or a spec dict cannot be turned into a Tool."""


class FormatError(LamagentError):
    """A prompt cannot be rendered (unknown format name, bad message, template failure)."""


class BackendError(LamagentError):
    """A backend failed to generate (engine error, server down, request rejected)."""


class ModelLoadError(BackendError):
    """A model cannot be loaded: missing or corrupt file, unsupported architecture, bad spec."""


class ContextOverflowError(BackendError):
    """The prompt does not fit the model's context window."""


class ConstraintError(BackendError):
    """A call grammar cannot be built or is not supported by the backend."""


class ToolExecutionError(LamagentError):
    """A turn's tools could not be run or their results not turned into observations."""


class TrajectoryError(LamagentError):
    """A trajectory store or file cannot be read or written."""


class ToolsetError(LamagentError):
    """A toolset (an MCP server) cannot be opened, listed or reached."""


class RemoteToolError(LamagentError):
    """A remote tool (an MCP server's) reported that its call failed; the model reads why."""


class SessionBusyError(LamagentError):
    """Another process (or another session object) is running a turn of the same session or
    run right now; retry once it is done (its lease ends with its turn, or with its process)."""


class AgentToolError(LamagentError):
    """An agent called as a tool (`agent.as_tool`) stopped without an answer; the calling model
    reads its outcome and trajectory id."""
