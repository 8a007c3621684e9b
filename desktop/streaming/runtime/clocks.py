"""The core's clock: what time it is, and waiting for a time to come, in one object.

Everything in a live channel that is driven by time reads it here: when players took data
(the stale check, the channel cap), how long a channel lingers, when an HLS viewer counts as
gone, the once-a-second housekeeping and the engine stat polls. A test hands the service a
clock it moves on by hand (`tests/fake_clock.py`), so "after the linger time"
is a step of the test rather than seconds of waiting, and holds on a loaded machine.
Network deadlines (the engine's start, empty reads) keep the loop's real time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> float:
        """Seconds, monotonic."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once `seconds` have passed on this clock."""
        ...


class MonotonicClock:
    """Real time: `time.monotonic` and `asyncio.sleep`."""

    __slots__ = ()

    def __call__(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
