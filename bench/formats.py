"""Render and parse time of every format on a 20-tool, 10-turn conversation.

Prints a table of medians (microseconds per call) and compares them with baselines measured in
the same run: `json.dumps` of the same tools and messages (the least any renderer must do) and
the same prompt rendered through a sandboxed Jinja chat template (the template path).

    .venv/bin/python bench/formats.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_formats_template import XLAM2_TEMPLATE

from lamagent import formats


def make_tools(n: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "name": f"tool_{i}",
            "description": f"Tool number {i}: looks something up and returns a short record.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to look up."},
                    "limit": {"type": "integer", "description": "How many results."},
                    "units": {"type": "string", "enum": ["metric", "imperial"]},
                },
                "required": ["query"],
            },
        }
        for i in range(n)
    ]


def make_messages(turns: int = 10) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = []
    for t in range(turns):
        msgs.append({"role": "user", "content": f"Question {t}: what about item {t}?"})
        msgs.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"function": {"name": f"tool_{t}", "arguments": {"query": f"item {t}"}}},
                    {"function": {"name": "tool_0", "arguments": {}}},
                ],
            }
        )
        msgs.append({"role": "tool", "content": {"result": t, "ok": True}})
        msgs.append({"role": "tool", "content": f"plain result {t}"})
        msgs.append({"role": "assistant", "content": f"Item {t} is fine."})
    msgs.append({"role": "user", "content": "Summarise."})
    return msgs


OUTPUT = (
    '[{"name": "tool_3", "arguments": {"query": "item 3", "limit": 5}}, '
    '{"name": "tool_7", "arguments": {"query": "other", "units": "metric"}}]'
)


def median_us(fn: Callable[[], object], repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=300)
    args = ap.parse_args()
    tools, msgs = make_tools(), make_messages()
    base_render = median_us(lambda: json.dumps([tools, msgs]), args.repeat)
    base_parse = median_us(lambda: json.loads(OUTPUT), args.repeat)
    tmpl = formats.from_chat_template(XLAM2_TEMPLATE)
    tmpl_render = median_us(lambda: tmpl.render(msgs, tools), args.repeat)
    assert tmpl.render(msgs, tools) == formats.get("xlam2-qwen").render(msgs, tools)

    rows = [("json.dumps / json.loads (baseline)", base_render, base_parse)]
    rows.append(("jinja template (xlam2-qwen layout)", tmpl_render, float("nan")))
    for name in formats.available():
        fmt = formats.get(name)
        r = median_us(lambda fmt=fmt: fmt.render(msgs, tools), args.repeat)
        p = median_us(lambda fmt=fmt: fmt.parse(OUTPUT), args.repeat)
        rows.append((name, r, p))

    def stream_all() -> None:
        sp = formats.get("xlam2-qwen").stream_parser()
        for i in range(0, len(OUTPUT), 4):
            sp.feed(OUTPUT[i : i + 4])
        sp.finish()

    stream_us = median_us(stream_all, args.repeat)
    print(f"20 tools, 10 turns ({len(msgs)} messages); median of {args.repeat} runs, µs per call")
    print(f"{'format':38} {'render':>9} {'x json':>7} {'parse':>8} {'x json':>7}")
    for name, r, p in rows:
        pr = f"{p:8.1f} {p / base_parse:7.1f}" if p == p else f"{'-':>8} {'-':>7}"
        print(f"{name:38} {r:9.1f} {r / base_render:7.1f} {pr}")
    print(f"template render / built-in xlam2-qwen render: {tmpl_render / rows[2][1]:.1f}x")
    print(
        f"stream parse of the same output in 4-char chunks: {stream_us:.1f} µs "
        f"({stream_us / rows[2][2]:.1f}x parse_output)"
    )


if __name__ == "__main__":
    main()
