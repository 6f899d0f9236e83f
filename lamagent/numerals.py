"""How people write the numbers JSON writes otherwise: with a magnitude ("50 million", "$1.2M")
or in scientific notation ("1e-9").

Read by the copy bias (a number value that began a magnitude's digits goes on to the whole
number) and by the call rules (which numbers the user wrote, and what a number written with a
magnitude is).
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["MAGNITUDE", "MAGNITUDES", "SCIENTIFIC", "magnitude_numbers", "scientific_numbers"]

#: A number followed by a magnitude word ("50 million", "1.5 billion").
MAGNITUDE = re.compile(
    r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(thousand|million|billion|trillion)\b", re.IGNORECASE
)
#: An amount of money written with a magnitude's letter ("$1M", "$2.5B", "$300K").
_MONEY_MAGNITUDE = re.compile(r"\$(\d+(?:\.\d+)?)([KMB])\b")
MAGNITUDES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_LETTERS = {"K": 10**3, "M": 10**6, "B": 10**9}
#: A number in scientific notation ("1e-9", "6.02E23").
SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+\b")


def magnitude_numbers(text: str) -> list[tuple[Decimal, Decimal]]:
    """Each number `text` writes with a magnitude, in order, as (the digits written, the whole
    number): "50 million" gives (50, 50000000), "$1.2M" (1.2, 1200000)."""
    found: list[tuple[int, Decimal, Decimal]] = []
    for match in MAGNITUDE.finditer(text):
        head = Decimal(match.group(1))
        found.append((match.start(), head, head * MAGNITUDES[match.group(2).lower()]))
    for match in _MONEY_MAGNITUDE.finditer(text):
        head = Decimal(match.group(1))
        found.append((match.start(), head, head * _LETTERS[match.group(2)]))
    return [(head, whole) for _, head, whole in sorted(found, key=lambda f: f[0])]


def scientific_numbers(text: str) -> list[Decimal]:
    """The numbers `text` writes in scientific notation ("1e-9" gives 1E-9)."""
    return [Decimal(match.group()) for match in SCIENTIFIC.finditer(text)]
