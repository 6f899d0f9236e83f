"""Start llama-cpp-python's OpenAI-compatible server on a free loopback port (tests and bench)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def llama_server(
    model: Path,
    *,
    alias: str = "smollm2",
    n_ctx: int = 4096,
    threads: int | None = None,
    interrupt_requests: bool = False,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Yield (base_url, process) of a running server; the server is killed on exit."""
    port = free_port()
    threads = threads or max(1, len(os.sched_getaffinity(0)))
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads),
        # By default this server cuts a streaming request short when another one arrives.
        "--interrupt_requests", str(interrupt_requests),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start within 90 s")
            time.sleep(0.2)
        yield base_url, proc
    finally:
        proc.kill()
        proc.wait(timeout=10)
