"""Cutting a channel's packet-aligned MPEG-TS chunks into self-contained HLS segments.

Where to cut: at a video keyframe (random_access_indicator on a packet that
opens a video PES) once the segment has reached ~90 % of the target duration,
measured on the stream's own clocks — the keyframe's PTS, or the PCR when the
PES carries none. A stream that shows no keyframe flags for a while is cut at
PATs by time instead (the player then starts decoding at its next keyframe).

What a segment holds: the latest PAT and PMT (unless the cut falls right on
a PAT + PMT pair), then everything up to the next cut. Chunks are kept by
reference while a segment is open and joined into one `bytes` when it closes:
the per-chunk work is a few column scans (scan.py) and one list append.

Timeline breaks: an upstream reconnect is announced with `discontinuity()`;
a clock that jumps (backwards, or further than any segment can last) is
noticed on the PCR and treated the same way. Either way the next segment is
flagged, so the playlist can carry #EXT-X-DISCONTINUITY in front of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktop.streaming.hls.config import HlsConfig
from desktop.streaming.ts.clock import CLOCK_HZ, PcrIndex, pes_pts, ticks_between
from desktop.streaming.ts.packets import PACKET_SIZE, SYNC_BYTE
from desktop.streaming.ts.psi import ProgramTables
from desktop.streaming.ts.scan import PacketScan, find_keyframes
from desktop.streaming.ts.splice import without_unfinished_pes

log = logging.getLogger(__name__)

LOOKBACK = 8  # packets before a keyframe searched for a PAT + PMT to open the segment with


@dataclass(frozen=True)
class Cut:
    """A finished segment, before it gets its sequence number."""

    data: bytes
    duration: float  # s, from the stream's clocks
    discontinuity: bool  # the timeline breaks between the previous segment and this one
    keyframe: bool  # begins (after its tables) with a video keyframe; False when cut by time or size


@dataclass(frozen=True)
class _Stamp:
    """A cut point's place on the stream's clocks (either may be unknown)."""

    pts: int | None
    pcr: int | None


class _Open:
    """The segment being filled."""

    __slots__ = ("discontinuity", "jumped", "keyframe", "known_ticks", "parts", "size", "start")

    def __init__(self, header: bytes, start: _Stamp, keyframe: bool, discontinuity: bool) -> None:
        self.parts: list[bytes | memoryview] = [header] if header else []
        self.size = len(header)
        self.start = start
        self.keyframe = keyframe
        self.discontinuity = discontinuity
        self.known_ticks = 0  # stream time covered so far, by the PCR at the end of the last chunk
        self.jumped = False  # the PCR jumped inside this segment: cut at the next chance

    def add(self, part: bytes | memoryview) -> None:
        self.parts.append(part)
        self.size += len(part)


class SegmentCutter:
    """Feed it chunks; it calls `emit` with each segment it finishes, in order."""

    def __init__(self, config: HlsConfig, emit: Callable[[Cut], object]) -> None:
        self._emit = emit
        self._target = round(config.target_duration * CLOCK_HZ)
        self._close_enough = self._target * 9 // 10
        self._patience = round(config.keyframe_patience * CLOCK_HZ)
        # Before the first segment a player is waiting: give up on keyframes sooner.
        self._startup_patience = min(self._patience, 2 * self._target)
        # No segment lasts longer than this; a clock step beyond it is a jump.
        self._max_span = 3 * self._patience
        self._max_segment_bytes = config.max_segment_bytes
        self._tables = ProgramTables()
        self._open: _Open | None = None
        self._pat_mode = False  # no keyframes lately: cut at PATs by time
        self._last_pcr: int | None = None
        self._wait_start: int | None = None  # PCR when waiting for a first cut point began
        self._flag_next = False  # the next segment opens with a discontinuity
        self.skipped_chunks = 0  # chunks that were not whole packets (a bug upstream)

    @property
    def cutting_at_pats(self) -> bool:
        return self._pat_mode

    # --- input ---------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        """Take one chunk of whole 188-byte packets (an immutable `bytes`: it is kept by reference)."""
        if not chunk or len(chunk) % PACKET_SIZE or chunk[0] != SYNC_BYTE:
            self.skipped_chunks += 1
            return
        scan = PacketScan(chunk)
        pcrs = PcrIndex(scan, self._tables.pcr_pid)
        keyframes = find_keyframes(scan)
        if keyframes:
            self._pat_mode = False
        candidates = keyframes if keyframes or not self._pat_mode else self._tables.pat_offsets(scan)
        done = 0  # bytes of this chunk already placed in a finished segment (or dropped)
        for pos in candidates:
            done = self._consider(scan, pos, done, pcrs, keyframe=bool(keyframes))
        self._tables.update(scan, len(chunk))
        now = pcrs.last()
        if now is not None:
            self._last_pcr = now
        segment = self._open
        if segment is None:
            self._wait(now)
            return
        segment.add(chunk if done == 0 else memoryview(chunk)[done:])
        if now is not None:
            self._measure(segment, pcrs)
            if not self._pat_mode and segment.known_ticks >= self._patience:
                log.info("HLS: no video keyframe flags for %.0f s; cutting at PATs by time", self._patience / CLOCK_HZ)
                self._pat_mode = True
        if segment.size >= self._max_segment_bytes:
            self._cut_for_size(segment)

    def discontinuity(self) -> None:
        """The upstream reconnected: close what we have; the next segment starts a new timeline."""
        if self._open is not None:
            # The cut left each stream's last PES unfinished: without it the segment decodes cleanly.
            self._open.parts = [without_unfinished_pes(b"".join(self._open.parts))]
            self._close(self._open, self._open.known_ticks)
        self._open = None
        self._tables.reset()  # the new connection may carry other tables
        self._pat_mode = False
        self._last_pcr = None
        self._wait_start = None
        self._flag_next = True

    # --- cut points ----------------------------------------------------------------------
    def _consider(self, scan: PacketScan, pos: int, done: int, pcrs: PcrIndex, *, keyframe: bool) -> int:
        """Cut at the keyframe or PAT at `pos` if it is time; returns the new `done` offset."""
        tables = self._tables
        tables.update(scan, pos)  # the tables in force before this point
        chunk = scan.chunk
        pcr = pcrs.last_before(pos + PACKET_SIZE)
        stamp = _Stamp(pes_pts(chunk, pos) if keyframe else None, self._last_pcr if pcr is None else pcr)
        start = self._lookback(chunk, pos, done) if keyframe else pos
        if tables.opens_with_tables(chunk, start):
            header: bytes | None = b""
        else:
            header = tables.header() if tables.complete else None
        if header is None:
            return done  # no PAT/PMT yet: a segment starting here could not be decoded alone
        segment = self._open
        if segment is not None:
            span = self._span(segment.start, stamp)
            if span is None:
                return done  # no clock to measure by: the size cap will cut
            if segment.jumped or span > self._max_span:
                log.info("HLS: the stream's clock jumped; the next segment starts a new timeline")
                segment.add(memoryview(chunk)[done:start])
                self._measure(segment, pcrs, start)  # up to the jump, if it is in this chunk
                self._close(segment, segment.known_ticks)
                self._flag_next = True
            elif span < (self._target if not keyframe else self._close_enough):
                # PATs come every ~100 ms, so by time a cut can land on the target itself.
                return done
            else:
                segment.add(memoryview(chunk)[done:start])
                self._close(segment, span)
        self._begin(header, stamp, keyframe)
        return start

    def _cut_for_size(self, segment: _Open) -> None:
        """Close a segment that found no cut point in time; the next one opens with table copies."""
        log.info("HLS: segment reached %d bytes without a cut point; cutting it there", segment.size)
        # Without a clock reading the duration can only be nominal; it keeps memory bounded.
        self._close(segment, segment.known_ticks or self._target)
        header = self._tables.header() if self._tables.complete else None
        self._begin(header, _Stamp(None, self._last_pcr), keyframe=False)

    def _lookback(self, chunk: bytes, pos: int, done: int) -> int:
        """Where a segment for the keyframe at `pos` starts: on a PAT + PMT just before it, if any.

        Only tables, SI and stuffing may lie between: those belong to no frame.
        Otherwise the segment starts at the keyframe with copies of the tables.
        """
        probe = pos
        for _ in range(LOOKBACK):
            probe -= PACKET_SIZE
            if probe < done or not self._tables.is_neutral(chunk, probe):
                break
            if self._tables.opens_with_tables(chunk, probe):
                return probe
        return pos

    def _span(self, start: _Stamp, end: _Stamp) -> int | None:
        """Stream time between two cut points: by PTS when both have one, else by PCR."""
        if start.pts is not None and end.pts is not None:
            return ticks_between(start.pts, end.pts)
        if start.pcr is not None and end.pcr is not None:
            return ticks_between(start.pcr, end.pcr)
        return None

    # --- bookkeeping ---------------------------------------------------------------------
    def _measure(self, segment: _Open, pcrs: PcrIndex, end: int | None = None) -> None:
        """How much stream time the open segment covers, by the last PCR of this chunk before `end`.

        A PCR too far from the segment's start means the clock jumped: the
        segment is then measured up to the last PCR before the jump.
        """
        if segment.jumped:
            return
        start = segment.start.pcr
        if start is None:  # opened before any PCR (right after a reconnect): count from the first one seen
            start = next(pcrs.backwards(end), None)
            if start is None:
                return
            segment.start = _Stamp(segment.start.pts, start)
        for pcr in pcrs.backwards(end):
            span = ticks_between(start, pcr)
            if span <= self._max_span:
                segment.known_ticks = span
                return
            segment.jumped = True

    def _wait(self, now: int | None) -> None:
        """No segment open yet: after a while without keyframes, open one at the next PAT."""
        if now is None or self._pat_mode:
            return
        if self._wait_start is None or ticks_between(self._wait_start, now) > self._max_span:
            self._wait_start = now
        elif ticks_between(self._wait_start, now) >= self._startup_patience:
            log.info("HLS: no video keyframe flags at the start; cutting at PATs by time")
            self._pat_mode = True

    def _begin(self, header: bytes | None, stamp: _Stamp, keyframe: bool) -> None:
        if header is None:  # tables not known yet: wait for the next cut point
            self._open = None
            return
        self._open = _Open(header, stamp, keyframe, discontinuity=self._flag_next)
        self._flag_next = False

    def _close(self, segment: _Open, ticks: int) -> None:
        self._open = None
        if ticks <= 0:
            # Nothing measurable (a reconnect right after a cut): drop it, keep its flag.
            self._flag_next = self._flag_next or segment.discontinuity
            log.debug("HLS: dropped a segment of %d bytes with no measurable duration", segment.size)
            return
        self._emit(Cut(b"".join(segment.parts), ticks / CLOCK_HZ, segment.discontinuity, segment.keyframe))
