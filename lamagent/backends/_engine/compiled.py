"""Constraint keys and the cache of compiled grammars: each tool set is compiled once.

Compiling a call grammar (GBNF text, an xgrammar `CompiledGrammar`) costs milliseconds to
seconds; an agent sends the same constraint on every step. Engines keep compiled grammars in a
`CompiledCache` under `constraint_key`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from lamagent.backends.base import Constraint

T = TypeVar("T")


def constraint_key(constraint: Constraint) -> str:
    """The constraint's own `key`, or a hash of its content when it has none."""
    return constraint.cache_key


class CompiledCache(Generic[T]):
    """Compiled grammars by constraint key, built by `compile` on first use (thread-safe)."""

    def __init__(self, compile: Callable[[Constraint], T]) -> None:
        self._compile = compile
        self._compiled: dict[str, T] = {}
        self._lock = threading.Lock()

    def get(self, constraint: Constraint) -> T:
        """The compiled form of `constraint`, compiling it the first time its key is seen."""
        key = constraint_key(constraint)
        with self._lock:
            if key in self._compiled:
                return self._compiled[key]
        compiled = self._compile(constraint)  # outside the lock: compiling may take seconds
        with self._lock:
            return self._compiled.setdefault(key, compiled)

    def keys(self) -> list[str]:
        """Keys compiled so far (for tests and diagnostics)."""
        with self._lock:
            return list(self._compiled)

    def __len__(self) -> int:
        with self._lock:
            return len(self._compiled)
