"""One channel's MPEG-TS kept one stream for its players across engine reconnects.

After a reconnect the engine's new connection (a new session, above all) starts
a new timeline: PCR, PTS and DTS jump back to wherever the engine's stream is,
and each elementary stream resumes in the middle of a PES whose start the
player never saw. A player fed that splice resets (mpv: "Reset playback due to
audio timestamp reset") and decodes a broken frame glued onto the old one.

MPEG-TS has a flag for the new timeline, the adaptation field's
discontinuity_indicator, but FFmpeg's demuxer (mpv, ffplay, Kodi) reads it only
to excuse a continuity-counter gap, never to re-base its clock, and it can be
set only on packets that already carry an adaptation field. So `Splicer` makes
the splice invisible instead:

- after `splice()`, each PID's packets are dropped until its next payload start
  (a PSI section, an audio PES; for video, a keyframe), so nothing continues a
  PES from the other side of the cut (a dropped packet's PCR stays, in a packet
  of its own with no payload: the clock keeps its pace);
- the first PCR of the new timeline is mapped to the last PCR players got plus
  one PCR interval, and that offset is added to every PCR, PTS and DTS from
  then on (the chunk or two before that first PCR are held back, ~100 ms at
  most); a timeline that simply goes on comes out (nearly) unshifted.

Chunks are whole packets (`packets.PacketAligner`). Until the first splice,
`carry` hands every chunk back untouched; after one, it rewrites the few clock
fields it finds by column scans (a bytearray copy per chunk).
"""

from __future__ import annotations

import logging
from collections import deque

from desktop.streaming.ts.clock import (
    WRAP,
    payload_start,
    pes_timestamp_fields,
    read_pcr,
    read_timestamp,
    ticks_between,
    write_pcr,
    write_timestamp,
)
from desktop.streaming.ts.packets import PACKET_SIZE
from desktop.streaming.ts.scan import FITS_PCR, HAS_ADAPTATION, PCR_FLAG, PUSI, PacketScan, offsets

log = logging.getLogger(__name__)

NULL_PID = 0x1FFF
PCR_GAP_DEFAULT = 3_600  # 40 ms: the PCR interval assumed when the last one is unknown
PCR_GAP_MAX = 9_000  # 100 ms: ISO 13818-1's longest PCR interval
RECENT_CHUNKS = 4  # output chunks kept (by reference) to find the last two PCRs at a splice
HOLD_LIMIT = 1024 * 1024  # bytes held while waiting for the new timeline's first PCR
GATE_LIMIT = 16 * 1024 * 1024  # bytes after a splice within which every PID should have started


class Splicer:
    """Feed it every chunk (`carry`) and tell it of every reconnect (`splice`)."""

    def __init__(self) -> None:
        self.offset = 0  # 90 kHz ticks added to every PCR, PTS and DTS (mod 2**33)
        self._recent: deque[bytes] = deque(maxlen=RECENT_CHUNKS)
        self._anchor: int | None = None  # after a splice: where the new timeline's first PCR goes
        self._held: list[bytes] = []  # chunks after a splice, before its first PCR
        self._held_bytes = 0
        self._gate: _StartGate | None = None

    def splice(self) -> None:
        """The upstream reconnected: what comes next may be another timeline, mid-PES."""
        anchor = self._next_pcr()
        if anchor is not None:  # else: nothing reached players since the last splice; its anchor stands
            self._anchor = anchor
        self._recent.clear()
        self._gate = _StartGate()

    def carry(self, chunk: bytes) -> bytes:
        """The chunk as players get it (possibly b"" while the new timeline's first PCR is awaited)."""
        # The new timeline's first PCR as the engine sent it, even on a packet the gate drops:
        # the audio kept before the first keyframe is timed by it too.
        first = first_pcr(chunk) if self._anchor is not None else None
        gate = self._gate
        if gate is not None:
            chunk = gate.filter(chunk)
            if gate.done:
                self._gate = None
        if self._anchor is not None:
            chunk = self._rebase(chunk, first)
        if chunk and self.offset:
            chunk = shifted(chunk, self.offset)
        if chunk:
            self._recent.append(chunk)
        return chunk

    def _rebase(self, chunk: bytes, first: int | None) -> bytes:
        """Hold chunks until the new timeline's first PCR, then fix the offset that continues the old one."""
        assert self._anchor is not None
        if first is None and self._held_bytes + len(chunk) <= HOLD_LIMIT:
            self._held.append(chunk)
            self._held_bytes += len(chunk)
            return b""
        if first is None:
            log.info("no PCR within %d bytes after a reconnect: the stream goes on unshifted", HOLD_LIMIT)
        else:
            self.offset = (self._anchor - first) % WRAP
        self._anchor = None
        if self._held:
            chunk = b"".join((*self._held, chunk))
            self._held, self._held_bytes = [], 0
        return chunk

    def _next_pcr(self) -> int | None:
        """Where the PCR after the last one players got would have been: that PCR plus one interval."""
        pcrs: list[int] = []
        for chunk in reversed(self._recent):
            for pos in reversed(_pcr_offsets(PacketScan(chunk))):
                pcrs.append(read_pcr(chunk, pos))
                if len(pcrs) == 2:
                    break
            if len(pcrs) == 2:
                break
        if not pcrs:
            return None
        gap = ticks_between(pcrs[1], pcrs[0]) if len(pcrs) == 2 else PCR_GAP_DEFAULT
        if not 0 < gap <= PCR_GAP_MAX:
            gap = PCR_GAP_DEFAULT
        return (pcrs[0] + gap) % WRAP


def _pcr_offsets(scan: PacketScan) -> list[int]:
    return offsets(scan.marks((3, HAS_ADAPTATION), (4, FITS_PCR), (5, PCR_FLAG)))


def first_pcr(chunk: bytes) -> int | None:
    """The PCR base of the chunk's first PCR packet (any PID), or None."""
    found = _pcr_offsets(PacketScan(chunk))
    return read_pcr(chunk, found[0]) if found else None


def shifted(chunk: bytes, offset: int) -> bytes:
    """`chunk` with `offset` ticks added to every PCR, PTS and DTS in it."""
    scan = PacketScan(chunk)
    data = bytearray(chunk)
    for pos in _pcr_offsets(scan):
        write_pcr(data, pos, (read_pcr(data, pos) + offset) % WRAP)
    for pos in offsets(scan.marks((1, PUSI))):
        if not data[pos + 3] & 0x10:
            continue  # no payload
        for field in pes_timestamp_fields(data, payload_start(chunk, pos), pos + PACKET_SIZE):
            write_timestamp(data, field, (read_timestamp(data, field) + offset) % WRAP)
    return bytes(data)


class _StartGate:
    """After a splice: drops each PID's packets until its next payload start (video: a keyframe).

    A packet-by-packet loop, but only over the first chunks after a reconnect.
    """

    def __init__(self) -> None:
        self._started: set[int] = {NULL_PID}
        self._waiting: set[int] = set()  # PIDs seen whose start has not come yet
        self._seen_bytes = 0
        self.done = False

    def filter(self, chunk: bytes) -> bytes:
        kept: list[bytes] = []
        run = -1  # start of the current run of kept packets, or -1
        started, waiting = self._started, self._waiting
        for pos in range(0, len(chunk), PACKET_SIZE):
            pid = (chunk[pos + 1] & 0x1F) << 8 | chunk[pos + 2]
            if pid not in started and chunk[pos + 3] & 0x10:  # a payload that may continue a cut PES
                if chunk[pos + 1] & 0x40 and _may_start(chunk, pos):
                    started.add(pid)
                    waiting.discard(pid)
                else:
                    waiting.add(pid)
                    if run != -1:
                        kept.append(chunk[run:pos])
                        run = -1
                    if _carries_pcr(chunk, pos):
                        kept.append(_clock_only(chunk, pos))
                    continue
            if run == -1:
                run = pos
        if run == 0:
            kept.append(chunk)
        elif run != -1:
            kept.append(chunk[run:])
        self._seen_bytes += len(chunk)
        if not waiting or self._seen_bytes > GATE_LIMIT:
            self.done = True
        return kept[0] if len(kept) == 1 else b"".join(kept)


def without_unfinished_pes(data: bytes) -> bytes:
    """`data` less each PID's last PES (from its last payload start on): what a cut left unfinished.

    For an HLS segment closed by a reconnect: a player can be given whole frames only
    there (a TS player already has the cut's half frames). PSI sections, PCR-only packets
    and PIDs with no payload start in `data` are kept.
    """
    last_start: dict[int, int] = {}
    for pos in range(0, len(data), PACKET_SIZE):
        if data[pos + 1] & 0x40 and data[pos + 3] & 0x10:
            start = payload_start(data, pos)
            if data[start : start + 3] == b"\x00\x00\x01":  # a PES, not a PSI section
                last_start[(data[pos + 1] & 0x1F) << 8 | data[pos + 2]] = pos
    if not last_start:
        return data
    kept = bytearray()
    for pos in range(0, len(data), PACKET_SIZE):
        pid = (data[pos + 1] & 0x1F) << 8 | data[pos + 2]
        if pos >= last_start.get(pid, len(data)) and data[pos + 3] & 0x10:
            if _carries_pcr(data, pos):
                kept += _clock_only(data, pos)
            continue
        kept += data[pos : pos + PACKET_SIZE]
    return bytes(kept)


def _carries_pcr(chunk: bytes, pos: int) -> bool:
    return bool(chunk[pos + 3] & 0x20 and 7 <= chunk[pos + 4] <= 183 and chunk[pos + 5] & 0x10)


def _clock_only(chunk: bytes, pos: int) -> bytes:
    """The packet at `pos` with its adaptation field (its PCR) and no payload: stuffing fills the rest."""
    length = chunk[pos + 4]
    header = bytes((chunk[pos], chunk[pos + 1] & 0xBF, chunk[pos + 2], (chunk[pos + 3] & 0xCF) | 0x20, 183))
    return header + chunk[pos + 5 : pos + 5 + length] + b"\xff" * (183 - length)


def _may_start(chunk: bytes, pos: int) -> bool:
    """A payload start a player can begin a PID at: any but a video PES that is not a keyframe."""
    start = payload_start(chunk, pos)
    if start + 4 > pos + PACKET_SIZE or chunk[start : start + 3] != b"\x00\x00\x01":
        return True  # a PSI section (or a PES header we cannot read): a clean start all the same
    if not 0xE0 <= chunk[start + 3] <= 0xEF:
        return True  # audio, subtitles, data
    # random_access_indicator in the adaptation field: the muxer's keyframe flag
    return bool(chunk[pos + 3] & 0x20 and chunk[pos + 4] and chunk[pos + 5] & 0x40)
