"""The core's event-loop choice, made once: uvloop when installed, else asyncio's own.

The proxy moves every byte through its loop, and uvloop's is the one the
benchmarks measure (the README's Performance table); `acetray serve` and the tray's core
thread both take their loop from here so they run what was measured.
uvloop is optional (the `fast` extra, not on Windows): without it the core
runs on asyncio's default loop and behaves the same, only costs more CPU.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from desktop.streaming.logs import RateLimitedLog

log = logging.getLogger(__name__)

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def loop_factory() -> LoopFactory:
    """A factory for the core's loops, e.g. for `asyncio.Runner(loop_factory=...)`."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop of the chosen kind (not set as the thread's current loop)."""
    return loop_factory()()


def install_exception_logging(loop: asyncio.AbstractEventLoop) -> None:
    """Log what the loop cannot deliver elsewhere; accept failures once per interval, without a traceback.

    Out of descriptors, asyncio retries `accept()` every second and reports each
    failure with a traceback: a flood would otherwise fill (and rotate away) the log.
    """
    reports = RateLimitedLog(log)

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message", "unhandled error")
        if "accept" in message and isinstance(exc, OSError):
            reports.warning("accept", "cannot accept connections: %s", exc.strerror or exc)
            return
        log.error("core loop: %s", message, exc_info=exc)

    loop.set_exception_handler(handle)
