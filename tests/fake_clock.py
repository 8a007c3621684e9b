"""A clock the test moves on by hand, for code that takes a `desktop.streaming.clocks.Clock`."""

from __future__ import annotations

import asyncio


class FakeClock:
    """The core's clock (desktop/streaming/clocks.py), moved on by the test: players' takes, linger,
    HLS viewers' silence, the housekeeping tick and stat polls happen when the test says, not later."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self._moved = asyncio.Event()
        self._sleepers: list[float] = []  # until when each sleeper sleeps

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        self._sleepers.append(until)
        try:
            while self.now < until:
                await self._moved.wait()
        finally:
            self._sleepers.remove(until)

    def advance(self, seconds: float) -> None:
        """Move time on; whatever slept until then wakes (at the test's next await, or `settled`)."""
        self.now += seconds
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def settled(self) -> None:
        """Return once every sleeper whose time has come has woken and run on to its next wait."""
        while any(until <= self.now for until in self._sleepers):
            await asyncio.sleep(0)
