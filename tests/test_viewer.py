"""The run page: rendering, escaping, no network access, the CLI, and Chromium's rendering of it."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lamagent import Agent, ScriptedBackend, ToolCall, tool
from lamagent.cli import app
from lamagent.trajectory import SQLiteStore, Trajectory
from lamagent.viewer import page_server, render_run_page

INJECTED = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'
ANSWER = "It is 21 °C (69.8 °F) in Paris."
GENERATE_BLUE = (0x25, 0x63, 0xEB)  # the timeline's "generate" colour (--generate in the page)
TOOL_GREEN = (0x05, 0x96, 0x69)  # a call that ran (--tool)
FAILED_RED = (0xDC, 0x26, 0x26)  # a call that failed (--error)


@tool
def get_weather(city: str) -> dict:
    """Current weather for a city.

    Args:
        city: the city name
    """
    time.sleep(0.05)
    return {"city": city, "temperature": 21}


@tool
def to_fahrenheit(celsius: float) -> float:
    """Convert Celsius to Fahrenheit."""
    time.sleep(0.02)
    return round(celsius * 9 / 5 + 32, 1)


@tool
def read_notes(topic: str) -> str:
    """Read the notes about a topic (their text is whatever someone wrote there)."""
    return f"notes on {topic}: {INJECTED}"


@tool
def flaky_sensor() -> float:
    """A sensor that is down."""
    raise ConnectionError("sensor offline")


def call(name: str, **arguments: object) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def record_run(store: Path) -> Trajectory:
    """A run with a valid call, an unknown tool, a repaired argument, a failing tool, untrusted
    text in a tool result, and an answer, recorded in a SQLite store."""
    backend = ScriptedBackend.calls(
        [
            [call("get_weather", city="Paris"), call("get_wether", city="Oslo")],
            [call("to_fahrenheit", celsius="21"), call("read_notes", topic="Paris")],
            [call("flaky_sensor")],
            ANSWER,
        ],
        delay=0.003,
    )
    tools = [get_weather, to_fahrenheit, read_notes, flaky_sensor]
    agent = Agent(backend, tools=tools, store=store, max_retries=5)
    try:
        result = agent.run("Weather in Paris, in Fahrenheit too?")
    finally:
        agent.close()
    assert result.answer == ANSWER
    return result.trajectory


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("view") / "runs.db"
    record_run(path)
    return path


@pytest.fixture(scope="module")
def trajectory(store: Path) -> Trajectory:
    with SQLiteStore(store) as st:
        [summary] = st.query()
        found = st.get(summary.unique_trajectory_id)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def html(trajectory: Trajectory) -> str:
    return render_run_page(trajectory)


class Elements(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    return parser.tags


def test_page_shows_every_call_with_arguments_repairs_errors_and_results(
    html: str, trajectory: Trajectory
) -> None:
    assert trajectory.unique_trajectory_id in html
    for name in ("get_weather", "get_wether", "to_fahrenheit", "read_notes", "flaky_sensor"):
        assert f'<span class="name">{name}</span>' in html
    assert html.count('class="call failed"') == 2  # the unknown tool and the failing sensor
    assert "unknown_tool" in html and "exception" in html and "sensor offline" in html
    # the repair of "21" (a string) to 21.0, with the call as the model wrote it
    repaired = trajectory.steps[1].calls[0]
    assert repaired.repairs, "the scripted call should have needed a repair"
    assert "<code>celsius</code>" in html and "as the model wrote it" in html
    assert "69.8" in html and ANSWER in html
    assert html.count('<details class="raw">') == len(trajectory.steps) == 4
    # usage totals and timings
    assert f'<td>prompt tokens</td><td class="n">{trajectory.usage.prompt_tokens:,}</td>' in html
    assert re.search(r"generate time</td><td class=\"n\">[\d.]+ (ms|s)<", html)
    rows = [a for tag, a in elements(html) if tag == "div" and "tl-row" in (a.get("class") or "")]
    assert len(rows) == 4 + 5  # one bar per step and one per call


def test_untrusted_text_is_escaped(html: str) -> None:
    assert INJECTED not in html
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
    tags = elements(html)
    assert [t for t, _ in tags].count("script") == 1  # the page's own, nothing injected
    assert not [t for t, _ in tags if t in ("img", "iframe", "object", "embed")]


def test_page_loads_nothing_from_anywhere(html: str) -> None:
    tags = elements(html)
    assert not [t for t, _ in tags if t in ("link", "img", "iframe", "object", "embed", "base")]
    assert all("src" not in attrs for _, attrs in tags)
    hrefs = [attrs["href"] for _, attrs in tags if attrs.get("href") is not None]
    assert hrefs and all(str(h).startswith("#step-") for h in hrefs)
    assert "http://" not in html and "https://" not in html and "url(" not in html
    [csp] = [a["content"] for t, a in tags if t == "meta" and a.get("http-equiv")]
    assert csp is not None and csp.startswith("default-src 'none';")
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]


def test_cli_writes_the_page(store: Path, trajectory: Trajectory, tmp_path: Path) -> None:
    out = tmp_path / "run.html"
    run_id = trajectory.unique_trajectory_id
    result = CliRunner().invoke(
        app, ["trajectories", "view", run_id, "--store", str(store), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == render_run_page(trajectory)

    missing = CliRunner().invoke(app, ["trajectories", "view", "nope", "--store", str(store)])
    assert missing.exit_code == 1 and "no run 'nope'" in missing.output
    both = CliRunner().invoke(
        app, ["trajectories", "view", run_id, "--store", str(store), "--out", "x", "--serve"]
    )
    assert both.exit_code == 2


def test_page_server_answers_only_the_page(html: str) -> None:
    import threading

    server = page_server(html, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as reply:
            assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
            assert reply.read().decode("utf-8") == html
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/../runs.db", timeout=10)
        assert missing.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_cli_serves_the_page_on_loopback(store: Path, trajectory: Trajectory) -> None:
    run_id = trajectory.unique_trajectory_id
    command = [sys.executable, "-m", "lamagent", "trajectories", "view", run_id]
    proc = subprocess.Popen(
        [*command, "--store", str(store), "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        with urllib.request.urlopen(found.group(0), timeout=10) as reply:
            assert reply.read().decode("utf-8") == render_run_page(trajectory)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- in a real browser ------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is needed: apt-get install chromium (scripts/test.sh does it)"
    return found


def run_chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri(),
    ]
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """Width, height, bytes per pixel and raw pixel rows of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    pixels = bytearray(height * stride)
    prev = bytearray(stride)
    for y in range(height):
        row = y * (stride + 1)
        ftype, line = raw[row], bytearray(raw[row + 1 : row + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        pixels[y * stride : (y + 1) * stride] = line
        prev = line
    return width, height, bpp, bytes(pixels)


def colour_counts(width: int, height: int, bpp: int, pixels: bytes) -> dict[tuple[int, ...], int]:
    counts: dict[tuple[int, ...], int] = {}
    for i in range(0, width * height * bpp, bpp):
        rgb = (pixels[i], pixels[i + 1], pixels[i + 2])
        counts[rgb] = counts.get(rgb, 0) + 1
    return counts


def test_chromium_renders_the_page(html: str, tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    page.write_text(html, encoding="utf-8")

    dom = run_chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    for name in ("get_weather", "to_fahrenheit", "read_notes", "flaky_sensor"):
        assert name in text
    assert ANSWER in text
    assert 'data-ready="1"' in text  # the page's own script ran under its CSP
    assert text.count("<script") == 1 and "<img" not in text  # the injected markup stayed text
    assert "&lt;script&gt;document.title=" in text
    assert "<title>lamagent run" in text  # the injected script never ran

    shot = tmp_path / "run.png"
    taken = run_chromium(
        page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,900"
    )
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    width, height, bpp, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (1280, 900)
    counts = colour_counts(width, height, bpp, pixels)
    total = width * height
    background = max(counts.values())
    assert background < 0.9 * total, "the page looks blank"
    assert len(counts) > 50, "the page has almost no content"
    assert counts.get(GENERATE_BLUE, 0) >= 40, "no generate bars on the timeline"
    assert counts.get(TOOL_GREEN, 0) >= 40, "no tool-call bars on the timeline"
    assert counts.get(FAILED_RED, 0) >= 10, "failed calls are not marked"


def test_an_imported_untimed_record_with_a_follow_up_renders() -> None:
    record = {
        "unique_trajectory_id": "imported-1",
        "task_instruction": "You are helpful.",
        "query": "Book a table",
        "tools": [],
        "steps": [
            {
                "thought": "",
                "tool_calls": [{"name": "book", "arguments": {"people": 2}}],
                "step_id": 0,
                "next_observation": ["booked </pre><marquee>bold</marquee>"],
                "user_input": "For 8 pm, please <u>",
            },
            {"thought": "", "tool_calls": [], "step_id": 1, "next_observation": None},
        ],
    }
    page = render_run_page(Trajectory.from_unified(record))
    assert "imported-1" in page and "not timed" in page
    assert "For 8 pm, please &lt;u&gt;" in page
    assert "booked &lt;/pre&gt;&lt;marquee&gt;bold&lt;/marquee&gt;" in page
    assert not [t for t, _ in elements(page) if t in ("marquee", "u")]
    assert 'class="seg partial"' not in page  # untimed is not "cut short"
