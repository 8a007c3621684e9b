"""HLS viewers of one stream: players known only by the requests they make.

An HLS player holds no connection open: it fetches the playlist and then each
new segment, often on a new connection each time. So a viewer is a record
keyed by (address, user agent) — not by connection — kept alive by its
requests, and forgotten once it has made none for a few target durations
(`expire`). A request still being answered (a first playlist waiting for the
channel to start can take the whole start timeout) keeps its viewer however
long it takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from desktop.streaming.snapshot import ClientSnapshot

# A viewer is a few numbers, but each (address, user agent) pair makes one:
# bound them, so that a client inventing user agents cannot grow memory.
MAX_VIEWERS = 256


class TooManyViewers(Exception):
    """A new viewer was refused: MAX_VIEWERS already watch this stream over HLS."""


class HlsViewer:
    """One HLS player as its requests show it. Lives on the core's loop."""

    __slots__ = (
        "_rate_mark",
        "active",
        "address",
        "arrived",
        "bytes_sent",
        "client_id",
        "connected_at",
        "last_seen",
        "last_segment",
        "rate_bps",
        "segments",
        "user_agent",
    )

    def __init__(self, client_id: int, address: str, user_agent: str, connected_at: float, now: float) -> None:
        self.client_id = client_id
        self.address = address
        self.user_agent = user_agent
        self.connected_at = connected_at  # unix time of its first request
        self.arrived = now  # the stream's clock at its first request
        self.last_seen = now  # the stream's clock when a request of it last began or ended
        self.last_segment: float | None = None  # the stream's clock when it was last sent a segment
        self.active = 0  # its requests being answered now
        self.bytes_sent = 0  # segment bytes it was sent
        self.segments = 0  # segments it was sent
        self.rate_bps: float | None = None  # None until a look after its first segment
        self._rate_mark = (now, 0)

    def segment_sent(self, size: int, now: float) -> None:
        self.bytes_sent += size
        self.segments += 1
        self.last_segment = now

    def unread_for(self, now: float, every: float) -> float:
        """How long it has fetched no segment beyond the `every` s between segments of a viewer that plays."""
        since = self.arrived if self.last_segment is None else self.last_segment
        return max(0.0, now - since - every)

    def sample_rate(self, now: float) -> None:
        mark_time, mark_bytes = self._rate_mark
        if now - mark_time >= 0.5:
            if self.segments:
                self.rate_bps = (self.bytes_sent - mark_bytes) / (now - mark_time)
            self._rate_mark = (now, self.bytes_sent)

    def snapshot(self) -> ClientSnapshot:
        return ClientSnapshot(
            client_id=self.client_id,
            address=self.address,
            user_agent=self.user_agent,
            connected_at=self.connected_at,
            bytes_sent=self.bytes_sent,
            rate_bps=self.rate_bps,
            dropped_chunks=0,  # a viewer that falls behind skips whole segments, told by 404s
            state="playing" if self.segments else "waiting",
            kind="HLS",
        )


class HlsViewers:
    """The stream's HLS viewers; `on_change` runs when one arrives or leaves (the stream recounts)."""

    def __init__(self, next_id: Callable[[], int], on_change: Callable[[], None]) -> None:
        self._next_id = next_id
        self._on_change = on_change
        self._by_key: dict[tuple[str, str], HlsViewer] = {}
        self._bytes_of_gone = 0  # what viewers that left were sent

    @property
    def bytes_sent(self) -> int:
        """Segment bytes sent to all viewers, gone ones included."""
        return self._bytes_of_gone + sum(v.bytes_sent for v in self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[HlsViewer]:
        return iter(self._by_key.values())

    @contextmanager
    def visit(self, address: str, user_agent: str, wall: float, now: Callable[[], float]) -> Iterator[HlsViewer]:
        """One request of a viewer, from its start to its answer; the viewer is made on its first."""
        viewer = self._by_key.get((address, user_agent))
        if viewer is None:
            if len(self._by_key) >= MAX_VIEWERS:
                raise TooManyViewers(f"{MAX_VIEWERS} HLS players already watch this channel")
            viewer = HlsViewer(self._next_id(), address, user_agent, wall, now())
            self._by_key[(address, user_agent)] = viewer
            self._on_change()
        viewer.active += 1
        viewer.last_seen = now()
        try:
            yield viewer
        finally:
            viewer.active -= 1
            viewer.last_seen = now()

    def expire(self, now: float, after: float) -> list[HlsViewer]:
        """Forget viewers with no request for `after` s (none under way); the ones forgotten."""
        gone = [v for v in self._by_key.values() if not v.active and now - v.last_seen > after]
        for viewer in gone:
            del self._by_key[(viewer.address, viewer.user_agent)]
            self._bytes_of_gone += viewer.bytes_sent
        if gone:
            self._on_change()
        return gone

    def clear(self) -> None:
        self._bytes_of_gone = self.bytes_sent
        self._by_key.clear()
