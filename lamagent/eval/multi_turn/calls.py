"""Ground-truth calls: BFCL writes them as Python call text (`cd(folder='document')`).

The text is parsed with `ast` into a name and arguments, each argument read with
`ast.literal_eval` (literals only: strings, numbers, lists, dicts, tuples, booleans, None), and
the named method of the environment is called. Nothing is evaluated: a call of anything but a
bare name, or an argument that is not a literal, is rejected.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lamagent.errors import LamagentError
from lamagent.eval.multi_turn.environments import Environment, error_text, result_text

__all__ = ["GroundTruthCall", "execute_ground_truth", "parse_ground_truth"]


@dataclass(frozen=True)
class GroundTruthCall:
    """A parsed call: the function name, positional and keyword literal arguments."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def arguments(self, env: Environment) -> dict[str, Any]:
        """All arguments by parameter name (positional ones named from the method's signature)."""
        method = env.methods.get(self.name)
        if method is None:
            raise LamagentError(f"ground-truth call of unknown function {self.name!r}")
        bound = inspect.signature(method).bind(*self.args, **self.kwargs)
        return dict(bound.arguments)


def _literal(node: ast.expr, text: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise LamagentError(
            f"ground-truth call {text!r}: argument {ast.unparse(node)!r} is not a literal"
        ) from exc


def parse_ground_truth(text: str) -> GroundTruthCall:
    """`name(arg, key=value, ...)` with literal arguments, or a `LamagentError` saying why not."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise LamagentError(f"ground-truth call {text!r} is not Python call syntax") from exc
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise LamagentError(f"ground-truth call {text!r} is not a call of a plain function name")
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise LamagentError(f"ground-truth call {text!r} unpacks arguments (* or **)")
    args = tuple(_literal(a, text) for a in call.args)
    kwargs = {str(k.arg): _literal(k.value, text) for k in call.keywords}
    return GroundTruthCall(call.func.id, args, kwargs)


def execute_ground_truth(env: Environment, calls: Sequence[str]) -> list[str]:
    """Run a turn's ground-truth calls on `env` in order; their result texts (BFCL's form).

    Every call is parsed before any runs, so a malformed turn changes nothing. A method that
    raises gives BFCL's error text, as it does when BFCL executes the ground truth.
    """
    parsed = [parse_ground_truth(c) for c in calls]
    results = []
    for call in parsed:
        method = env.methods.get(call.name)
        if method is None:
            raise LamagentError(
                f"ground-truth call of unknown function {call.name!r}; "
                f"known: {', '.join(sorted(env.methods))}"
            )
        try:
            results.append(result_text(method(*call.args, **call.kwargs)))
        except Exception as exc:
            results.append(error_text(exc))
    return results
