"""Calls with some of their argument values reshaped, or some optional arguments left out, and a
note per value: the loops the value rules (numbers and lists as written, percentages as
fractions, placeholders, numbers nobody wrote) share, and which parameters leave their value
open to them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from lamagent.messages import ToolCall

if TYPE_CHECKING:
    from lamagent.tools import Tool

__all__ = [
    "Choose",
    "Fill",
    "LeaveOut",
    "Reshape",
    "described_forms",
    "enum_choices",
    "enum_values",
    "filled_parameters",
    "open_string",
    "reshaped_calls",
    "schema_defaults",
    "stated_default",
    "tool_properties",
    "tool_schemas",
    "with_arguments",
    "without_optional",
]

#: A value rule: for a call, an argument's name and its value, the new value and what the
#: note says of the change ("3 as 30, as written"), or None to leave the value as it is.
Reshape = Callable[[ToolCall, str, Any], tuple[Any, str] | None]
#: A rule that leaves optional arguments out: for a call, an argument's name, its value and its
#: parameter's schema, what the note says ("names the parameter"), or None to keep it.
LeaveOut = Callable[[ToolCall, str, Any, Mapping[str, Any]], str | None]
#: A rule that sets parameters: for a call, its tool, a parameter's name and schema, the value
#: it takes and what the note says of it ("1 as 7, for 1 week"), or None to leave it.
Fill = Callable[[ToolCall, "Tool", str, Mapping[str, Any]], tuple[Any, str] | None]
#: A rule that picks an enum's option: given the enum and the string option a call holds, the
#: option it should hold, or None to leave it.
Choose = Callable[[list[Any], str], Any]
#: What a parameter's description says of its value's form (`described_forms`).
Form = TypeVar("Form")


def with_arguments(call: ToolCall, arguments: Mapping[str, Any]) -> ToolCall:
    """`call` with `arguments` (the same call, its id kept), or `call` itself when they are
    its own."""
    if arguments == call.arguments:
        return call
    return call.model_copy(update={"arguments": dict(arguments)})


def reshaped_calls(calls: Sequence[ToolCall], reshape: Reshape) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each value `reshape` changes (the same calls, ids kept), and a note per
    value changed ("tool.argument: " and what `reshape` says)."""
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        changed: dict[str, Any] = {}
        for name, value in call.arguments.items():
            found = reshape(call, name, value)
            if found is None:
                continue
            changed[name], note = found
            notes.append(f"{call.name}.{name}: {note}")
        out.append(with_arguments(call, {**call.arguments, **changed}))
    return out, notes


def filled_parameters(
    calls: Sequence[ToolCall], tools: Sequence[Tool], fill: Fill
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each parameter of their tool (an argument the call holds or not; never of
    a tool the list does not hold) that `fill` sets, and a note per value set
    ("tool.parameter: " and what `fill` says)."""
    by_name = {t.name: t for t in tools}
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        tool = by_name.get(call.name)
        if tool is None:
            out.append(call)
            continue
        changed: dict[str, Any] = {}
        for name, spec in tool_properties(tool).items():
            found = fill(call, tool, str(name), spec) if isinstance(spec, Mapping) else None
            if found is None:
                continue
            changed[name], note = found
            notes.append(f"{call.name}.{name}: {note}")
        out.append(with_arguments(call, {**call.arguments, **changed}))
    return out, notes


def without_optional(
    calls: Sequence[ToolCall], tools: Sequence[Tool], leave_out: LeaveOut
) -> tuple[list[ToolCall], list[str]]:
    """`calls` without the optional arguments (not in their tool's `required`; never of a
    tool the list does not hold) that `leave_out` names, and a note per argument left out
    ("tool.argument: " and what `leave_out` says, then ", left out")."""
    by_name = {t.name: t for t in tools}
    out: list[ToolCall] = []
    notes: list[str] = []
    for call in calls:
        tool = by_name.get(call.name)
        if tool is None:
            out.append(call)
            continue
        properties = tool_properties(tool)
        required = set(tool.parameters.get("required") or ())
        dropped: list[str] = []
        for name, value in call.arguments.items():
            spec = properties.get(name)
            if name in required or not isinstance(spec, Mapping):
                continue
            said = leave_out(call, str(name), value, spec)
            if said is not None:
                dropped.append(str(name))
                notes.append(f"{call.name}.{name}: {said}, left out")
        if dropped:
            arguments = {k: v for k, v in call.arguments.items() if k not in dropped}
            call = call.model_copy(update={"arguments": arguments})
        out.append(call)
    return out, notes


def tool_properties(tool: Tool) -> Mapping[str, Any]:
    """The parameters of `tool`'s schema, by name ({} for a schema without them)."""
    props = tool.parameters.get("properties") or {}
    return props if isinstance(props, Mapping) else {}


def schema_defaults(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The values a tool's schema (its parameters, `tool_properties`) gives the arguments a
    call leaves out: a call that writes one is the call that leaves it out."""
    return {
        str(name): spec["default"]
        for name, spec in properties.items()
        if isinstance(spec, Mapping) and "default" in spec
    }


#: A default a description states: "Default is English", "Defaults to 'metric'", "default:
#: USD" (what follows, quoted or up to the end of its clause).
_STATED_DEFAULT = re.compile(
    r"\bdefaults?(?:\s+value)?(?:\s+is|\s+to|\s*:|\s*=)\s*"
    r"(?:['\"]([^'\"]{1,40})['\"]|([^\s'\".,;:()]+(?:[ ][^\s'\".,;:()]+){0,2})\s*(?:[.,;)]|$))",
    re.IGNORECASE,
)


def stated_default(spec: Mapping[str, Any]) -> Any:
    """The value a parameter takes when left out: its schema's `default`, else the one its
    description states ("Default is English"); None where neither says."""
    if spec.get("default") is not None:
        return spec["default"]
    found = _STATED_DEFAULT.search(str(spec.get("description") or ""))
    return None if found is None else (found.group(1) or found.group(2))


def tool_schemas(tools: Sequence[Tool]) -> dict[str, Mapping[str, Any]]:
    """The parameters of each tool's schema (`tool_properties`), by tool name."""
    return {tool.name: tool_properties(tool) for tool in tools}


def enum_values(spec: Mapping[str, Any]) -> list[Any]:
    """The values a parameter may take, or a list parameter's items ([]: any)."""
    items = spec.get("items")
    if spec.get("type") == "array" and isinstance(items, Mapping):
        spec = items
    enum = spec.get("enum")
    return list(enum) if isinstance(enum, list) else []


def open_string(spec: Any) -> bool:
    """Whether a parameter is a string the schema leaves open: no enum, const or pattern (the
    grammar keeps those, and a rule has nothing to add)."""
    return (
        isinstance(spec, Mapping)
        and spec.get("type") == "string"
        and not any(k in spec for k in ("enum", "const", "pattern"))
    )


def described_forms(tool: Tool | None, read: Callable[[str], Form | None]) -> dict[str, Form]:
    """The open string parameters of `tool` whose description `read` finds a form in (a date
    form, a time form), each with its form."""
    if tool is None:
        return {}
    forms: dict[str, Form] = {}
    for name, spec in tool_properties(tool).items():
        if open_string(spec):
            form = read(str(spec.get("description") or ""))
            if form is not None:
                forms[str(name)] = form
    return forms


def enum_choices(
    calls: Sequence[ToolCall], tools: Sequence[Tool], choose: Choose, why: str
) -> tuple[list[ToolCall], list[str]]:
    """`calls` with each string argument of an enum that holds one of its options, of a tool
    called once in the list (a tool called per item takes an option each), as the option
    `choose` picks instead, unless another argument of the call holds that one (a
    conversion's `from_unit` holds the "celsius" of "celsius to fahrenheit"); a note per
    value changed ("tool.argument: 'celsius' as 'fahrenheit', " and `why`)."""
    schemas = tool_schemas(tools)
    times_called = Counter(call.name for call in calls)

    def chosen(call: ToolCall, name: str, value: Any) -> tuple[Any, str] | None:
        spec = schemas.get(call.name, {}).get(name)
        if times_called[call.name] != 1 or not isinstance(spec, Mapping):
            return None
        enum = spec.get("enum")
        if spec.get("type") != "string" or not isinstance(value, str):
            return None
        if not isinstance(enum, list) or value not in enum:
            return None
        picked = choose(enum, value)
        if picked is None:
            return None
        if any(v == picked for n, v in call.arguments.items() if n != name):
            return None
        return picked, f"{value!r} as {picked!r}, {why}"

    return reshaped_calls(calls, chosen)
