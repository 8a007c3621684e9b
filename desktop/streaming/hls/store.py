"""The finished segments of one stream: numbered, windowed, bounded, and waited for.

Each segment is one immutable `bytes` object that every HLS player is served
from — no copy per player. The playlist lists the newest `window` segments; a
few `spare` ones stay after they leave it, because a player that read the
playlist just before it slid still asks for them. A byte bound caps the
whole: a channel with huge segments keeps fewer, never more memory.

Players wait on the store, never poll: every change wakes the waiters.

Each segment carries the date of its first picture (#EXT-X-PROGRAM-DATE-TIME):
within a timeline a segment's date is the previous one's plus its duration,
so dates and durations agree; a timeline's first segment is dated by the wall
clock when it closes, less its duration.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.streaming.hls.config import HlsConfig
from desktop.streaming.hls.cutter import Cut

log = logging.getLogger(__name__)

# How far beyond the newest segment a request may ask and still be waited
# for: the segment being cut now (next_seq) and the one after it.
AHEAD_LIMIT = 1


@dataclass(frozen=True)
class Segment:
    seq: int  # media sequence number
    data: bytes = field(repr=False)
    duration: float  # s, from the stream's clocks
    discontinuity: bool  # #EXT-X-DISCONTINUITY goes before it
    discontinuity_seq: int  # how many discontinuities came before it, this one's included
    keyframe: bool  # starts with a video keyframe
    date: float = 0.0  # unix time of its first picture (#EXT-X-PROGRAM-DATE-TIME)


class Missing(enum.Enum):
    """Why a segment cannot be served."""

    GONE = "gone"  # it left the window and memory: 404, the player reloads the playlist
    AHEAD = "ahead"  # too far beyond the newest segment to wait for: 404
    TIMEOUT = "timeout"  # not cut within the wait
    CLOSED = "closed"  # the stream ended


class SegmentStore:
    def __init__(self, config: HlsConfig, first_seq: int = 0, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock
        self._window = config.window
        self._keep = config.window + config.spare
        self._max_bytes = config.max_bytes
        self._segments: deque[Segment] = deque()
        self._next_seq = self._first_seq = first_seq
        self._discontinuities = 0
        self._bytes = 0
        self._changed = asyncio.Event()
        self._closed = False
        self.longest = 0.0  # s, the longest segment so far (the playlist's target duration follows it)
        self.evicted_for_bytes = 0  # segments dropped early to hold the byte bound
        self._warned = False

    # --- writing -------------------------------------------------------------------------
    def add(self, cut: Cut) -> Segment:
        # A break before the very first segment is no break for any player.
        discontinuity = cut.discontinuity and self._next_seq > self._first_seq
        if discontinuity:
            self._discontinuities += 1
        previous = self._segments[-1] if self._segments else None
        if previous is None or cut.discontinuity:
            date = self._wall_clock() - cut.duration  # a timeline starts: it ends now
        else:
            date = previous.date + previous.duration
        segment = Segment(
            seq=self._next_seq,
            data=cut.data,
            duration=cut.duration,
            discontinuity=discontinuity,
            discontinuity_seq=self._discontinuities,
            keyframe=cut.keyframe,
            date=date,
        )
        self._next_seq += 1
        self._segments.append(segment)
        self._bytes += len(segment.data)
        self.longest = max(self.longest, segment.duration)
        self._evict()
        self._notify()
        return segment

    def _evict(self) -> None:
        segments = self._segments
        while len(segments) > self._keep:
            self._bytes -= len(segments.popleft().data)
        while self._bytes > self._max_bytes and len(segments) > 1:
            self._bytes -= len(segments.popleft().data)
            self.evicted_for_bytes += 1
            if len(segments) < self._window and not self._warned:
                self._warned = True
                log.warning("HLS: segments too large for the memory bound; the playlist lists fewer")

    def close(self) -> None:
        """The stream ended: every waiter returns now."""
        self._closed = True
        self._notify()

    def _notify(self) -> None:
        # One Event per generation: waiters hold the one that was current when they looked.
        self._changed.set()
        self._changed = asyncio.Event()

    # --- reading -------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def next_seq(self) -> int:
        """The sequence number the segment being cut now will get."""
        return self._next_seq

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._segments)

    def playlist_segments(self) -> tuple[Segment, ...]:
        """The newest `window` segments, oldest first."""
        segments = self._segments
        skip = max(0, len(segments) - self._window)
        return tuple(segments[i] for i in range(skip, len(segments)))

    def get(self, seq: int) -> Segment | Missing | None:
        """The segment, or why not; None when it may still come (worth a wait)."""
        segments = self._segments
        if segments and segments[0].seq <= seq < self._next_seq:
            return segments[seq - segments[0].seq]
        if seq < self._next_seq:
            return Missing.GONE
        if self._closed:
            return Missing.CLOSED
        if seq > self._next_seq + AHEAD_LIMIT:
            return Missing.AHEAD
        return None

    async def wait_for_segments(self, count: int, timeout: float) -> bool:
        """Wait until the playlist lists at least `count` segments; False on timeout or close."""
        count = min(count, self._window)
        return await self.wait_until(lambda: len(self._segments) >= count, timeout)

    async def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait (woken by each change) until `ready()`; False on timeout or close."""
        try:
            async with asyncio.timeout(timeout):
                while not ready():
                    if self._closed:
                        return False
                    await self._changed.wait()
        except TimeoutError:
            return False
        return True

    async def wait_for_segment(self, seq: int, timeout: float) -> Segment | Missing:
        """The segment `seq`, waiting (bounded) if it is the one being cut or the next."""
        try:
            async with asyncio.timeout(timeout):
                while (found := self.get(seq)) is None:
                    await self._changed.wait()
        except TimeoutError:
            return Missing.TIMEOUT
        return found
