"""A number the user wrote once that the model gave to two arguments.

Filling several number arguments of one call, a small model writes one of the user's numbers
twice: "a group size of 50 with extroverted members being 15" gives `"total": 15,
"extroverts": 15`; "net income of $2,000,000, ... and dividends paid of $200,000" gives
`"net_income": 200000, "dividends_paid": 200000`. A number written once is one argument's.

`shared_numbers(calls, tools, query)`: where two or more number arguments of a call hold the
same value and the user wrote that number once, the argument whose name or description meets
the words next to it (`mentions.said_numbers`: a few words before it, two after) keeps it,
when exactly one does. Each other argument

- takes a number the user wrote that no argument of the turn's calls holds: the one whose
  nearby words meet its name or description, when exactly one does; the only one there is,
  when none does;
- is left out when it is optional and no such number is left (the tool's default stands);
- else stays as drafted (two numbers it might take, or a required argument with no other
  value to take).

Left alone: numbers the user wrote twice or never (the model invented them, or the user gave
both arguments the same value), numbers shared by arguments none or several of which the
words name, booleans, and values inside lists or objects. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lamagent.gate.items import NUMBERS, number_argument, number_value
from lamagent.gate.mentions import parameter_number, said_numbers
from lamagent.gate.reshape import tool_properties
from lamagent.gate.signals import content_words, leaf_values, meets
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["drafted_number", "held_numbers", "shared_numbers"]


def _named_by(near: set[str], name: str, spec: Mapping[str, Any]) -> bool:
    """Whether the words `near` a number meet the parameter's name or description."""
    pool = content_words(name) | content_words(str(spec.get("description") or ""))
    return any(meets(word, pool) for word in near)


def held_numbers(arguments: Mapping[str, Any]) -> set[Decimal]:
    """The numbers the arguments hold, in any value ("iPhone 12" holds 12)."""
    return {
        n
        for leaf in leaf_values(arguments)
        for text in NUMBERS.findall(leaf)
        if (n := number_value(text)) is not None
    }


def drafted_number(draft: Any, number: Decimal, spec: Mapping[str, Any]) -> int | float:
    """`number` as the parameter `spec` takes it (an integer or a number), else in the type of
    the value drafted for it: an int where an int was drafted and the number is whole."""
    typed = parameter_number(number, spec)
    if typed:
        return typed[0]  # type: ignore[no-any-return]
    whole = number == number.to_integral_value()
    return int(number) if isinstance(draft, int) and whole else float(number)


def _shared_in(
    call: ToolCall, tool: Tool, said: list[tuple[Decimal, set[str]]], elsewhere: set[Decimal]
) -> tuple[ToolCall, list[str]]:
    """`call` with its shared numbers given out; `elsewhere`: the numbers other calls hold."""
    properties = tool_properties(tool)
    required = set(tool.parameters.get("required") or ())
    by_value: dict[Decimal, list[str]] = {}
    for name, value in call.arguments.items():
        number = number_argument(value)
        if number is not None and isinstance(properties.get(name), Mapping):
            by_value.setdefault(number, []).append(str(name))
    arguments = dict(call.arguments)
    notes: list[str] = []
    for number, names in by_value.items():
        mentions = [near for n, near in said if n == number]
        if len(names) < 2 or len(mentions) != 1:
            continue
        homes = [n for n in names if _named_by(mentions[0], n, properties[n])]
        if len(homes) != 1:
            continue
        for name in names:
            if name == homes[0]:
                continue
            spec = properties[name]
            held = held_numbers(arguments) | elsewhere
            free: dict[Decimal, set[str]] = {}
            for n, near in said:
                if n not in held:
                    free.setdefault(n, set()).update(near)
            named = [n for n, near in free.items() if _named_by(near, name, spec)]
            if len(named) == 1 or (not named and len(free) == 1):
                arguments[name] = drafted_number(arguments[name], (named or list(free))[0], spec)
                notes.append(
                    f"{call.name}.{name}: {number} is {homes[0]}'s, takes {arguments[name]}"
                )
            elif not free and name not in required:
                del arguments[name]
                notes.append(f"{call.name}.{name}: {number} is {homes[0]}'s, left out")
    if not notes:
        return call, []
    return call.model_copy(update={"arguments": arguments}), notes


def shared_numbers(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each number the user wrote once kept by one argument (see the module's
    docstring), and a note per argument changed ("tool.total: 15 is extroverts's, takes
    50")."""
    said = said_numbers(query)
    if not said:
        return list(calls), []
    by_name = {t.name: t for t in tools}
    out: list[ToolCall] = []
    notes: list[str] = []
    for i, call in enumerate(calls):
        tool = by_name.get(call.name)
        if tool is None:
            out.append(call)
            continue
        elsewhere = {
            n for j, other in enumerate(calls) if j != i for n in held_numbers(other.arguments)
        }
        changed, noted = _shared_in(call, tool, said, elsewhere)
        out.append(changed)
        notes.extend(noted)
    return out, notes
