"""Tools from a Python file or module the user names (`tools.py`, `pkg.tools:TOOLS`).

Importing runs the user's own code, as `python tools.py` would; it is meant for the user's tool
files, named on the command line, never for input from a model or a remote source.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from lamagent.errors import ConfigError
from lamagent.tools.tool import Tool
from lamagent.tools.toolbox import Toolbox, as_tool

__all__ = ["load_tools"]


def load_tools(source: str) -> list[Tool]:
    """The tools `source` names: `file.py` or `module` (every `Tool` defined at its top level),
    or `file.py:attr` / `module:attr` (a Tool, a function, or a list or Toolbox of them)."""
    location, _, attr = source.partition(":") if not _is_windows_drive(source) else (source, "", "")
    module = _import(location)
    if attr:
        try:
            found = getattr(module, attr)
        except AttributeError:
            raise ConfigError(f"{location!r} has no attribute {attr!r}") from None
        return _tools_of(found, source)
    tools = [value for value in vars(module).values() if isinstance(value, Tool)]
    if not tools:
        raise ConfigError(
            f"no tools found in {location!r}: decorate functions with @tool, "
            "or name them with 'file.py:attribute'"
        )
    return tools


def _tools_of(found: Any, source: str) -> list[Tool]:
    if isinstance(found, Toolbox):
        return list(found)
    if isinstance(found, (list, tuple)):
        return [as_tool(item) for item in found]
    if isinstance(found, Tool) or callable(found):
        return [as_tool(found)]
    raise ConfigError(f"{source!r} is not a tool, a function or a list of them")


def _import(location: str) -> ModuleType:
    path = Path(location)
    if location.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"no such tools file: {location!r}")
        folder = str(path.resolve().parent)
        if folder not in sys.path:  # its sibling modules import, as under `python file.py`
            sys.path.insert(0, folder)
        name = f"_lamagent_tools_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"cannot import {location!r} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # so dataclasses, pickling and process isolation find it
        spec.loader.exec_module(module)
        return module
    try:
        return importlib.import_module(location)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"cannot import tools module {location!r}: {exc}") from exc


def _is_windows_drive(source: str) -> bool:
    return len(source) > 2 and source[1] == ":" and source[0].isalpha() and source[2] in "\\/"
