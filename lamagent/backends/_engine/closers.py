"""Which tokens close what a call list being written has open.

Near the token limit, and when a value goes round (`loop_watch`), an engine steers a
constrained call list to an end: among the tokens the grammar allows, those that close win
(their logits are raised by `CLOSER_BIAS`). Three kinds of token do that:

- *string closers*: `"`, then only `]`, `}` and spaces (`"`, `"}`, `"]]`);
- *structure closers*: only `]`, `}` and spaces;
- *part separators*: `,` or `, `. Inside a string whose schema has a `pattern` of parts
  joined by commas (the shapes of `example_shapes`: "City, ST"), the closing quote is not
  allowed until the last part is written: a model that went round inside the first part
  ("Chicago.IL.1.1.1.1...") can only end the value by going on to the next part. Where the
  grammar allows no string closer, the engine raises these instead, and the string closers
  take over once the value can end.

The grammar still decides what is allowed, so the output matches the schema either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CLOSER_BIAS", "Closers", "closers_of"]

#: Added to the logits of the closing tokens the grammar allows.
CLOSER_BIAS = 50.0

_PART_SEPARATORS = (",", ", ")


@dataclass(frozen=True)
class Closers:
    """Token ids of each kind of closer, in vocabulary order."""

    strings: tuple[int, ...]
    structures: tuple[int, ...]
    separators: tuple[int, ...]


def closers_of(pieces: Iterable[str | None]) -> Closers:
    """The closers of a vocabulary, from each token's text (None: a token that is no text)."""
    strings: list[int] = []
    structures: list[int] = []
    separators: list[int] = []
    for token, piece in enumerate(pieces):
        if piece is None:
            continue
        stripped = piece.strip()
        if stripped.startswith('"') and not stripped[1:].strip("]} "):
            strings.append(token)
        elif stripped and not stripped.strip("]} "):
            structures.append(token)
        elif piece in _PART_SEPARATORS:
            separators.append(token)
    return Closers(tuple(strings), tuple(structures), tuple(separators))
