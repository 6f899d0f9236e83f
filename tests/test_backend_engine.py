"""The mechanics every engine shares (`lamagent.backends._engine`), without an engine."""

from __future__ import annotations

import threading
import time

import anyio
import numpy as np
import pytest

from lamagent.backends import Constraint, Generation
from lamagent.backends._engine.bridge import ThreadBridge, run_in_thread
from lamagent.backends._engine.closers import closers_of
from lamagent.backends._engine.compiled import CompiledCache, constraint_key
from lamagent.backends._engine.contract import check_settings, is_context_overflow
from lamagent.backends._engine.json_scan import JsonScanner, ends_inside_string
from lamagent.backends._engine.prefix import common_prefix_length, reusable_prefix
from lamagent.backends._engine.stops import StopStream, StopStrings, cut_at_stop
from lamagent.errors import BackendError, ConfigError, ContextOverflowError

# -- stop strings ---------------------------------------------------------------------------


def test_a_stop_string_is_found_across_pieces_and_its_prefix_held_back() -> None:
    stops = StopStrings(["<|im_end|>", "STOP"])
    assert stops.safe_end("Hello <|im_") == len("Hello ")
    assert stops.safe_end("Hello <|in") == len("Hello <|in")
    text = "Hello <|im_end|> more"
    assert stops.find(text, start=len("Hello <|im_e")) == 6  # overlaps what was searched
    assert stops.find("no stop here") is None
    assert cut_at_stop("answer STOP junk <|im_end|>", ["<|im_end|>", "STOP"]) == "answer "
    assert cut_at_stop("answer", []) == "answer"


def test_a_stop_stream_releases_only_what_is_decided() -> None:
    stream = StopStream(["</end>"])
    assert stream.feed("a </e") == ("a ", False)
    assert stream.feed("nd> b") == ("", True)
    assert stream.text == "a "
    assert stream.feed("more") == ("", True)  # nothing after a stop
    tail = StopStream(["</end>"])
    assert tail.feed("x </") == ("x ", False)
    assert tail.flush() == "</"


# -- JSON scanning ----------------------------------------------------------------------------


def test_the_scanner_ignores_brackets_and_escaped_quotes_inside_strings() -> None:
    scanner = JsonScanner()
    found = list(scanner.brackets('[{"a": "x]}\\"[", "b": [1]}'))
    assert [ch for _, ch in found] == ["[", "{", "[", "]", "}"]
    assert scanner.depth == 1 and not scanner.in_string
    scanner.feed(', "open')  # fed in pieces: the state carries over
    assert scanner.in_string
    assert ends_inside_string('{"a": "b\\"') and not ends_inside_string('{"a": "b"}')


# -- prefix reuse -----------------------------------------------------------------------------


def test_closers_are_sorted_by_what_they_close() -> None:
    pieces = ['"', ' "', '"]', '"}]', "]", " }", "}}]", ",", ", ", " ,", "a", '",', None, "", " "]
    closers = closers_of(pieces)
    assert [pieces[t] for t in closers.strings] == ['"', ' "', '"]', '"}]']
    assert [pieces[t] for t in closers.structures] == ["]", " }", "}}]"]
    # a shaped string's parts are joined by ", ": these go on to the next part
    assert [pieces[t] for t in closers.separators] == [",", ", "]


def test_the_prefix_rule_keeps_the_common_tokens_less_a_margin() -> None:
    assert common_prefix_length([1, 2, 3, 4], [1, 2, 9]) == 2
    assert common_prefix_length("hello world", "hello there") == 6
    assert common_prefix_length([], [1]) == 0
    cached = np.array([1, 2, 3, 4], dtype=np.intc)  # llama.cpp's token buffer
    assert reusable_prefix(cached, [1, 2, 3, 4, 5, 6], min_new=2) == 4
    assert reusable_prefix(cached, [1, 2, 3, 4], min_new=2) == 2  # always evaluate two
    assert reusable_prefix([1, 2, 3], [1, 2, 3], min_new=1) == 2
    assert reusable_prefix([7], [1, 2], min_new=1) == 0


# -- compiled grammars -----------------------------------------------------------------------


def test_constraints_compile_once_per_key() -> None:
    compiled: list[str] = []

    def compile_(constraint: Constraint) -> str:
        compiled.append(constraint_key(constraint))
        return f"grammar {len(compiled)}"

    cache = CompiledCache(compile_)
    a = Constraint(json_schema={"type": "array"})
    same = Constraint(json_schema={"type": "array"})
    other = Constraint(json_schema={"type": "array"}, allow_text=True)
    assert cache.get(a) == cache.get(same) == "grammar 1"
    assert cache.get(other) == "grammar 2"
    assert cache.get(Constraint(json_schema={}, key="named")) == "grammar 3"
    assert constraint_key(Constraint(json_schema={}, key="named")) == "named"
    assert len(cache) == 3 and len(compiled) == 3


# -- the thread bridge ----------------------------------------------------------------------


def _final(text: str) -> Generation:
    return Generation(text=text)


def test_the_bridge_delivers_every_item_in_order_and_ends_at_the_generation() -> None:
    async def main() -> list[str | Generation]:
        bridge = ThreadBridge("test")

        def work() -> Generation:
            for i in range(500):
                bridge.put(str(i))
            return _final("done")

        run_in_thread(bridge, work, name="test-engine")
        return [item async for item in bridge.receive()]

    items = anyio.run(main)
    assert items[:-1] == [str(i) for i in range(500)]
    assert isinstance(items[-1], Generation) and items[-1].text == "done"


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(RuntimeError("decode failed"), BackendError), (ContextOverflowError("too long"), None)],
)
def test_the_bridge_raises_engine_failures_as_backend_errors(
    raised: Exception, expected: type[BaseException] | None
) -> None:
    async def main() -> None:
        bridge = ThreadBridge("test")

        def work() -> Generation:
            bridge.put("partial")
            raise raised

        run_in_thread(bridge, work, name="test-engine")
        async for _ in bridge.receive():
            pass

    with pytest.raises(BackendError) as caught:
        anyio.run(main)
    if expected is None:  # a BackendError passes as it is
        assert caught.value is raised
    else:
        assert type(caught.value) is expected
        assert "test failed: RuntimeError: decode failed" in str(caught.value)
        assert caught.value.__cause__ is raised


def test_a_consumer_that_leaves_cancels_the_engine() -> None:
    produced: list[int] = []
    finished = threading.Event()

    async def main() -> None:
        bridge = ThreadBridge("test")

        def work() -> Generation:
            for i in range(10_000):
                if bridge.cancelled.is_set():
                    break
                produced.append(i)
                bridge.put(str(i))
                time.sleep(0.001)
            finished.set()
            return _final("")

        run_in_thread(bridge, work, name="test-engine")
        async for item in bridge.receive():
            assert item == "0"
            break

    anyio.run(main)
    assert finished.wait(5)
    assert len(produced) < 1000


# -- settings and server errors ------------------------------------------------------------


def test_settings_out_of_range_are_config_errors() -> None:
    check_settings(n_ctx=(512, 1))
    with pytest.raises(ConfigError, match="n_ctx must be at least 1, got 0"):
        check_settings(n_ctx=(0, 1))


def test_server_overflow_messages_are_recognised() -> None:
    assert is_context_overflow('{"code":"context_length_exceeded"}')
    assert is_context_overflow("This model's maximum context length is 4096 tokens")
    assert not is_context_overflow("model not found")
