"""The tolerant reader of model output: tool calls, a thought, or a plain-text answer.

xLAM-2 answers a call as a bare JSON list, xLAM-1 as `{"tool_calls": [...]}` (with a
`"thought"` for the general models). Other servers and fine-tunes wrap the same JSON in a
fenced block, `<tool_call>` tags or a `[TOOL_CALLS]` prefix, or write a single object, or think
first (`...</think>`). One parser reads all of them, so every format (and a model's own chat
template) shares it; the streaming parser (`lamagent.formats.stream`) finds calls with the same
rules and finishes with this function.

Rules, in order:
- Text before `</think>` is the thought (an opening `<think>` is dropped).
- A call starts at the first of: `<tool_call>`, `[TOOL_CALLS]`, a ``` fence whose content is
  call JSON, `[{"`, or `{"name"` / `{"function"` / `{"tool_calls"` / `{"thought"`. The JSON
  there is read with `json.JSONDecoder.raw_decode` (never `eval`), then the search goes on after
  it, so several tagged calls are all found.
- Text outside the calls becomes the thought. With no call syntax at all the text is the answer.
- An empty call list (`[]` as the whole output, `{"tool_calls": []}`) is an empty answer (or the
  text beside it): the model has no call to make. `AssistantTurn(answer="")` is therefore the
  shape of "no call and nothing to say", and the formats render it back as the model wrote it.
- A call item without a string `name` or without `arguments` is an error that is reported, not
  dropped; `arguments` may be a JSON string. JSON cut off at the end of the output is reported as
  cut off (raise max_tokens); other malformed JSON as invalid. Nothing here raises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lamagent.messages import AssistantTurn, ParseError, ToolCall

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
TAG_OPEN = "<tool_call>"
TAG_CLOSE = "</tool_call>"
TOOL_CALLS_PREFIX = "[TOOL_CALLS]"
FENCE = "```"

#: Keys that make an object at the top level a call (or xLAM-1's wrapper of calls).
CALL_KEYS = ("name", "function")
WRAPPER_KEYS = ("tool_calls", "thought")

_LIST_START = r"\[\s*\{\s*\""
_OBJECT_START = r"\{\s*\"(?:name|function|tool_calls|thought)\""
#: Where a call may begin, in the order of the alternatives' priority at one position.
CALL_START = re.compile(
    "|".join(
        [
            re.escape(TAG_OPEN),
            re.escape(TOOL_CALLS_PREFIX),
            re.escape(FENCE),
            _LIST_START,
            _OBJECT_START,
        ]
    )
)
#: JSON that can begin a call payload (inside tags, after a prefix or a fence header).
JSON_CALL_START = re.compile(f"{_LIST_START}|{_OBJECT_START}")
#: A fence header: the backticks, an optional language word, then spaces.
FENCE_HEADER = re.compile(r"```[\w+.-]*[ \t]*")
_WHITESPACE = re.compile(r"\s*")
_OBJECT_KEYS = ('"name"', '"function"', '"tool_calls"', '"thought"')

_DECODER = json.JSONDecoder()

#: A whole output that is an empty call list (xLAM-2 writes `[]` for "no call").
EMPTY_CALL_LIST = re.compile(r"\s*\[\s*\]\s*")

EMPTY_OUTPUT = (
    "The output was empty. Answer in plain text, or call tools with a JSON list such as "
    '[{"name": "tool_name", "arguments": {...}}].'
)


_LIST_PREFIX = re.compile(r"\[\s*(\{\s*(\")?)?")


def could_start_call(text: str, pos: int = 0) -> bool:
    """Whether `text[pos:]` (text up to the end of what has arrived) could still grow into a call.

    True for a complete start too. The streaming parser holds such text back until it knows.
    Looks only at the start of `text[pos:]` (never copies it), so scanning every position of a
    large chunk stays linear.
    """
    if pos >= len(text):
        return False
    for marker in (TAG_OPEN, TOOL_CALLS_PREFIX, FENCE):
        if marker.startswith(text[pos : pos + len(marker)]):
            return True
    first = text[pos]
    if first == "[":
        m = _LIST_PREFIX.match(text, pos)
        return m is not None and (m.end() == len(text) or m.group(2) is not None)
    if first == "{":
        m = _WHITESPACE.match(text, pos + 1)
        at = m.end() if m else pos + 1
        return any(k.startswith(text[at : at + len(k)]) for k in _OBJECT_KEYS)
    return False


def _prefix_pattern(words: tuple[str, ...]) -> str:
    """A regex matching every non-empty prefix of `words`, as a trie (linear to scan)."""
    heads: dict[str, list[str]] = {}
    for word in words:
        if word:
            heads.setdefault(word[0], []).append(word[1:])
    branches = []
    for head, rests in heads.items():
        rest = _prefix_pattern(tuple(rests))
        branches.append(re.escape(head) + (f"(?:{rest})?" if rest else ""))
    return "|".join(branches)


#: The unfinished start of a call at the very end of the text that has arrived so far: what the
#: streaming parser must hold back. One regex built as a trie, so that searching a large chunk
#: for it stays linear.
PARTIAL_CALL_START = re.compile(
    "(?:"
    + _prefix_pattern((TAG_OPEN, TOOL_CALLS_PREFIX, FENCE))
    + r"|\[\s*(?:\{\s*)?"
    + r"|\{\s*(?:"
    + _prefix_pattern(_OBJECT_KEYS)
    + r")?"
    + r")\Z"
)


def json_extent(text: str, start: int) -> int | None:
    """The end (exclusive) of the JSON object or list at `start`, by bracket and string state.

    None if the text ends before it closes. Used to tell a cut-off output from a malformed one.
    """
    depth = 0
    in_string = False
    escape = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth <= 0:
                return i + 1
    return None


def call_from_item(item: Any, index: int) -> ToolCall | str:
    """A ToolCall from one `{"name", "arguments"}` item, or a message saying what is wrong."""
    if not isinstance(item, dict):
        return f"call {index + 1} is {type(item).__name__}, not an object with name and arguments"
    inner = item.get("function")
    fn: dict[str, Any] = inner if isinstance(inner, dict) else item
    name = fn.get("name")
    if not isinstance(name, str) or not name.strip():
        return f"call {index + 1} has no string 'name': {json.dumps(item, ensure_ascii=False)}"
    if "arguments" not in fn and "parameters" not in fn:
        return f"call {index + 1} ({name}) has no 'arguments' object (use {{}} for none)"
    try:
        return ToolCall.from_dict(item)
    except ValueError as exc:
        return f"call {index + 1} ({name}): {exc}"


@dataclass
class _Payload:
    """What one JSON payload held: calls, problems, and xLAM-1's thought."""

    calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    thought: str = ""


def read_payload(value: Any, first_index: int = 0) -> _Payload:
    """Interpret a decoded call payload: a list of calls, one call, or xLAM-1's wrapper."""
    out = _Payload()
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif (
        isinstance(value, dict)
        and any(k in value for k in WRAPPER_KEYS)
        and not any(k in value for k in CALL_KEYS)
    ):
        thought = value.get("thought", "")
        out.thought = thought.strip() if isinstance(thought, str) else json.dumps(thought)
        raw_calls = value.get("tool_calls", [])
        if raw_calls is None:
            raw_calls = []
        if not isinstance(raw_calls, list):
            out.errors.append('\'tool_calls\' must be a list of {"name", "arguments"} objects')
            return out
        items = raw_calls
    elif isinstance(value, dict):
        items = [value]
    else:
        out.errors.append(f"expected a JSON list of calls, got {type(value).__name__}")
        return out
    for offset, item in enumerate(items):
        got = call_from_item(item, first_index + offset)
        if isinstance(got, ToolCall):
            out.calls.append(got)
        else:
            out.errors.append(got)
    return out


def split_thinking(text: str) -> tuple[str | None, str]:
    """(thinking, rest): the text before `</think>` (without `<think>`) and the text after."""
    head, sep, rest = text.partition(THINK_CLOSE)
    if not sep:
        return None, text
    head = head.strip()
    if head.startswith(THINK_OPEN):
        head = head[len(THINK_OPEN) :].strip()
    return head, rest


def parse_output(text: str) -> AssistantTurn:
    """Read one model output into an `AssistantTurn`. Never raises."""
    try:
        return _parse(text)
    except Exception as exc:
        return AssistantTurn(
            error=ParseError(message=f"unreadable output: {exc}", text=text), raw=text
        )


def _error(message: str, text: str, thought: str = "") -> AssistantTurn:
    return AssistantTurn(thought=thought, error=ParseError(message=message, text=text), raw=text)


def _parse(text: str) -> AssistantTurn:
    thinking, body = split_thinking(text)
    if EMPTY_CALL_LIST.fullmatch(body):
        # The model has no call to make and nothing to say: an empty answer, as xLAM-1's
        # {"tool_calls": []} (and rendered back as `[]`).
        return AssistantTurn(thought=thinking or "", answer="", raw=text)
    if thinking is None and body.lstrip().startswith(THINK_OPEN):
        return _error(
            "The output was cut off while thinking (no </think>): raise max_tokens.", text
        )
    thought_parts: list[str] = [thinking] if thinking else []
    outside: list[str] = []
    calls: list[ToolCall] = []
    errors: list[str] = []
    saw_call = False
    i = 0
    n = len(body)
    while i < n:
        m = CALL_START.search(body, i)
        if m is None:
            outside.append(body[i:])
            break
        outside.append(body[i : m.start()])
        marker = m.group(0)
        closer = ""
        if marker in (TAG_OPEN, TOOL_CALLS_PREFIX):
            j = _WHITESPACE.match(body, m.end()).end()  # type: ignore[union-attr]
            if body[j : j + 1] not in ("[", "{"):
                where = "after <tool_call>" if marker == TAG_OPEN else "after [TOOL_CALLS]"
                if j >= n:
                    return _error(f"The output was cut off {where}: raise max_tokens.", text)
                return _error(f"expected a JSON call {where}, got {body[j : j + 40]!r}", text)
            closer = TAG_CLOSE if marker == TAG_OPEN else ""
        elif marker == FENCE:
            h = FENCE_HEADER.match(body, m.start())
            j = h.end() if h else m.end()
            j = _WHITESPACE.match(body, j).end()  # type: ignore[union-attr]
            if not JSON_CALL_START.match(body, j):
                outside.append(FENCE)  # an ordinary code block: plain text
                i = m.end()
                continue
            closer = FENCE
        else:
            j = m.start()
        saw_call = True
        try:
            value, end = _DECODER.raw_decode(body, j)
        except json.JSONDecodeError as exc:
            if json_extent(body, j) is None:
                return _error(
                    "The JSON of the tool calls was cut off before it closed (the output hit "
                    "max_tokens): raise max_tokens or make fewer calls.",
                    text,
                )
            return _error(f"invalid JSON in the tool calls: {exc.msg} at {exc.pos - j}", text)
        payload = read_payload(value, len(calls))
        calls.extend(payload.calls)
        errors.extend(payload.errors)
        if payload.thought:
            thought_parts.append(payload.thought)
        i = end
        if closer:
            k = _WHITESPACE.match(body, i).end()  # type: ignore[union-attr]
            if body.startswith(closer, k):
                i = k + len(closer)
    if not saw_call:
        answer = body.strip()
        if not answer:
            return _error(EMPTY_OUTPUT, text, thought=thinking or "")
        return AssistantTurn(thought=thinking or "", answer=answer, raw=text)
    extra = [p.strip() for p in outside if p.strip()]
    if errors:
        return _error(
            "Malformed tool calls: "
            + "; ".join(errors)
            + '. Each call must be {"name": "<tool name>", "arguments": {...}}.',
            text,
            thought="\n".join([*thought_parts, *extra]),
        )
    if not calls:
        # An empty call list ({"tool_calls": []} or []): the model needs no tool; what it
        # said beside the list (xLAM-1's thought) is its answer.
        answer = "\n".join([*thought_parts[1 if thinking else 0 :], *extra])
        return AssistantTurn(thought=thinking or "", answer=answer, raw=text)
    return AssistantTurn(thought="\n".join([*thought_parts, *extra]), calls=calls, raw=text)
