"""For tests that send a Ctrl-C to a child process."""

from __future__ import annotations

import signal


def default_sigint() -> None:
    """In the child (`preexec_fn`): Ctrl-C as a terminal delivers it. A shell that starts the
    test run in the background without job control (`pytest &`) makes the run ignore SIGINT,
    and an ignored signal is inherited: the child's Python would then never see one."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
