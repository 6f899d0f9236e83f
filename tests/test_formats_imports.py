"""The formats package has no import cycle and no reach-in to another module's private names.

Every import statement counts: module level, inside functions, and under `TYPE_CHECKING`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import lamagent

PACKAGE_DIR = Path(lamagent.__file__).parent
FORMATS = "lamagent.formats"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def imports_of(name: str) -> set[tuple[str, str | None]]:
    """(module, imported name or None) for every import statement in the module."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.update((base, alias.name) for alias in node.names)
    return found


def edges(name: str) -> set[str]:
    """The lamagent modules `name` imports (a submodule when `from pkg import submodule`)."""
    out = set()
    for module, imported in imports_of(name):
        target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
        if target in MODULES and target != name:
            out.add(target)
    return out


def cycle_through(start: str, graph: Callable[[str], set[str]] = edges) -> list[str] | None:
    """An import cycle that passes through `start`, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph(node):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_import_cycle_through_formats() -> None:
    cycles = {m: c for m in MODULES if m.startswith(FORMATS) if (c := cycle_through(m))}
    assert cycles == {}


def test_formats_imports_no_private_names_of_other_modules() -> None:
    reach_ins = [
        (name, module, imported)
        for name in MODULES
        if name.startswith(FORMATS)
        for module, imported in imports_of(name)
        if module.startswith("lamagent") and imported and imported.startswith("_")
    ]
    assert reach_ins == []


def test_the_checker_finds_cycles_and_resolves_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_through("a", lambda m: graph[m]) == ["a", "b", "c", "a"]
    assert cycle_through("d", lambda m: graph[m]) is None
    # A TYPE_CHECKING import and a function-level one are edges too.
    assert "lamagent.tools" in edges("lamagent.formats.base")
    assert "lamagent.tools" in edges("lamagent.formats.grammar")
