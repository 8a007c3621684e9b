"""A clock the test moves on by hand, for code that takes a `desktop.streaming.runtime.clocks.Clock`."""

from __future__ import annotations

import asyncio


class FakeClock:
    """The core's clock (desktop/streaming/runtime/clocks.py), moved on by the test: players' takes, linger,
    HLS viewers' silence, the housekeeping tick and stat polls happen when the test says, not later."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self._moved = asyncio.Event()
        self._sleepers: list[tuple[float, float, float]] = []  # (since, seconds, until) of each sleep

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        sleeper = (self.now, seconds, self.now + seconds)
        self._sleepers.append(sleeper)
        try:
            while self.now < sleeper[2]:
                await self._moved.wait()
        finally:
            self._sleepers.remove(sleeper)

    def advance(self, seconds: float) -> None:
        """Move time on; whatever slept until then wakes (at the test's next await, or `settled`)."""
        self.now += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def settled(self) -> None:
        """Return once every sleeper whose time has come has woken and run on to its next wait."""
        while any(until <= self.now for _, _, until in self._sleepers):
            await asyncio.sleep(0)

    async def asleep(self, seconds: float, timeout: float = 10.0) -> None:
        """Return once something has gone to sleep for `seconds` since time last moved: a periodic
        job (a stat poll) that is back in its wait, so moving time on now is its next round."""
        async with asyncio.timeout(timeout):
            while not any(since == self.now and length == seconds for since, length, _ in self._sleepers):
                await asyncio.sleep(0.001)
