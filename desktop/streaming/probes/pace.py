"""How fast a link check may go: at most N probes in any window of 60 s, on a clock that tests can drive.

A sliding log of the last N start times, not a token bucket: "12 in any 60 s"
must hold for every window, including one that starts mid-burst (a bucket
that starts full lets 2N through in the first minute). The clock is injected
so a test can run a whole check's pacing without waiting for it.
"""

from __future__ import annotations

from collections import deque

from desktop.streaming.runtime.clocks import Clock

WINDOW = 60.0  # s


class SlidingWindow:
    """At most `limit` starts in any `window` seconds; `limit` may change between calls (a setting)."""

    def __init__(self, clock: Clock, window: float = WINDOW) -> None:
        self._clock = clock
        self._window = window
        self._starts: deque[float] = deque()

    def wait_time(self, limit: int) -> float:
        """Seconds until one more start is allowed (0: now)."""
        now = self._clock()
        while self._starts and self._starts[0] <= now - self._window:
            self._starts.popleft()
        if len(self._starts) < max(1, limit):
            return 0.0
        # The start that must leave the window first is the limit-th newest one.
        return self._starts[len(self._starts) - max(1, limit)] + self._window - now

    def spend(self) -> None:
        self._starts.append(self._clock())
