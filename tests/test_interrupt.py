"""A Ctrl-C stops a synchronous run even where a native task cancellation would be lost.

asyncio's runner turns the first Ctrl-C into one cancellation of the main task; code that
swallows it once (as a cancel scope finishing its own cancellation can) keeps running.
`run_sync` cancels a scope around the run instead, which stays cancelled until the run ends.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from child_signals import default_sigint

ROOT = Path(__file__).resolve().parents[1]


SCRIPT = """
import sys, anyio
from lamagent._loop.interrupt import run_sync

async def stubborn():
    print("ready", flush=True)
    try:
        await anyio.sleep(6)
    except BaseException:  # swallows one cancellation, as a racing cancel scope can
        pass
    await anyio.sleep(6)
    return "finished"

run = run_sync if sys.argv[1] == "run_sync" else anyio.run
try:
    print(run(stubborn), flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(7)
"""


def interrupt(tmp_path: Path, runner: str) -> tuple[float, int | None, str]:
    script = tmp_path / "stubborn.py"
    script.write_text(textwrap.dedent(SCRIPT))
    proc = subprocess.Popen(
        [sys.executable, str(script), runner],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=default_sigint,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    return time.perf_counter() - start, proc.returncode, out


def test_ctrl_c_stops_a_run_that_swallows_one_cancellation(tmp_path: Path) -> None:
    elapsed, code, out = interrupt(tmp_path, "run_sync")
    assert code == 7 and "interrupted" in out
    assert elapsed < 3


@pytest.mark.slow
def test_the_native_cancellation_alone_is_lost_there(tmp_path: Path) -> None:
    """The baseline: plain `anyio.run` runs on to the second sleep before it stops."""
    elapsed, code, out = interrupt(tmp_path, "anyio")
    assert elapsed > 5, (elapsed, code, out)


def test_a_second_ctrl_c_stops_a_blocked_loop_at_once(tmp_path: Path) -> None:
    script = tmp_path / "blocked.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from lamagent._loop.interrupt import run_sync

            async def blocked():
                print("ready", flush=True)
                time.sleep(20)  # the event loop itself is blocked: no cancellation can land

            try:
                run_sync(blocked)
            except KeyboardInterrupt:
                sys.exit(7)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert proc.poll() is None  # the first one waits for the loop
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 7 and time.perf_counter() - start < 5


def test_a_program_with_its_own_sigint_handler_keeps_it(tmp_path: Path) -> None:
    script = tmp_path / "custom.py"
    script.write_text(
        textwrap.dedent(
            """
            import signal, anyio
            from lamagent._loop.interrupt import run_sync

            mine = lambda signum, frame: None
            signal.signal(signal.SIGINT, mine)

            async def check():
                return signal.getsignal(signal.SIGINT) is mine

            print(run_sync(check), signal.getsignal(signal.SIGINT) is mine)
            """
        )
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        preexec_fn=default_sigint,
    ).stdout
    assert out.split() == ["True", "True"]
