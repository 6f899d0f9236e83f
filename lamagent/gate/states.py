"""The US states the user named, as the two-letter codes a parameter asks for.

Tools that take a US state often take its postal code: `state` "The U.S. state abbreviation
where the purchase is made, such as 'CA' for California", `location` "in the format of
'City, State', such as 'Berkeley, CA'. State names must be abbreviated". The call grammar
holds such a value to its shape (`lamagent.tools.shapes`: two capitals), and a small model
that was never shown the code fills the shape with capitals of its own: "SJ" for "in San
Francisco, California", "NJ" for "in New York", "AZ" for "in California".

`state_codes(calls, tools, query)`: a string argument of a parameter that speaks of a state
(its name or description says "state") and whose description's examples end with a two- or
three-capital abbreviation takes the code of the state the user named by name:

- a value that is an abbreviation, or a state's name, alone: the code of the one US state the
  user named ("in New York" gives "NY"; "New York City" names New York too);
- a value "City, XX" (or "City, State name"): the code of the state the user wrote right after
  that city, with or without a comma ("Berkeley, California", "Berkeley California").

Left alone: a value that is the code already, a user who named no state or, for a value
alone, two; a city the user wrote with no state after it (which state a city is in is
knowledge the user did not give: "San Francisco, SJ" stays); "Washington D.C." (no state).
Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import reshaped_calls, tool_schemas
from lamagent.gate.signals import words
from lamagent.messages import ToolCall
from lamagent.tools.shapes import example_shapes

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["STATE_CODES", "said_states", "state_codes"]

#: The US states and the District of Columbia by name, with their postal codes.
STATE_CODES: dict[str, str] = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA",
    "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD",
    "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA",
    "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD", "Tennessee": "TN",
    "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "District of Columbia": "DC",
}  # fmt: skip
_BY_NAME = {name.lower(): code for name, code in STATE_CODES.items()}
_NAMES = "|".join(map(re.escape, STATE_CODES))
#: A state's name, not "Washington D.C." (the district, written by its other name).
_STATE = re.compile(rf"\b({_NAMES})\b(?!,?\s*D\.?\s?C\b)", re.IGNORECASE)
_ABBREVIATION_PART = re.compile(r"\[A-Z\]\{2(?:,3)?\}")
_CODE = re.compile(r"[A-Z]{2,3}")
_CITY_STATE = re.compile(r"(?P<city>.*\S),\s*(?P<state>[^,]+)")


def said_states(query: str) -> list[str]:
    """The codes of the US states `query` names, in order (each once)."""
    return list(dict.fromkeys(_BY_NAME[m.group(1).lower()] for m in _STATE.finditer(query)))


def _asks_for_code(name: str, spec: Any) -> bool:
    """Whether parameter `name` speaks of a state and its examples end with an
    abbreviation."""
    if not isinstance(spec, Mapping):
        return False
    description = str(spec.get("description") or "")
    if "state" not in words(name) and "state" not in words(description):
        return False
    return any(s and _ABBREVIATION_PART.fullmatch(s[-1]) for s in example_shapes(description))


def _state_after(city: str, query: str) -> str | None:
    """The code of the state the user wrote right after `city` (a comma between or not)."""
    found = re.search(rf"(?<!\w){re.escape(city)},?\s+({_NAMES})\b", query, re.IGNORECASE)
    return _BY_NAME[found.group(1).lower()] if found else None


def state_codes(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each state a parameter asks a code for as the code of the state the
    user named (see the module's docstring), and a note per value changed."""
    named = said_states(query)
    if not named:
        return list(calls), []
    schemas = tool_schemas(tools)

    def coded(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not _asks_for_code(name, spec):
            return None
        text = value.strip()
        pair = _CITY_STATE.fullmatch(text)
        if pair is None:
            if len(named) != 1 or not (_CODE.fullmatch(text) or text.lower() in _BY_NAME):
                return None
            code = named[0]
            new = code
        else:
            state = pair.group("state").strip()
            if not (_CODE.fullmatch(state) or state.lower() in _BY_NAME):
                return None
            code = _state_after(pair.group("city"), query) or ""
            new = f"{pair.group('city')}, {code}"
        if not code or new == text:
            return None
        return new, f"{value!r} as {new!r}, the code of the state the user named"

    return reshaped_calls(calls, coded)
