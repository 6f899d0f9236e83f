"""Whether a drafted call was already made: the gate's `repeated` signal.

A small model that has a tool's result in front of it often calls the tool again instead of
answering. A drafted call *repeats* one made since the user's last message when the two are
the same call once compared as values:

- the arguments the call left out take the defaults the tool's schema gives (`{"location":
  "London"}` is `{"location": "London", "unit": "celsius"}` when "celsius" is the default),
  and arguments the tool does not declare are left out (the embedded model drafted
  `get_weather(location="Tokyo", temperature=14, conditions="light rain")`, copying the
  result of `get_weather(location="Tokyo")`, which verification would refuse anyway);
- numbers compare as numbers (`68` is `68.0`);
- strings compare up to letter case and surrounding spaces (`"C"` after `"c"`), unless that
  call's result was an error (`{"error": ...}`): then only the same call exactly repeats, and
  another spelling is a retry.

A call that feeds a tool its own answer back repeats it too: the model asks again what it was
told. Asked "What time is it in Tokyo?", the embedded model drafted `local_time("UTC+0900")`
after `local_time("Asia/Tokyo")` had given "2026-12-05 08:38:20 JST (UTC+0900), Saturday". A
drafted call *echoes* a call of the same tool made since the user's last message, whose
result was no error, when it gives some arguments that call gave other values, and each such
value is one the result writes (text of two characters at least, or a number; case aside)
and no user message writes. An argument that call did not give is no echo: a page token the
result handed over asks for more.

A user who asks again is no loop (the weather may have changed since). A tool that sets
`allow_duplicates` (its result may change: a listing after a `cd`) repeats only the calls of
the latest call list, and never echoes: its own output may well be its next input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lamagent.gate.reshape import schema_defaults, tool_properties
from lamagent.messages import Message, ToolCall
from lamagent.tools.execute import call_key

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = ["repeats"]


def _same_form(value: Any, loose: bool) -> Any:
    """`value` in the form two calls are compared in: numbers as floats, and with `loose` the
    strings folded (letter case, surrounding spaces)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return value.strip().casefold() if loose else value
    if isinstance(value, Mapping):
        return {str(k): _same_form(v, loose) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_same_form(v, loose) for v in value]
    return str(value)


def _is_error(result: Any) -> bool:
    """A tool result in lamagent's error shape (`{"error": ...}`), as a value or as JSON text."""
    if isinstance(result, str) and result.lstrip().startswith("{"):
        try:
            result = json.loads(result)
        except ValueError:
            return False
    return isinstance(result, Mapping) and "error" in result


class _Keys:
    """The forms in which calls of these tools are compared."""

    def __init__(self, tools: Sequence[Tool]) -> None:
        self.defaults = {t.name: schema_defaults(tool_properties(t)) for t in tools}
        self.declared = {t.name: set(tool_properties(t)) for t in tools}

    def key(self, call: ToolCall, loose: bool) -> str:
        """The call's identity (`lamagent.tools.execute.call_key`) in the compared form."""
        arguments = {**self.defaults.get(call.name, {}), **call.arguments}
        declared = self.declared.get(call.name)
        if declared:  # an argument the tool does not have makes no call new
            arguments = {k: v for k, v in arguments.items() if k in declared}
        compared = call.model_copy(update={"arguments": _same_form(arguments, loose)})
        return ("~" if loose else "=") + call_key(compared)

    def both(self, call: ToolCall) -> set[str]:
        return {self.key(call, loose=False), self.key(call, loose=True)}

    def made(self, lists: Sequence[Sequence[ToolCall]], results: Mapping[Any, Any]) -> set[str]:
        """The keys a repeat of these calls has: each call exactly, loosely unless it failed."""
        keys: set[str] = set()
        for call in (call for calls in lists for call in calls):
            keys.add(self.key(call, loose=False))
            if not _is_error(results.get(call.id)):
                keys.add(self.key(call, loose=True))
        return keys


def _written(value: Any) -> str | None:
    """A value as a text writes it, folded; None for one too short to tell where it is."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and len(value.strip()) >= 2:
        return value.strip().casefold()
    return None


def _folded(content: Any) -> str:
    text = content if isinstance(content, str) else json.dumps(content, default=str)
    return text.casefold()


def _echoes(call: ToolCall, before: ToolCall, result: Any, said: str) -> bool:
    """Whether `call` gives `before`'s tool `before`'s result back (the module's docstring)."""
    if call.name != before.name or result is None or _is_error(result):
        return False
    replaced = [
        _written(value)
        for name, value in call.arguments.items()
        if name in before.arguments
        and _same_form(value, True) != _same_form(before.arguments[name], True)
    ]
    told = _folded(result)
    return bool(replaced) and all(v is not None and v in told and v not in said for v in replaced)


def repeats(calls: Sequence[ToolCall], history: Sequence[Message], tools: Sequence[Tool]) -> bool:
    """Whether one of `calls` was already made since the user's last message in `history`, or
    gives a tool its own answer back."""
    last_user = max((i for i, m in enumerate(history) if m.role == "user"), default=-1)
    since = history[last_user + 1 :]
    results = {m.tool_call_id: m.content for m in since if m.role == "tool"}
    lists = [m.tool_calls for m in since if m.role == "assistant" and m.tool_calls]
    keys = _Keys(tools)
    made = keys.made(lists, results)
    latest = keys.made(lists[-1:], results)
    changing = {t.name for t in tools if t.allow_duplicates}
    if any(keys.both(call) & (latest if call.name in changing else made) for call in calls):
        return True
    said = " ".join(_folded(m.content) for m in history if m.role == "user" and m.content)
    earlier = [c for made_calls in lists for c in made_calls]
    return any(
        _echoes(call, before, results.get(before.id), said)
        for call in calls
        if call.name not in changing
        for before in earlier
    )
