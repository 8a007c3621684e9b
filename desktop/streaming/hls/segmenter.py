"""One channel's HLS: the cutter fed by the stream's reader, the store HLS players read from.

The stream calls `feed(chunk)` with every chunk it publishes (the same
`bytes` objects the TS players get) and `discontinuity()` after a reconnect.
Routes call `playlist()`, `wait_until_startable()` and `wait_for_segment()`.
Everything runs on the core's event loop; nothing here blocks or copies a
chunk until a segment is complete.

A fault in the segmenter must never reach the reader (TS players would lose
the stream over an HLS bug): `feed` logs it, starts a new timeline and goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.streaming.hls.config import HlsConfig
from desktop.streaming.hls.cutter import SegmentCutter
from desktop.streaming.hls.playlist import render_media_playlist, target_duration
from desktop.streaming.hls.store import Missing, Segment, SegmentStore

log = logging.getLogger(__name__)

# RFC 8216 §6.3.3: a client SHOULD NOT start playing a live playlist at a segment that starts
# less than three target durations from its end; strict ones (AVPlayer) wait until one does.
START_TARGETS = 3


@dataclass(frozen=True)
class HlsStats:
    segments: int  # held in memory (playlist window + spares)
    total_bytes: int  # their size together
    next_seq: int  # sequence number of the segment being cut
    longest: float  # s, the longest segment so far
    cutting_at_pats: bool  # no keyframe flags lately: cut by time at PATs
    evicted_for_bytes: int  # segments dropped early to hold the memory bound
    faults: int  # chunks the segmenter failed on (logged)


class HlsSegmenter:
    def __init__(
        self, config: HlsConfig | None = None, first_seq: int = 0, wall_clock: Callable[[], float] = time.time
    ) -> None:
        """`first_seq`: the first segment's media sequence number (see `StreamHls` for why not 0);
        `wall_clock`: what dates the segments (#EXT-X-PROGRAM-DATE-TIME)."""
        self.config = config or HlsConfig()
        self._store = SegmentStore(self.config, first_seq, wall_clock)
        self._cutter = SegmentCutter(self.config, self._store.add)
        self._faults = 0

    # --- from the stream -----------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        """One published chunk (whole packets, immutable: kept by reference until its segment closes)."""
        try:
            self._cutter.feed(chunk)
        except Exception:
            self._faults += 1
            if self._faults == 1:
                log.exception("HLS segmenter failed on a chunk; starting a new timeline")
            self._cutter = SegmentCutter(self.config, self._store.add)
            self._cutter.discontinuity()

    def discontinuity(self) -> None:
        """The upstream reconnected: the next segment gets #EXT-X-DISCONTINUITY."""
        self._cutter.discontinuity()

    def close(self) -> None:
        """The stream ended: waiting players are answered now."""
        self._store.close()

    # --- for HLS players -----------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._store.closed

    def playlist(self, uri: Callable[[int], str]) -> str:
        """The media playlist; `uri(seq)` gives each segment's relative URI (with a token, if any)."""
        segments = self._store.playlist_segments()
        return render_media_playlist(segments, uri, next_seq=self._store.next_seq, target=self._target(segments))

    def _target(self, segments: Sequence[Segment]) -> int:
        return target_duration(segments, at_least=self.config.target_duration, longest=self._store.longest)

    def startable(self) -> bool:
        """A strict client can start on this playlist: its first segment starts at least
        START_TARGETS target durations before the live edge (or the window can list no more)."""
        segments = self._store.playlist_segments()
        if not segments:
            return False
        if len(segments) >= self.config.window:
            return True
        return sum(s.duration for s in segments) >= START_TARGETS * self._target(segments)

    def segment(self, seq: int) -> Segment | Missing:
        """The segment now, without waiting; `Missing.TIMEOUT` if it is not cut yet."""
        found = self._store.get(seq)
        return Missing.TIMEOUT if found is None else found

    async def wait_for_segments(self, count: int, timeout: float) -> bool:
        """Until the playlist lists `count` segments (capped at the window); False on timeout or close."""
        return await self._store.wait_for_segments(count, timeout)

    async def wait_until_startable(self, timeout: float) -> bool:
        """Until a strict client can start on the playlist (`startable`); False on timeout or close."""
        return await self._store.wait_until(self.startable, timeout)

    async def wait_for_segment(self, seq: int, timeout: float) -> Segment | Missing:
        """Segment `seq`: at once if held; a bounded wait if it is being cut; else why not."""
        return await self._store.wait_for_segment(seq, timeout)

    def stats(self) -> HlsStats:
        store = self._store
        return HlsStats(
            segments=len(store),
            total_bytes=store.total_bytes,
            next_seq=store.next_seq,
            longest=store.longest,
            cutting_at_pats=self._cutter.cutting_at_pats,
            evicted_for_bytes=store.evicted_for_bytes,
            faults=self._faults,
        )
