"""The action the user asked for, in other words than the enum's.

Tools that keep records take the action as an enum: a todo list's `type` of "add", "delete",
"complete", a server registry's `action` of "create", "read", "update", "delete". Users say
the action in their own words: "can you create todo for ...", "Remove the 'todo random'
item", "I need to remember to 'go to Goa'", "register a new server". A small model under a
call grammar picks the option it has seen most ("delete" for "create todo"); no option is
written, so `lamagent.gate.named_choices` has nothing to go by.

`action_choices(calls, tools, query)`: a string argument whose enum holds actions only
(options `ACTION_WORDS` knows: a permission's "read", "write", "admin" are no actions),
holding an option whose words the request does not say,
becomes the one option it does say: the option's own word or one of `ACTION_WORDS`' for it
("create", "new", "remember" say "add"; "remove" says "delete"; "retrieve" says "read"), in
any inflection ("completed", "removing"), outside the spans the user quoted (the todo's own
words: "Submit monthly report" asks for no submitting), not right after a "not" or "don't".
Left alone: a request that says two of the options ("add the new one and delete the old";
"create" says both "add" and "create" where an enum holds the two), a tool called more than
once in the turn (each call takes its own action), an option another argument of the call
holds. Nothing is generated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import enum_choices
from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["ACTION_WORDS", "action_choices", "said_actions"]

#: The verbs (and the odd adjective) that ask for each action a record-keeping enum holds.
ACTION_WORDS: Mapping[str, frozenset[str]] = {
    option: frozenset(said)
    for option, said in {
        "add": ("add", "create", "new", "insert", "include", "register", "remember", "append"),
        "create": ("create", "add", "new", "insert", "include", "register", "make"),
        "delete": ("delete", "remove", "erase", "drop", "discard"),
        "remove": ("remove", "delete", "erase", "drop", "discard"),
        "update": ("update", "change", "modify", "edit", "alter"),
        "complete": ("complete", "finish", "done"),
        "read": ("read", "retrieve", "fetch"),
    }.items()
}
#: A span the user quoted: the record's own words, not the action.
_QUOTED = re.compile(r"""(?<![\w])'[^'\n]*'(?![\w])|"[^"\n]*"|`[^`\n]*`""")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
#: Words after which the next says what not to do.
_NEGATIONS = frozenset({"not", "don't", "dont", "never", "without"})


def _forms(verb: str) -> set[str]:
    """`verb` and its inflections ("complete": "completes", "completed", "completing")."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return {verb, f"{verb}s", f"{stem}ed", f"{stem}ing", f"{verb}es", f"{verb}ed", f"{verb}ing"}


_SAYS: Mapping[str, frozenset[str]] = {
    option: frozenset(form for verb in said for form in _forms(verb))
    for option, said in ACTION_WORDS.items()
}


def said_actions(query: str, options: Sequence[str]) -> list[str]:
    """The options of `options` (actions `ACTION_WORDS` knows) whose words `query` says,
    outside quotes and not negated, in the order of `options`."""
    text = _QUOTED.sub(" ", query.lower())
    said = _WORD.findall(text)
    asked = {w for i, w in enumerate(said) if i == 0 or said[i - 1] not in _NEGATIONS}
    return [o for o in options if asked & _SAYS.get(o.lower(), frozenset())]


def action_choices(
    calls: Sequence[ToolCall], tools: Sequence[Tool], query: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each action the request does not say as the one it says (see the
    module's docstring), and a note per value changed ("todo.type: 'delete' as 'add', the
    action the user asked for")."""

    def choose(enum: list[Any], value: str) -> str | None:
        actions = [o for o in enum if isinstance(o, str) and o.lower() in ACTION_WORDS]
        if len(actions) != len(enum):
            return None  # an enum of other things too: a permission's "read" is no action
        said = said_actions(query, actions)
        return said[0] if len(said) == 1 and value not in said else None

    return enum_choices(calls, tools, choose, "the action the user asked for")
