"""How many new channels one client address may open per minute: a small token bucket per address.

Each new channel is an engine session and a P2P swarm, and the channel cap
is shared by the whole house. Without a limit, one device (or a neighbour)
can open channel after channel and keep the cap full. Joining a channel that
is already open costs nothing; only opening a new one takes a token.
"""

from __future__ import annotations

import time
from collections.abc import Callable

NEW_CHANNELS_PER_MINUTE = 12  # zapping through a playlist fits; a script opening channels in a loop does not
MAX_TRACKED = 512  # addresses remembered at once; a full bucket is forgotten first (it means nothing)


class NewChannelQuota:
    """Token buckets by client address; `allows` then `spend`, so a refused channel costs nothing."""

    def __init__(
        self,
        per_minute: int = NEW_CHANNELS_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when counted)

    def _tokens(self, address: str) -> float:
        tokens, since = self._buckets.get(address, (self.per_minute, 0.0))
        return min(float(self.per_minute), tokens + (self._clock() - since) * self._rate)

    def allows(self, address: str) -> bool:
        return self._tokens(address) >= 1.0

    def spend(self, address: str) -> None:
        if len(self._buckets) >= MAX_TRACKED and address not in self._buckets:
            self._forget_full()
        self._buckets[address] = (self._tokens(address) - 1.0, self._clock())

    def retry_after(self, address: str) -> float:
        """Seconds until `address` may open a new channel again."""
        return max(0.0, (1.0 - self._tokens(address)) / self._rate)

    def _forget_full(self) -> None:
        for address in [a for a in self._buckets if self._tokens(a) >= self.per_minute]:
            del self._buckets[address]
        if len(self._buckets) >= MAX_TRACKED:  # all busy: forget the oldest count rather than grow
            oldest = min(self._buckets, key=lambda a: self._buckets[a][1])
            del self._buckets[oldest]
