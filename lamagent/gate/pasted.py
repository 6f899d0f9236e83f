"""A text the user pasted after a colon, for the parameter that takes a text.

Users hand a tool a text by pasting it after a line that says what it is: "Sure, here is the
answer to the question:" and then, on lines of its own, "**Logistic regression is not
present in the text, therefore I cannot answer this question.**", for `answer.string(answer)`
"The response provided by the LLM in plain text". A small model under a call grammar writes
a text of its own ("no answer"), or copies the pasted text and goes on with one of its own
("... cannot answer this question. However, I can answer this question based on ...").

`pasted_values(calls, tools, query)`: where the request ends with a block pasted after a
colon and a line break (a text of `MIN_WORDS` words or more, its enclosing quotes or
emphasis marks dropped: `**...**`, `"..."`), the one open string parameter of a call's tool
whose name says it takes a text ("text", "content", "answer", "response", "output",
"passage", "document", "body"), or whose description says "plain text", takes the block
(after the last such colon), when the call holds something else there. Left alone: a
request with no such block, or with one that words follow on the colon's line ("Summarize
this: it is short"), or of several paragraphs (instructions that go on after a heading's
colon), a tool with two parameters that take a text (which one is the model's call), and a
value that is the block already. Line breaks written as "\\n" (an escaped line break, as
logs and datasets carry them) count as line breaks. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_properties
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["TEXT_WORDS", "pasted_block", "pasted_values", "takes_text"]

#: Words of a parameter's name or description that say it takes a text.
TEXT_WORDS = frozenset(
    {"text", "content", "answer", "response", "output", "passage", "document", "body"}
)
#: Fewest words of a pasted block.
MIN_WORDS = 3
#: A colon that ends its line (the line break written or escaped: "\\n").
_COLON_LINE = re.compile(r":[ \t]*(?:\r?\n|\\n)+")
#: A blank line: where one paragraph ends and another begins.
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
#: Marks that enclose a whole block and are no part of it.
_ENCLOSING = re.compile(r"^(\*\*|__|\*|_|\"|'|`|“)(?P<inner>[\s\S]+?)(\*\*|__|\*|_|\"|'|`|”)$")


def pasted_block(query: str) -> str | None:
    """The block the request ends with, pasted after a colon and a line break, its
    enclosing quotes or emphasis dropped; None where there is none."""
    ends = [m.end() for m in _COLON_LINE.finditer(query)]
    if not ends:
        return None
    block = query[ends[-1] :].replace("\\n", "\n").strip()
    if _PARAGRAPHS.search(block):
        return None  # paragraphs go on after the colon: instructions, not one pasted text
    while (enclosed := _ENCLOSING.match(block)) is not None:
        block = enclosed.group("inner").strip()
    return block if len(words(block)) >= MIN_WORDS else None


def takes_text(name: str, spec: Any) -> bool:
    """Whether parameter `name` (its schema `spec`) is an open string that takes a text."""
    if not isinstance(spec, Mapping) or not open_string(spec):
        return False
    description = str(spec.get("description") or "")
    return bool(TEXT_WORDS.intersection(words(name))) or "plain text" in description.lower()


def pasted_values(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with the one parameter of each call's tool that takes a text holding the
    block the request ends with (see the module's docstring), and a note per value
    changed."""
    block = pasted_block(query)
    if block is None:
        return list(calls), []
    # each tool's parameters that take a text, read once (a call may hold thousands)
    texts = {
        tool.name: [n for n, spec in tool_properties(tool).items() if takes_text(str(n), spec)]
        for tool in tools
    }

    def paste(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        if not isinstance(value, str) or value.strip() == block:
            return None
        if texts.get(call.name) != [name]:
            return None
        return block, f"{value!r} as the text pasted after the colon"

    return reshaped_calls(calls, paste)
