"""The switches the user named, on or off: "keep the transaction private", "don't return
full text".

A boolean parameter is named by its words: "assuming equal variance" names
`equal_variance`, "with quality monitoring" `monitoringEnabled` (the words that only say a
name is a switch, "enabled", "include", "apply", ..., aside), and, for a name of two such
words, by the first, which says what the second is: "keep the transaction private" names
`private_visibility` ("the variance" names no `equal_variance`), unless that word is one of
the tool's name ("how much tax" names no `tax_exempt` of `calculate_tax`; its description
may describe the switch itself: "The transaction can be marked as private"). A negation right
before the name ("don't", "without", "disable", "no", ...) names it off.

`said_switches(tool, query)` reads them; the mentions rule asks for each switch named on that
a call left out or set false (`lamagent.gate.mentions.named_switches`), and
`negated_switches(calls, tools, query)` writes false where a call set true a switch the user
named off ("Don't return full text" drafted `"full_text": true`), and
`unasked_switches(calls, tools, query)` leaves out an optional switch a call set true that the
user neither named nor spoke of (no word of its description is one of the request's: users
ask for switches in their own words, "including the ones in subdirectories" for `recursive`,
"one that services both men and women" for `is_unisex`), where its parameter states false as
its default or states none: "Give me a brief on movie 'Interstellar'" drafted
`"extra_info": true`, an "Option to get additional information like Director, Cast, Awards
etc.". Left out, the tool's default applies. Nothing is generated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import reshaped_calls, stated_default, tool_properties, without_optional
from lamagent.gate.signals import content_words, meets, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["SWITCH_WORDS", "negated_switches", "said_switches", "unasked_switches"]

#: Stems of the words of a switch's name that say it is a switch, not what it switches
#: ("monitoringEnabled", "include_forecast"; "is", "has", "use" are stop words already).
SWITCH_WORDS = frozenset(
    stem(w) for w in ("enabled", "enable", "include", "apply", "allow", "flag")
)
#: Words that, just before a switch's name, say the user wants it off.
_NEGATIONS = frozenset(
    ("not", "no", "without", "don", "dont", "never", "disable", "disabled", "exclude", "nor")
)
#: How many words before a switch's name a negation still speaks to it.
_NEGATION_REACH = 3
#: A switch's name of this many words may be named by its first: the word that says what the
#: other is ("private" of `private_visibility`, "full" of `full_text`).
_MODIFIED = 2


def said_switches(tool: Tool, query: str) -> dict[str, bool]:
    """The boolean parameters of `tool` that `query` names, each on, or off where a negation
    stands right before the name ("don't return full text", "disable the power-saving
    mode"). A query names a switch by every word of its name but the switch words
    ("enabled", "include", ...), or, for a name of two such words, by the first, which says
    what the second is ("keep the transaction private" names `private_visibility`; "the
    variance" names no `equal_variance`), unless that word is one of the tool's name ("how
    much tax" names no `tax_exempt` of `calculate_tax`)."""
    said = words(query)
    stems = [next(iter(content_words(w)), "") for w in said]  # "" for a stop word
    # the tool's name is its subject, which the query says whatever it asks of it (not its
    # description: that may describe the switch, "The transaction can be marked as private")
    subject = content_words(tool.name.replace(".", " ").replace("_", " "))
    found: dict[str, bool] = {}
    for name, spec in tool_properties(tool).items():
        if not isinstance(spec, Mapping) or spec.get("type") != "boolean":
            continue
        keys = [k for w in words(str(name)) for k in content_words(w) if k not in SWITCH_WORDS]
        # where the message first says each word of the name (None: it does not)
        first = [next((i for i, s in enumerate(stems) if meets(k, {s})), None) for k in keys]
        if not keys or first[0] is None:
            continue
        if None in first and (len(keys) != _MODIFIED or meets(keys[0], subject)):
            continue  # every word said, or the first of two: "private" of private_visibility
        start = min(i for i in first if i is not None)
        found[str(name)] = not _NEGATIONS & set(said[max(0, start - _NEGATION_REACH) : start])
    return found


def negated_switches(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each boolean argument written true that the user named off
    (`said_switches`: "Don't return full text" drafted `"full_text": true`) as false, and a
    note per value changed."""
    by_name = {tool.name: tool for tool in tools}
    said: dict[str, dict[str, bool]] = {}  # read once per tool a call uses

    def off(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        tool = by_name.get(call.name)
        if value is not True or tool is None:
            return None
        if call.name not in said:
            said[call.name] = said_switches(tool, query)
        if said[call.name].get(name, True):
            return None
        return False, "true as false, the switch the user named off"

    return reshaped_calls(calls, off)


#: Defaults that say a switch is off unless asked for.
_OFF = (None, False, "false", "False", "FALSE")


def unasked_switches(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` without the optional boolean arguments written true that the user neither
    named (`said_switches`) nor spoke of (a word of the description), of parameters whose
    default is false or not stated, and a note per argument left out
    ("movie_details.brief.extra_info: true, a switch the user neither named nor spoke of, left
    out")."""
    by_name = {tool.name: tool for tool in tools}
    said: dict[str, dict[str, bool]] = {}  # read once per tool a call uses

    def unasked(call: ToolCall, name: str, value: Any, spec: Mapping[str, Any]) -> str | None:
        tool = by_name.get(call.name)
        if value is not True or tool is None or spec.get("type") != "boolean":
            return None
        if stated_default(spec) not in _OFF:
            return None
        if call.name not in said:
            said[call.name] = said_switches(tool, query)
        if name in said[call.name] or content_words(str(spec.get("description") or "")) & asked:
            return None  # named, or spoken of in other words ("including subdirectories")
        return "true, a switch the user neither named nor spoke of"

    asked = content_words(query)
    return without_optional(calls, tools, unasked)
