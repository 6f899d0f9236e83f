"""The tool the user's words name, when the draft called another.

Offered several tools, a small model under a call grammar often calls one whose name the
user's words do not speak to: "the distance between New York City and Los Angeles" gives
`timezones.get_difference` beside `geodistance.find`, "the top 10 goal scorers" gives
`getTopAssists` beside `getTopGoalScorers`, "sort this list of names" gives `sum_elements`.
The arguments it writes are often right for the tool it should have called.

`named_tool(calls, tools, messages)` weighs each tool by the user's words: first how many
words of its name meet the words of the last user message (`signals.meets`: "closing" and
"price" of `avg_closing_price` for "the average closing price"), then, between tools whose
names meet as many, how many words of its description do (two more at least). It returns
the one tool that weighs most when the draft's calls all use another tool that weighs less;
else None (the draft's tool is as named as any, or its name as much and its description
one word less, two tools weigh the same, or the draft calls several tools: the user may
have asked for each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lamagent.gate.signals import content_words, meets, query_text
from lamagent.messages import MessageLike, ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["named_tool", "tool_weight"]

#: Between tools whose names meet as many of the user's words, how many more words of its
#: description the named tool must meet ("todo" of "Deletes a todo item" alone must not turn
#: "create todo" into `todo_delete`).
_DESCRIPTION_MARGIN = 2


def tool_weight(tool: Tool, asked: set[str]) -> tuple[int, int]:
    """How many words of the tool's name, then of its description, meet the words `asked`."""
    name = sum(meets(w, asked) for w in content_words(tool.name))
    description = sum(meets(w, asked) for w in content_words(tool.description or ""))
    return name, description


def named_tool(
    calls: Sequence[ToolCall], tools: Sequence[Tool], messages: Sequence[MessageLike]
) -> Tool | None:
    """The tool the user's words name more than the one the draft called, or None."""
    drafted = {call.name for call in calls}
    if len(tools) < 2 or len(drafted) != 1:
        return None
    asked = content_words(query_text(messages))
    if not asked:
        return None
    weights = {tool.name: tool_weight(tool, asked) for tool in tools}
    (drafted_name,) = drafted
    if drafted_name not in weights:
        return None
    best = max(weights.values())
    heaviest = [tool for tool in tools if weights[tool.name] == best]
    drafted_weight = weights[drafted_name]
    if len(heaviest) != 1 or drafted_weight >= best:
        return None
    if best[0] == drafted_weight[0] and best[1] - drafted_weight[1] < _DESCRIPTION_MARGIN:
        return None  # names alike, and one description word is too little to overrule
    return heaviest[0]
