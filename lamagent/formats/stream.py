"""The incremental reader of streamed model output.

Text goes out as `TextPiece` as soon as it cannot be the start of a call: text that could still
grow into one (`[`, `{`, a fence, `<tool_call>`, `[TOOL_CALLS]`, leading or trailing whitespace)
is held back until the next pieces decide. Once a call has begun, the parser follows the JSON
(string and escape state, bracket depth) and emits each call as a `CallDelta` when its object
closes: a whole call, never argument fragments, so arguments are never duplicated and empty `{}`
arguments come through as they are. `finish()` is `parse_output` of the whole text (the calls
keep the ids they were streamed with), so the streamed and the whole-text readings agree.

Known limit: thinking is recognised while streaming only when the output begins with `<think>`;
a bare `...</think>` (the template opened the thinking) is still read right by `finish()`.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from lamagent.formats.parse import (
    CALL_START,
    FENCE,
    FENCE_HEADER,
    JSON_CALL_START,
    PARTIAL_CALL_START,
    TAG_CLOSE,
    TAG_OPEN,
    THINK_CLOSE,
    THINK_OPEN,
    TOOL_CALLS_PREFIX,
    WRAPPER_KEYS,
    call_from_item,
    could_start_call,
    parse_output,
    read_payload,
)
from lamagent.formats.stream_events import CallDelta, StreamEvent, StreamParser, TextPiece
from lamagent.messages import AssistantTurn, ToolCall

_Mode = Literal["start", "think", "text", "await", "fence", "json", "closer", "dead"]
#: The characters a call start can begin with (`<tool_call>`, `[`, `{`, a fence).
#: What an output that is an empty call list `[]` looks like while it arrives.
_EMPTY_LIST_SO_FAR = re.compile(r"\[\s*\]?\s*")
_CANDIDATE = re.compile(r"[<\[{`]")


class CallStreamParser(StreamParser):
    """Streaming parser shared by every xLAM format (and chat-template formats)."""

    def __init__(self) -> None:
        self._buf = ""
        self._mode: _Mode = "start"
        self._pos = 0  # everything before is settled
        self._emitted = 0  # text emitted as TextPiece up to here
        self._leading = True  # skip whitespace before the next text
        self._calls: list[ToolCall] = []
        self._closer = ""
        self._await_closer = ""
        self._fence_start = 0
        # JSON scanning state of the current payload
        self._json_start = 0
        self._stack: list[str] = []
        self._starts: list[int] = []
        self._in_string = False
        self._escape = False
        self._payload_emitted = 0
        self._payload_failed = False
        self._top_wrapper: bool | None = None
        self._text_out: list[str] = []
        self._parsed: tuple[int, AssistantTurn] | None = None

    # -- public API -------------------------------------------------------------------------

    def feed(self, delta: str) -> list[StreamEvent]:
        if not delta:
            return []
        self._buf += delta
        events: list[StreamEvent] = []
        try:
            self._advance(events)
        except Exception:
            self._mode = "dead"
        return events

    def finish(self) -> AssistantTurn:
        turn = self._whole()
        if not self._calls or not turn.calls:
            return turn
        calls = list(turn.calls)
        for i, streamed in enumerate(self._calls[: len(calls)]):
            if calls[i].name == streamed.name and calls[i].arguments == streamed.arguments:
                calls[i] = calls[i].model_copy(update={"id": streamed.id})
        return turn.model_copy(update={"calls": calls})

    def flush(self) -> list[StreamEvent]:
        """The answer text still held back at the end (e.g. a trailing `[`), as a TextPiece.

        Call after the last `feed` when printing an answer as it streams; `finish()` gives the
        whole turn either way.
        """
        turn = self._whole()
        sent = "".join(self._text_out)
        if turn.answer is None or not turn.answer.startswith(sent) or turn.answer == sent:
            return []
        rest = turn.answer[len(sent) :]
        self._text_out.append(rest)
        return [TextPiece(rest)]

    def _whole(self) -> AssistantTurn:
        """`parse_output` of everything fed so far (read once per length of the text)."""
        if self._parsed is None or self._parsed[0] != len(self._buf):
            self._parsed = (len(self._buf), parse_output(self._buf))
        return self._parsed[1]

    # -- the state machine ------------------------------------------------------------------

    def _advance(self, events: list[StreamEvent]) -> None:
        while True:
            before = (self._mode, self._pos)
            step = getattr(self, "_step_" + self._mode)
            step(events)
            if (self._mode, self._pos) == before:
                return

    def _skip_ws(self, i: int) -> int:
        buf = self._buf
        while i < len(buf) and buf[i].isspace():
            i += 1
        return i

    def _emit_text(self, upto: int, events: list[StreamEvent]) -> None:
        end = upto
        while end > self._emitted and self._buf[end - 1].isspace():
            end -= 1
        if end > self._emitted:
            text = self._buf[self._emitted : end]
            self._text_out.append(text)
            events.append(TextPiece(text))
            self._emitted = end

    def _step_start(self, events: list[StreamEvent]) -> None:
        j = self._skip_ws(0)
        tail = self._buf[j:]
        if not tail or (THINK_OPEN.startswith(tail) and tail != THINK_OPEN):
            return
        if tail.startswith(THINK_OPEN):
            self._mode, self._pos = "think", j + len(THINK_OPEN)
        else:
            self._mode, self._pos, self._emitted = "text", j, j
            self._leading = False

    def _step_think(self, events: list[StreamEvent]) -> None:
        k = self._buf.find(THINK_CLOSE, self._pos)
        if k < 0:
            self._pos = max(self._pos, len(self._buf) - len(THINK_CLOSE) + 1)
            return
        self._mode, self._pos, self._leading = "text", k + len(THINK_CLOSE), True

    def _step_text(self, events: list[StreamEvent]) -> None:
        buf = self._buf
        if self._leading:
            j = self._skip_ws(self._pos)
            if j == len(buf):
                return
            self._pos = self._emitted = j
            self._leading = False
        if not self._text_out and not self._calls and _EMPTY_LIST_SO_FAR.fullmatch(buf, self._pos):
            return  # may be the whole output `[]`, an empty call list: not text
        m = CALL_START.search(buf, self._pos)
        while m is not None and m.group(0) == FENCE and self._fence_kind(m.start())[0] == "text":
            m = CALL_START.search(buf, m.start() + len(FENCE))  # an ordinary code block
        limit = m.start() if m else len(buf)
        # Before the first complete call start, text can only be held back for an unfinished
        # start that runs to the end of what has arrived.
        # (A partial start cannot contain a complete one, so with a complete start ahead there
        # is none to look for.)
        hold = limit
        if m is None:
            partial = PARTIAL_CALL_START.search(buf, self._pos)
            hold = partial.start() if partial is not None else limit
        self._emit_text(hold, events)
        if m is None or hold != m.start():
            self._pos = hold
            return
        marker = m.group(0)
        if marker in (TAG_OPEN, TOOL_CALLS_PREFIX):
            self._await_closer = TAG_CLOSE if marker == TAG_OPEN else ""
            self._mode, self._pos = "await", m.end()
        elif marker == FENCE:
            self._fence_start = m.start()
            self._mode, self._pos = "fence", m.start()
        else:
            self._begin_json(m.start(), "")

    def _step_await(self, events: list[StreamEvent]) -> None:
        j = self._skip_ws(self._pos)
        if j == len(self._buf):
            return
        if self._buf[j] in "[{":
            self._begin_json(j, self._await_closer)
        else:
            self._mode = "dead"

    def _fence_kind(self, start: int) -> tuple[Literal["json", "text", "open"], int]:
        """Whether the fence at `start` holds call JSON (and where it begins), is an ordinary
        code block, or cannot be told yet."""
        buf = self._buf
        h = FENCE_HEADER.match(buf, start)
        if h is None or h.end() == len(buf):
            return "open", 0
        j = self._skip_ws(h.end())
        if j == len(buf):
            return "open", 0
        if JSON_CALL_START.match(buf, j):
            return "json", j
        if buf[j] in "[{" and could_start_call(buf, j):
            return "open", 0
        return "text", 0

    def _step_fence(self, events: list[StreamEvent]) -> None:
        kind, j = self._fence_kind(self._fence_start)
        if kind == "json":
            self._begin_json(j, FENCE)
        elif kind == "text":
            self._mode, self._pos = "text", self._fence_start + len(FENCE)

    def _begin_json(self, start: int, closer: str) -> None:
        self._mode, self._pos = "json", start
        self._json_start = start
        self._closer = closer
        self._stack, self._starts = [], []
        self._in_string = self._escape = False
        self._payload_emitted = 0
        self._payload_failed = False
        self._top_wrapper = None

    def _is_wrapper(self) -> bool:
        if self._top_wrapper is None:
            key = json.JSONDecoder().raw_decode(self._buf, self._skip_ws(self._json_start + 1))[0]
            self._top_wrapper = key in WRAPPER_KEYS
        return self._top_wrapper

    def _step_json(self, events: list[StreamEvent]) -> None:
        buf = self._buf
        i = self._pos
        n = len(buf)
        while i < n:
            ch = buf[i]
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
            elif ch == '"':
                self._in_string = True
            elif ch in "[{":
                self._stack.append(ch)
                self._starts.append(i)
            elif ch in "]}":
                if not self._stack or self._stack[-1] != ("[" if ch == "]" else "{"):
                    self._mode, self._pos = "dead", i
                    return
                self._stack.pop()
                start = self._starts.pop()
                if not self._stack:
                    self._pos = i + 1
                    self._close_payload(events)
                    return
                if ch == "}" and self._is_call_position():
                    self._emit_item(buf[start : i + 1], events)
            i += 1
        self._pos = n

    def _is_call_position(self) -> bool:
        if self._stack == ["["]:
            return True
        return self._stack == ["{", "["] and self._is_wrapper()

    def _emit_item(self, text: str, events: list[StreamEvent]) -> None:
        if self._payload_failed:
            return
        got = call_from_item(json.loads(text), len(self._calls))
        if isinstance(got, ToolCall):
            self._calls.append(got)
            self._payload_emitted += 1
            events.append(CallDelta(call=got, index=len(self._calls) - 1))
        else:
            self._payload_failed = True

    def _close_payload(self, events: list[StreamEvent]) -> None:
        try:
            value = json.loads(self._buf[self._json_start : self._pos])
        except json.JSONDecodeError:
            self._mode = "dead"
            return
        payload = read_payload(value, len(self._calls) - self._payload_emitted)
        if not payload.errors and not self._payload_failed:
            for call in payload.calls[self._payload_emitted :]:
                self._calls.append(call)
                events.append(CallDelta(call=call, index=len(self._calls) - 1))
        self._emitted = self._pos
        self._mode = "closer" if self._closer else "text"
        self._leading = True

    def _step_closer(self, events: list[StreamEvent]) -> None:
        k = self._skip_ws(self._pos)
        rest = self._buf[k:]
        if not rest or (self._closer.startswith(rest) and rest != self._closer):
            return
        if rest.startswith(self._closer):
            self._pos = self._emitted = k + len(self._closer)
        self._mode = "text"

    def _step_dead(self, events: list[StreamEvent]) -> None:
        return
