"""A number the model meant to copy, as the user wrote it: its sign, all its digits.

Copying a number, a small model sometimes stops early or drops the sign: "at 6:30 PM" gives
`"minutes": 3`, "from 100 A.D to 1500 A.D." `"end_year": 150`, "from x = -2" `"start_x": 2`,
"a gravity of -9.81" `"gravity": 9.81`. The value it wrote is nowhere in the text; the one it
began copying is.

`written_numbers(calls, text)`: a number argument whose value the user did not write becomes

- the negative number the user wrote, when the user wrote it only with a minus sign ("-2",
  and no "2" anywhere) and the value is positive (a minus the model wrote is its reading of
  the words: "a loss of $1000" as -1000);
- else, for a whole number, the one whole number the user wrote whose digits begin with its
  digits ("30" for 3, "1500" for 150), when exactly one does and the call holds it in no other
  argument ("6:30": `hours` holds the 6).

A value the user wrote (in any form: "$2,000,000" is 2000000, "two tickets" is 2), a
fraction, zero, and a value no written number begins with stay as they are. Nothing else
changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lamagent.gate.items import GLUED_UNIT, NUMBER, number_argument, number_value
from lamagent.gate.mentions import NUMBER_WORDS
from lamagent.gate.reshape import reshaped_calls
from lamagent.gate.signals import leaf_values, words
from lamagent.messages import ToolCall

__all__ = ["written_numbers"]

#: A number standing on its own ("-2", "$2,000,000", "5cm"), not part of a word ("3x", "4y")
#: or of a date's digits after a hyphen ("2022-05-30": "05" is no negative number).
_WRITTEN = re.compile(rf"(?<![\w.$])({NUMBER})(?:{GLUED_UNIT})?(?!\w|\.\d)")


def _written(text: str) -> set[Decimal]:
    found: set[Decimal] = set()
    for match in _WRITTEN.finditer(text):
        number = number_value(match.group(1).rstrip("%"))
        if number is not None and number.is_finite():
            found.add(number)
    # and in words ("two tickets" writes the 2 that "2023" begins with)
    found.update(Decimal(NUMBER_WORDS[w]) for w in words(text) if w in NUMBER_WORDS)
    return found


def _whole(number: Decimal) -> bool:
    return number == number.to_integral_value()


def _digits(number: Decimal) -> str:
    return str(int(number))


def _as_drafted(draft: int | float, number: Decimal) -> int | float:
    return int(number) if isinstance(draft, int) and _whole(number) else float(number)


def _completed(number: Decimal, written: set[Decimal], held: set[Decimal]) -> Decimal | None:
    """The number the user wrote that `number` is a part of, or None."""
    if number == 0 or number in written:
        return None
    if number > 0 and -number in written:  # the sign dropped
        return -number
    # a minus the user did not write is the model's reading, not a copy ("a loss of $1000"
    # as -1000, "119.5383 W" as -119.5383)
    if number < 0 or not _whole(number):
        return None
    begun = {
        w
        for w in written - held
        if w > 0 and _whole(w) and _digits(w) != _digits(number)
        if _digits(w).startswith(_digits(number))
    }
    return begun.pop() if len(begun) == 1 else None


def written_numbers(calls: Sequence[ToolCall], text: str) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number the model began copying as the user wrote it, and a note per
    value changed ("tool.argument: 3 as 30, as written")."""
    written = _written(text)
    if not written:
        return list(calls), []

    def complete(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        number = number_argument(value)
        if number is None:
            return None
        held = {
            n
            for other, held_value in call.arguments.items()
            if other != name
            for leaf in leaf_values(held_value)
            if (n := number_value(leaf)) is not None
        }
        meant = _completed(number, written, held)
        if meant is None:
            return None
        drafted = _as_drafted(value, meant)
        return drafted, f"{value} as {drafted}, as written"

    return reshaped_calls(calls, complete)
