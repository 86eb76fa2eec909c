"""Stopping long-running commands as shells expect: Ctrl-C exits 130, SIGTERM 143, both
through the same clean path (the ``with`` blocks unwind: a private chain stops, an interrupted
keeper pass reports what it already mined)."""

from __future__ import annotations

import contextlib
import signal
from typing import Any, Iterator

SIGINT_EXIT, SIGTERM_EXIT = 128 + signal.SIGINT, 128 + signal.SIGTERM


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit(143)`` (as Ctrl-C raises KeyboardInterrupt)."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_code(exc: BaseException) -> int | None:
    """The exit code of a stop by signal (130, 143), or None when ``exc`` is not one."""
    if isinstance(exc, KeyboardInterrupt):
        return SIGINT_EXIT
    if isinstance(exc, SystemExit) and exc.code == SIGTERM_EXIT:
        return SIGTERM_EXIT
    return None
