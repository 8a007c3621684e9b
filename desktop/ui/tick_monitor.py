"""Measures how late the UI's snapshot timer fires: the app's own responsiveness gauge.

If the event loop is starved (the proxy hogging it, a blocking call), ticks
arrive late; the summary line in the log makes that visible after the fact.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class TickStats:
    ticks: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    def log_line(self) -> str:
        return f"ui-timer ticks={self.ticks} p50_ms={self.p50_ms:.1f} p99_ms={self.p99_ms:.1f} max_ms={self.max_ms:.1f}"


class TickMonitor:
    def __init__(self, interval: float, keep: int = 3600) -> None:
        self._interval = interval
        self._delays: deque[float] = deque(maxlen=keep)
        self._last: float | None = None
        self.count = 0  # ticks seen this run (the stats keep only the last `keep`)

    def set_interval(self, interval: float) -> None:
        """The timer's pace changed: the gap to the next tick is not lateness."""
        self._interval = interval
        self._last = None

    def tick(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.count += 1
        if self._last is not None:
            self._delays.append(max(0.0, now - self._last - self._interval))
        self._last = now

    def stats(self) -> TickStats:
        delays = sorted(self._delays)
        if not delays:
            return TickStats(0, 0.0, 0.0, 0.0)

        def pick(q: float) -> float:
            return delays[min(len(delays) - 1, int(q * len(delays)))] * 1000

        return TickStats(len(delays), pick(0.5), pick(0.99), delays[-1] * 1000)
