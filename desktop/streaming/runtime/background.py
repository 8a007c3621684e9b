"""The core's background work: a task ended and waited for, and waits that double between tries.

A leaf: it imports nothing of AceTray, so every floor of the core may use it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Backoff:
    """Waits that double with each failure in a row, from `first` up to `most` seconds."""

    first: float
    most: float

    def wait(self, failures: int) -> float:
        """The wait after `failures` failures in a row (1, or fewer: `first`)."""
        return min(self.most, self.first * 2.0 ** max(0, failures - 1))


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` (None: there is none) and return once it has ended; what else it raises, it raises here."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
