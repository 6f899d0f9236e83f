"""A value that ran on past its parameter's default into what nobody wrote.

Tool authors state a default: "The API endpoint for fetching weather data, with a default
value pointing to the Open-Meteo API. Default: 'https://api.open-meteo.com/v1/forecast'".
A small model under a call grammar that writes the optional parameter anyway copies the
default and goes on: `"url": "https://api.open-meteo.com/v1/forecast/local/temperature"`, an
endpoint nobody named, which the tool would call.

`past_defaults(calls, tools, sources)`: an optional string argument whose value begins with
the default its parameter states (`lamagent.gate.reshape.stated_default`, three characters at
least) and goes on, becomes the default, when neither the value nor what follows the default
is written in the sources (the conversation's user messages and tool results; case aside):
the model wrote the default, then words of its own. A value the user wrote stays, and so does
one whose rest the user wrote ("Hilton 2018" where the user wrote 2018: the number tails' to
cut, `lamagent.gate.overruns`), unless that rest is only words of the parameter's own name:
"Hilton Hotel" for the `hotel_chain` whose default is "Hilton" ("any Hilton Hotel") is the
chain, Hilton, and "Hotel" says what kind of place the chain runs, which the parameter says
already. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import reshaped_calls, stated_default, tool_schemas
from lamagent.gate.signals import STOPWORDS, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["past_defaults"]


def _names_the_parameter(rest: str, parameter: str) -> bool:
    """Whether `rest` is words of the parameter's name, and no other ("Hotel" of
    `hotel_chain`; function words aside), after a separator."""
    if not rest[:1].isspace() and rest[:1] not in ",-_":
        return False  # "Hiltons": the default's own word goes on
    own = {stem(w) for w in words(parameter)}
    said = [w for w in words(rest) if w not in STOPWORDS]
    return bool(said) and all(stem(w) in own for w in said)


#: Fewest characters of a default a value can be said to begin with ("1", "no" begin too many).
MIN_DEFAULT_CHARS = 3


def past_defaults(
    calls: Sequence[ToolCall], tools: Sequence[Tool], sources: Sequence[str]
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each optional value that ran on past its parameter's default as the
    default (see the module's docstring), and a note per value changed ("get_current_weather
    .url: '.../forecast/local/temperature' as '.../forecast', its default; nobody wrote
    '/local/temperature'")."""
    schemas = tool_schemas(tools)
    required = {tool.name: set(tool.parameters.get("required") or ()) for tool in tools}
    written = "\n".join(sources).lower()

    def back(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if not isinstance(value, str) or not isinstance(spec, Mapping):
            return None
        if spec.get("type") != "string" or name in required.get(call.name, set()):
            return None
        default = stated_default(spec)
        if not isinstance(default, str) or len(default) < MIN_DEFAULT_CHARS:
            return None
        rest = value[len(default) :]
        if not value.startswith(default) or not rest.strip():
            return None
        if _names_the_parameter(rest, name):
            said = rest.strip(" ,-_")
            return default, f"{value!r} as {default!r}, its default; {said!r} names the parameter"
        if value.lower() in written or rest.strip().lower() in written:
            return None
        return default, f"{value!r} as {default!r}, its default; nobody wrote {rest!r}"

    return reshaped_calls(calls, back)
