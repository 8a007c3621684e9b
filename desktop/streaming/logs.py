"""Logging helpers the whole core shares: the one event level → `logging` level map, and a
rate-limited logger for trouble that can repeat many times a second (a flood, a crash loop).

A leaf: it imports nothing of AceTray, so every floor of the core may use it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

# The levels of a `ProxyEvent` (and of the engine supervisor's and the playlists' events).
LEVELS = ("info", "warning", "error")
_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def log_level(level: str) -> int:
    """The `logging` level for an event level; an unknown level logs as INFO rather than being lost."""
    return _LOG_LEVELS.get(level, logging.INFO)


class RateLimitedLog:
    """At most one line per `every` seconds for a kind of trouble, with a count of what was held back."""

    def __init__(self, logger: logging.Logger, every: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._logger = logger
        self._every = every
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        self.log(logging.WARNING, kind, message, *args)

    def log(
        self, level: int, kind: str, message: str, *args: object, exc_info: bool | BaseException | None = None
    ) -> None:
        now = self._clock()
        if now - self._last.get(kind, -self._every) < self._every:
            self._held[kind] = self._held.get(kind, 0) + 1
            return
        held = self._held.pop(kind, 0)
        suffix = f" ({held} more like it not logged)" if held else ""
        self._last[kind] = now
        self._logger.log(level, message + suffix, *args, exc_info=exc_info)
