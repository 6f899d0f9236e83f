"""A list of the user's words, in the user's order and without the model's own additions.

Asked for "a vegetarian pasta with cheese", a small model filling an `ingredients` list
copies the user's words in an order of its own and goes on with what it knows goes with them:
`["cheese", "pasta", "spaghetti"]`. The user named two ingredients, pasta first; the tool
would search for a third nobody asked for.

`user_items(calls, tools, query)`: a list argument whose items are open strings (no enum,
const or pattern) and whose value holds two or more items the user wrote (each item's words
in a row, case and plurals aside, once; up to `MAX_ITEM_WORDS` words) and otherwise only
lower-case items none of whose words (function words aside) the user wrote, becomes the
items the user wrote, in the order the request writes them. Left alone: a list with an item
the user wrote twice (a text that describes things and then lists them: which place gives
the order is open) or in part ("bag of rice" of "a five pound bag of rice"), with a
capitalised item the user did not write (a name may be the model's reading of the user's:
"Los Angeles" for "LA"), with an item that holds no letter (numbers are no words to order),
with fewer than two of the user's items, or in the user's order already with nothing added.
Nothing is generated.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_schemas
from lamagent.gate.signals import STOPWORDS, WordRuns, singular, words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["MAX_ITEM_WORDS", "user_items"]

#: The most words of an item looked up in the request (an item is a word or a phrase; the
#: request is read once per length).
MAX_ITEM_WORDS = 12


def _forms(text: str) -> list[str]:
    """The words of `text`, each in the singular ("apples" is "apple")."""
    return [singular(word) for word in words(text)]


def _added(item: str, said: Container[str]) -> bool:
    """Whether `item` is lower-case words, none of which (function words aside) the user
    wrote: the model's own."""
    content = [w for w in _forms(item) if w not in STOPWORDS]
    return item == item.lower() and bool(content) and not any(w in said for w in content)


def _user_order(value: list[Any], said: WordRuns, pool: set[str]) -> list[Any] | None:
    """The user's items of `value` in the user's order (see the module's docstring), or
    None when the list stays."""
    if not all(isinstance(item, str) and any(c.isalpha() for c in item) for item in value):
        return None  # numbers, or no strings: no words of the user's to order
    placed: list[tuple[int, int, str]] = []
    for index, item in enumerate(value):
        forms = _forms(item)
        places = said.at(forms) if len(forms) <= MAX_ITEM_WORDS else []
        if len(places) == 1:
            placed.append((places[0], index, item))
        elif places or not _added(item, pool):
            return None  # written twice (which place is its?), or in part
    if len(placed) < 2:
        return None
    ordered = [item for _, _, item in sorted(placed)]
    return ordered if ordered != value else None


def user_items(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each list of the user's words in the user's order, without the items the
    model added (see the module's docstring), and a note per list changed."""
    schemas = tool_schemas(tools)
    forms = _forms(query)
    said, pool = WordRuns(forms), set(forms)

    def as_written(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        schema = schemas.get(call.name, {}).get(name)
        if not isinstance(schema, Mapping) or not isinstance(value, list):
            return None
        if schema.get("type") != "array" or not open_string(schema.get("items")):
            return None
        ordered = _user_order(value, said, pool)
        if ordered is None:
            return None
        return ordered, f"{value!r} as {ordered!r}, the user's items in the user's order"

    return reshaped_calls(calls, as_written)
