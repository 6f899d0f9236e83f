"""A parameter that takes the user's own words, where the model copied a part of them.

Some tools take what the user said as it is: `chat_with_friend(user_message)` "The user's
message to the bunny", `answer_question(statement)` "The question posed by the user that
needs to be transferred to a human agent". A small model under a call grammar copies a piece
of the sentence ("Hey bunny" of "Hey bunny, How are you doing", "submit" of "I have had submit
a compaint and I like to check its status") and closes the string.

`own_words(calls, tools, query)`: a string argument (no enum, pattern or const) of a parameter
whose name says it holds a message ("message", "question", "statement", "query", "prompt",
"utterance", "request", "input") and whose description says the words are the user's ("the
user's message", "posed by the user", "made by the user") takes the sentence of the request
that holds its value, when its value is a part of exactly one sentence (whole words, case
aside, three characters at least: "a" is a part of every sentence) and not that sentence
already. Left alone: a value of no sentence (the model's own: it may be what
the tool wants said, and no rule knows better), a value of two sentences, a parameter whose
description says nothing of the user ("The search query", "the message displayed to the
user"). Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import open_string, reshaped_calls, tool_properties
from lamagent.gate.sentences import request_sentences
from lamagent.gate.signals import words
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["own_words"]

#: Words of a parameter's name that say it holds a message.
MESSAGE_WORDS = frozenset(
    {"message", "question", "statement", "query", "prompt", "utterance", "request", "input"}
)
#: Fewest characters of a value read as a part of a sentence.
MIN_PART_CHARS = 3
#: A description that says the words are the user's.
_USERS = re.compile(
    r"\buser'?s\b|\b(?:posed|made|provided|asked|sent|written|typed|entered|given|said)\s+by\s+"
    r"the\s+user\b",
    re.IGNORECASE,
)


def _takes_own_words(name: str, spec: Any) -> bool:
    if not isinstance(spec, Mapping) or not open_string(spec):
        return False
    description = spec.get("description")
    return (
        bool(MESSAGE_WORDS.intersection(words(name)))
        and isinstance(description, str)
        and _USERS.search(description) is not None
    )


def own_words(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value of a parameter that takes the user's own words that is a part
    of one of the request's sentences as that sentence, and a note per value changed."""
    by_name = {tool.name: tool for tool in tools}
    sentences = request_sentences(query)

    def whole(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        tool = by_name.get(call.name)
        if tool is None or not isinstance(value, str):
            return None
        if not _takes_own_words(name, tool_properties(tool).get(name)):
            return None
        part = value.strip().lower()
        if len(part) < MIN_PART_CHARS:
            return None  # "a" is a part of every sentence
        within = re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")
        holders = [s for s in sentences if within.search(s.lower())]
        if len(holders) != 1 or holders[0].strip().lower() == part:
            return None
        return holders[0], f"{value!r} as {holders[0]!r}, the user's own words"

    return reshaped_calls(calls, whole)
