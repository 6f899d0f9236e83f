"""Plain lamagent tools, served over MCP by `lamagent mcp serve` in the tests."""

from __future__ import annotations

from lamagent import tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first number
        b: the second number
    """
    return a + b


@tool
def divide(a: float, b: float) -> dict[str, float]:
    """Divide a by b."""
    return {"quotient": a / b}


def not_a_tool() -> None:
    """Left out: not decorated with @tool."""
