"""Which BFCL categories lamagent evaluates, and how: one place for the whole `eval` package.

BFCL's data folder (the `bfcl-eval` package's, or a copy) holds three kinds of file beside the
single-turn cases: multi-turn cases (stateful environments, several user turns: evaluated in a
run of their own), BFCL v4's agentic categories (memory: evaluated per backend, `memory_kv`
and the others, in a run of their own; web search: not evaluated), and `format_sensitivity`,
which is no cases at all but a selection of other categories' case ids. A run over a whole
folder evaluates the single-turn categories and names what it left out and why; asking for a
category it cannot evaluate is an error that says why.
"""

from __future__ import annotations

__all__ = [
    "MEMORY_CATEGORIES",
    "MULTI_TURN_CATEGORIES",
    "is_memory",
    "is_multi_turn",
    "not_single_turn",
]

#: The multi-turn categories of BFCL v3 (v4 keeps them unchanged).
MULTI_TURN_CATEGORIES = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)

#: BFCL v4's memory categories, one per memory backend (all read `BFCL_v*_memory.json`).
MEMORY_CATEGORIES = ("memory_kv", "memory_rec_sum", "memory_vector")

_MULTI_TURN = (
    "a multi-turn category: evaluate it in a run of its own "
    "(evaluate_bfcl(..., categories=[{category!r}]) or `lamagent eval bfcl -c {category}`)"
)

#: BFCL files that hold no single-turn cases lamagent can evaluate, and why.
_NOT_EVALUATED = {
    "memory": (
        "an agentic category of BFCL v4, one per memory backend: evaluate "
        f"{', '.join(MEMORY_CATEGORIES)} in a run of their own (`lamagent eval bfcl -c "
        "memory_kv`)"
    ),
    "web_search": (
        "an agentic category of BFCL v4: its tools search and fetch the live web; lamagent "
        "does not evaluate it yet"
    ),
    "format_sensitivity": (
        "not cases but a selection of other categories' case ids, for BFCL's study of prompt "
        "formats; evaluate those categories instead"
    ),
}


def is_multi_turn(category: str) -> bool:
    """True for BFCL's multi-turn categories."""
    return category in MULTI_TURN_CATEGORIES


def is_memory(category: str) -> bool:
    """True for BFCL v4's memory categories (`memory_kv`, ...)."""
    return category in MEMORY_CATEGORIES


def not_single_turn(category: str) -> str | None:
    """Why `category` is not read as single-turn cases, or None when it is."""
    if is_multi_turn(category):
        return _MULTI_TURN.format(category=category)
    if is_memory(category):
        return "a memory category of BFCL v4: evaluate it in a run of its own"
    return _NOT_EVALUATED.get(category)
