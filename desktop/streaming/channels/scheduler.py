"""Refreshing playlists (or checking favourites) every N hours, and at once when asked — plain asyncio.

The service owns one on the core's loop. Calls come from that loop only; the
window reaches `refresh_now` and `set_interval` through the seam
(`call_soon_threadsafe`). Refreshes never overlap: "refresh now" during a
refresh runs one more right after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from desktop.streaming.runtime.background import cancel_and_wait
from desktop.streaming.runtime.clocks import Clock, MonotonicClock

log = logging.getLogger(__name__)

HOUR = 3600.0
DEFAULT_INTERVAL_HOURS = 6.0


class RefreshScheduler:
    def __init__(
        self,
        refresh: Callable[[], Awaitable[object]],
        interval_hours: float = DEFAULT_INTERVAL_HOURS,
        *,
        first_delay: float | None = None,
        name: str = "playlist refresh",
        clock: Clock | None = None,
    ) -> None:
        """`first_delay` (seconds) is when the first automatic refresh is due —
        0 when the saved copies are already older than the interval; by default
        one interval after `start()`. An interval of 0 turns automatic refresh off.
        `clock`: real time by default; tests move a fake one on instead of waiting hours."""
        self._refresh = refresh
        self._name = name  # what runs, for the task's name and the log
        self._clock = clock or MonotonicClock()
        self._interval = max(0.0, interval_hours) * HOUR
        self._first_delay = first_delay
        self._next_at: float | None = None  # clock time of the next automatic refresh
        self._last_at = 0.0  # clock time of the last refresh (or of start())
        self._now = False
        self._fired = False  # the timer for the next automatic refresh went off
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._runs = 0

    @property
    def interval_hours(self) -> float:
        return self._interval / HOUR

    @property
    def runs(self) -> int:
        """How many refreshes have finished (well or not) since `start()`."""
        return self._runs

    def seconds_until_next(self) -> float | None:
        """None when no automatic refresh is planned."""
        if self._next_at is None:
            return None
        return max(0.0, self._next_at - self._clock())

    def start(self) -> None:
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        self._last_at = self._clock()
        delay = self._first_delay if self._first_delay is not None else self._interval
        self._next_at = self._last_at + max(0.0, delay) if self._interval > 0 else None
        self._task = loop.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def refresh_now(self) -> None:
        self._now = True
        self._wake.set()

    def set_interval(self, hours: float) -> None:
        """Takes effect at once: the next refresh is one new interval after the last one."""
        self._interval = max(0.0, hours) * HOUR
        if self._task is None:
            return
        self._next_at = self._last_at + self._interval if self._interval > 0 else None
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wait_until_due()
            self._now = False
            try:
                await self._refresh()
            except Exception:  # the next round may well work: keep the schedule alive
                log.exception("%s failed", self._name)
            self._runs += 1
            self._last_at = self._clock()
            self._next_at = self._last_at + self._interval if self._interval > 0 else None

    async def _wait_until_due(self) -> None:
        # A timer sets the same event as refresh_now/set_interval, and the wait
        # is a plain Event.wait(): asyncio.wait_for can swallow a cancel that
        # arrives as the event is set (Python 3.11), and stop() would hang.
        while not self._now:
            if self._next_at is None:
                timer = None
            elif self._next_at <= self._clock():
                return
            else:
                timer = asyncio.get_running_loop().create_task(self._due_at(self._next_at))
            self._wake.clear()
            try:
                await self._wake.wait()
            finally:
                if timer is not None:
                    timer.cancel()
            if self._fired:
                self._fired = False
                return

    async def _due_at(self, when: float) -> None:
        await self._clock.sleep(when - self._clock())  # measured when the timer starts, not when it was made
        self._fired = True
        self._wake.set()
