"""The unit the user asked the answer in, for the tool's parameter that takes it.

Tools that compute a quantity take the unit of their answer as an optional parameter: "The
unit in which the speed should be calculated, default is m/s.", "Preferred unit of distance
(optional, default is kilometers).". Users ask for it in passing: "the speed of an object in
km/h", "the shortest driving distance in miles". A small model under a call grammar writes
the required arguments and closes the call; the unit is lost, and the answer comes in the
default.

`asked_units(calls, tools, query)`: a string parameter left open by its schema (no enum: the
grammar and `lamagent.gate.options` keep those), named a unit (`unit`, `units`, `to_unit`,
`temp_unit`; not a unit converted from), the only parameter of its tool named a unit (a
conversion's `from_unit` and `to_unit` are `lamagent.gate.directed`'s to order), takes the unit
the user asked for "in" (or "into"), as the user wrote it, when:

- the parameter measures one kind of quantity: the kind of the default its description
  states ("default is m/s": a speed, "Defaults to 'cm'": a length), else of the one kind its
  description names ("the distance", "the temperature");
- the user wrote one unit of that kind after "in" or "into" ("in km/h", "in miles"; "450
  meters in 20 seconds" asks for no speed), perhaps several times, and no other (the
  kilometers of one leg and the miles of another are the model's to place);
- the call left the parameter out, or holds a unit of that kind the user wrote nowhere
  ("km" where the user asked "in miles").

Where the description lists the options ("('miles' or 'kilometers')"), the value is the option
that is the unit asked for ("miles" of "in mile"); a unit none of them is stays unasked.

Units are those of `lamagent.units`. Nothing else changes; nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.options import parameter_options
from lamagent.gate.reshape import filled_parameters, open_string, stated_default, tool_properties
from lamagent.gate.signals import words
from lamagent.messages import ToolCall
from lamagent.units import kind, unit_key

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["asked_unit", "asked_units", "unit_kind"]

#: A unit asked for: the word (or "km/h", "°F") after "in" or "into".
#: A word that may write a unit ("miles", "km/h", "°F").
_UNIT_WORD = r"[^\W\d_]+(?:/[^\W\d_]+)?|°[cfCF]"
_ASKED = re.compile(rf"\b(?:in|into)\s+({_UNIT_WORD})(?![\w/])", re.IGNORECASE)
#: Words of a parameter's name that make it the unit of an input, not of the answer.
_FROM_WORDS = frozenset({"from", "source", "input", "original"})
#: The kind of quantity a description's words name, where it states no default unit.
_KIND_WORDS = {
    "distance": "length",
    "length": "length",
    "radius": "length",
    "height": "length",
    "speed": "speed",
    "velocity": "speed",
    "weight": "mass",
    "mass": "mass",
    "temperature": "temperature",
    "volume": "volume",
}


def _named_unit(name: str) -> bool:
    return bool(set(words(name)) & {"unit", "units"})


def unit_kind(spec: Mapping[str, Any]) -> str | None:
    """The kind of quantity a unit parameter measures (see the module's docstring), or
    None."""
    default = stated_default(spec)
    if isinstance(default, str) and kind(default) is not None:
        return kind(default)
    named = {_KIND_WORDS[w] for w in words(str(spec.get("description") or "")) if w in _KIND_WORDS}
    return named.pop() if len(named) == 1 else None


def asked_unit(query: str, unit_of: str) -> str | None:
    """The one unit of kind `unit_of` the user asked for after "in" or "into", as written;
    None for none or two."""
    return _asked_units(query).get(unit_of)


def _asked_units(query: str) -> dict[str, str]:
    """The one unit of each kind the user asked for (see `asked_unit`), by kind."""
    by_kind: dict[str, list[str]] = {}
    for match in _ASKED.finditer(query):
        unit_of = kind(match.group(1))
        if unit_of is not None:
            by_kind.setdefault(unit_of, []).append(match.group(1))
    return {k: a[0] for k, a in by_kind.items() if len({unit_key(u) for u in a}) == 1}


def asked_units(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each tool's unit parameter holding the unit the user asked for (see the
    module's docstring), and a note per value set ("calculate_speed.to_unit: none as 'km/h',
    the unit asked for")."""
    written = {unit_key(w) for w in re.findall(_UNIT_WORD, query)}
    asked_of = _asked_units(query)
    named_of: dict[str, list[str]] = {}  # each tool's parameters named a unit

    def fill(
        call: ToolCall, tool: Tool, name: str, spec: Mapping[str, Any]
    ) -> tuple[Any, str] | None:
        if not open_string(spec) or not _named_unit(name) or set(words(name)) & _FROM_WORDS:
            return None
        if tool.name not in named_of:
            named_of[tool.name] = [str(p) for p in tool_properties(tool) if _named_unit(str(p))]
        # the tool's only parameter named a unit: a conversion's are `directed`'s
        unit_of = unit_kind(spec) if named_of[tool.name] == [name] else None
        asked = asked_of.get(unit_of) if unit_of else None
        if asked is None:
            return None
        options = parameter_options(spec)  # "('miles' or 'kilometers')": "mile" is "miles"
        if options:
            same = [o for o in options if unit_key(o) == unit_key(asked)]
            if not same:
                return None
            asked = same[0]
        if name in call.arguments:
            held = call.arguments[name]
            if not isinstance(held, str) or kind(held) != unit_of or unit_key(held) in written:
                return None
        was = repr(call.arguments[name]) if name in call.arguments else "none"
        return asked, f"{was} as {asked!r}, the unit asked for"

    return filled_parameters(calls, tools, fill)
