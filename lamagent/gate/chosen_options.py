"""A list of a parameter's options holds those the user chose, not every option.

Where a list parameter's items take an enum ("Civil", "Divorce", "Immigration", "Business",
"Criminal"), a small model under a call grammar, once it has written the option the user
asked for, goes on through the enum: "a lawyer specializing in divorce cases" drafted with
all five specialties, "a gluten-free cookie recipe" with "Gluten Free", "Dairy Free", "Vegan"
and "Vegetarian". A tool would search for what nobody asked.

`chosen_options(calls, tools, query)`: a list argument whose items' enum holds an option the
user named (each of its words meets the request's words in a row, stems and prefixes aside:
"gluten-free" names "Gluten Free", "carbs" names "Carbohydrates") loses the items the
request does not speak to: an option none of whose words meets a word of the request, but for
the words of the options named ("Dairy Free" beside a named "Gluten Free": its "free" is the
named option's). Left alone: a list where the user named no option (what to keep is the
model's call), a list that would be left empty, and items that are no option of the enum.
Nothing is added: an option the user named that the list lacks may be another call's ("a
vegetarian place in one city and a vegan one in the other"), but for a list the model
closed empty at once ("strength and weakness traits" drafted `"traits": []`) and one that
writes a named option again and again (`["Fruits", "Fruits", "Fruits"]` for "organic fruits
and vegetables", an enum of "Organic", "Vegetables", "Fruits", ...): a list of options is a
set, and the model stopped choosing. Each becomes the options the user named, in the
request's order. Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import enum_values, reshaped_calls, tool_schemas
from lamagent.gate.signals import SaidWords, meets, named_at, named_in, stem, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["chosen_options"]


def _stems(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


def _named(option: str, said: SaidWords) -> bool:
    """Whether the request's words (`said`, stemmed) name `option`: its words in a row."""
    return named_in(_stems(option), said)


def _looped(value: list[Any], named: list[str]) -> bool:
    """Whether `value` writes an option again (a list of options is a set: the model looped),
    and writes only options the user named."""
    return len(set(map(str, value))) < len(value) and all(item in named for item in value)


def chosen_options(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each list of enum options cut to the options the request speaks to,
    where it names one, and a note per list cut."""
    said = SaidWords(_stems(query))
    pool = set(said.said)
    schemas = tool_schemas(tools)

    def chosen(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        schema = schemas.get(call.name, {}).get(name)
        if not isinstance(schema, Mapping) or schema.get("type") != "array":
            return None
        if not isinstance(value, list):
            return None
        options = [o for o in enum_values(schema) if isinstance(o, str)]
        named = [o for o in options if _named(o, said)]
        if not named:
            return None
        theirs = {word for option in named for word in _stems(option)}

        named.sort(key=lambda option: named_at(_stems(option), said)[0])  # the user's order
        if not value:  # the user named options and the model wrote none of them
            return named, f"[] as {named!r}, the options the user named"
        if _looped(value, named):
            return named, f"{value!r} as {named!r}, the options the user named"

        def unasked(item: Any) -> bool:
            if item in named or item not in options:
                return False
            return not any(w not in theirs and meets(w, pool) for w in _stems(item))

        kept = [item for item in value if not unasked(item)]
        if len(kept) == len(value) or not kept:
            return None
        return kept, f"{value!r} as {kept!r}, the options the user named"

    return reshaped_calls(calls, chosen)
