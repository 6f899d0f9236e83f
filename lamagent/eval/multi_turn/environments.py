"""BFCL's multi-turn environments, taken from the installed `bfcl-eval` package, as lamagent Tools.

The package ships the stateful classes (a file system, a math API, messaging, posting, tickets,
trading, travel booking, vehicle control), their function docs and the data. Each case gets
fresh instances loaded with its initial configuration; the public methods named in the docs
become `Tool.from_spec(doc, fn=bound method)`, so the Agent verifies, repairs, runs and records
their calls like any other tool. Every execution is also written to the environment's log in
BFCL's result form (the text the response check compares).
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from lamagent.errors import ConfigError
from lamagent.tools import Tool

__all__ = [
    "BFCL_PACKAGE",
    "Environment",
    "bfcl_data_dir",
    "function_docs",
    "result_text",
]

#: The pinned BFCL package the environments come from (installed without its dependencies).
BFCL_PACKAGE = "bfcl-eval==2026.3.23"
_INSTALL_HINT = (
    f"the multi-turn and memory categories need BFCL's environments: pip install --no-deps "
    f"'{BFCL_PACKAGE}' 'mpmath==1.3.0' 'rank_bm25==0.2.2' 'overrides==7.7.0' "
    "(scripts/setup.sh does this; memory_vector also needs sentence-transformers and faiss)"
)


def _backend_config() -> ModuleType:
    """BFCL's table of environment classes, doc files and stateless classes."""
    try:
        return importlib.import_module("bfcl_eval.constants.executable_backend_config")
    except ImportError as exc:
        raise ConfigError(_INSTALL_HINT) from exc


def bfcl_data_dir() -> Path:
    """The data folder of the installed BFCL package (questions, answers, function docs)."""
    try:
        root = resources.files("bfcl_eval")
    except ModuleNotFoundError as exc:
        raise ConfigError(_INSTALL_HINT) from exc
    return Path(str(root)) / "data"


def _class_of(name: str) -> type:
    table: Mapping[str, str] = _backend_config().CLASS_FILE_PATH_MAPPING
    if name not in table:
        raise ConfigError(f"unknown BFCL environment {name!r}; known: {', '.join(table)}")
    try:
        module = importlib.import_module(table[name])
    except ImportError as exc:
        raise ConfigError(
            f"cannot import BFCL environment {name!r} ({exc}); {_INSTALL_HINT}"
        ) from exc
    cls: type = getattr(module, name)
    return cls


@functools.cache
def _docs_of(name: str) -> tuple[dict[str, Any], ...]:
    files: Mapping[str, str] = _backend_config().MULTI_TURN_FUNC_DOC_FILE_MAPPING
    path = bfcl_data_dir() / "multi_turn_func_doc" / files[name]
    with path.open(encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


def function_docs(class_name: str) -> list[dict[str, Any]]:
    """The function docs (BFCL spec dicts) of one environment class, fresh copies."""
    return copy.deepcopy(list(_docs_of(class_name)))


def result_text(value: Any) -> str:
    """A call's result as BFCL's executor writes it: strings as they are, dicts as JSON (or
    `str` when they do not serialise), anything else `str`."""
    if type(value) is str:
        return value
    if type(value) is dict:
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def error_text(exc: BaseException) -> str:
    """A failed call's result as BFCL's executor writes it."""
    return f"Error during execution: {exc}"


class Environment:
    """One set of fresh environment instances for a case, with the log of what ran on them.

    `instances` maps class name to instance; `methods` maps a public method name to its bound
    method (BFCL's method names are unique across the classes of a case). `log` holds the
    result text of every call made through `tools()` since the last `take_log()`.
    """

    def __init__(
        self,
        class_names: Sequence[str],
        initial_config: Mapping[str, Any],
        *,
        long_context: bool = False,
    ) -> None:
        stateless: Sequence[str] = _backend_config().STATELESS_CLASSES
        self.instances: dict[str, Any] = {}
        self.methods: dict[str, Callable[..., Any]] = {}
        for name in class_names:
            instance = _class_of(name)()
            if name not in stateless:
                config = copy.deepcopy(dict(initial_config.get(name, {})))
                instance._load_scenario(config, long_context=long_context)
            self.instances[name] = instance
            for attr in dir(instance):
                member = getattr(instance, attr)
                if not attr.startswith("_") and callable(member) and hasattr(member, "__self__"):
                    self.methods[attr] = member
        self.log: list[str] = []

    def state(self) -> dict[str, dict[str, Any]]:
        """The public attributes of every stateful instance (what the state check compares)."""
        return {
            name: {k: v for k, v in vars(inst).items() if not k.startswith("_")}
            for name, inst in self.instances.items()
        }

    def take_log(self) -> list[str]:
        """The result texts logged since the last call, and a fresh log."""
        taken, self.log = self.log, []
        return taken

    def tools(self, docs: Iterable[Mapping[str, Any]]) -> list[Tool]:
        """The docs as Tools bound to these instances; a doc without a method is an error."""
        tools = []
        for doc in docs:
            name = str(doc.get("name"))
            method = self.methods.get(name)
            if method is None:
                raise ConfigError(f"function {name!r} has no method in {', '.join(self.instances)}")
            tool = Tool.from_spec(doc, fn=self._logged(method))
            # A repeated identical call changes a stateful environment again: run every one.
            tool.allow_duplicates = True
            tools.append(tool)
        return tools

    def _logged(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                result = method(*args, **kwargs)
            except Exception as exc:
                self.log.append(error_text(exc))
                raise
            self.log.append(result_text(result))
            return result

        return run
