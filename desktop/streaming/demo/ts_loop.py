"""Looping an MPEG-TS clip forever as one continuous stream (for the demo engine).

A clip played twice in a row jumps back in time at the seam: PCR, PTS and DTS
restart and every continuity counter skips. Real players then stutter, flush or
complain. `TsLoop` finds, once, every place in the clip that carries a clock or
a counter, and produces loop number k of the endless stream by shifting the
clocks by k times the clip's period and the counters by k times its packets per PID.

Kept apart from `desktop/streaming/ts/` (the proxy's packet helpers, whose
constants and clock fields it shares): the proxy rewrites clocks only across
a reconnect (`ts/splice.py`), never the counters, and never a clip's loops.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from desktop.streaming.ts.clock import (
    PCR_FIELD,
    pes_timestamp_fields,
    read_pcr,
    read_timestamp,
    write_pcr,
    write_timestamp,
)
from desktop.streaming.ts.packets import PACKET_SIZE, SYNC_BYTE

NULL_PID = 0x1FFF
CLOCK_HZ = 90_000
_WRAP_33 = 1 << 33


@dataclass(frozen=True)
class ClockSite:
    """Where a 33-bit 90 kHz value sits in the clip: a PCR base or a PTS/DTS field."""

    offset: int
    is_pcr: bool


@dataclass(frozen=True)
class ClipInfo:
    """What looping needs to know about a clip, gathered in one scan."""

    size: int
    period_ticks: int | None  # one loop's duration in 90 kHz ticks; None without PES timestamps
    clock_sites: tuple[ClockSite, ...]
    cc_offsets: dict[int, tuple[int, ...]]  # PID -> offsets of header byte 3 of all its packets
    cc_steps: dict[int, int]  # PID -> how far its counter advances over one loop (payload packets)

    @property
    def duration(self) -> float | None:
        return None if self.period_ticks is None else self.period_ticks / CLOCK_HZ


def check_packets(data: bytes) -> None:
    """Raise ValueError unless `data` is whole 188-byte packets, each starting with 0x47."""
    if not data or len(data) % PACKET_SIZE:
        raise ValueError(f"not whole 188-byte TS packets: {len(data)} bytes")
    if data[::PACKET_SIZE].count(SYNC_BYTE) != len(data) // PACKET_SIZE:
        raise ValueError("lost TS sync: a packet does not start with 0x47")


def _typical_step(values: list[int]) -> int:
    """The most common positive increment: one frame's duration for a stream."""
    steps = Counter(b - a for a, b in pairwise(values) if b > a)
    return steps.most_common(1)[0][0] if steps else 0


def scan_clip(data: bytes) -> ClipInfo:
    """Find every clock and counter in a clip, and the period that makes its loops seamless."""
    check_packets(data)
    sites: list[ClockSite] = []
    cc: dict[int, list[int]] = {}
    steps: Counter[int] = Counter()
    stamps: dict[int, list[int]] = {}  # PID -> the DTS (or PTS) of each PES, in order
    for pkt in range(0, len(data), PACKET_SIZE):
        pid = (data[pkt + 1] & 0x1F) << 8 | data[pkt + 2]
        if pid == NULL_PID:
            continue
        control = (data[pkt + 3] >> 4) & 0x03
        payload = pkt + 4
        # A packet without payload repeats the previous counter, so it moves with its PID too.
        cc.setdefault(pid, []).append(pkt + 3)
        if control & 0x02:  # adaptation field first
            length = data[pkt + 4]
            if length and data[pkt + 5] & 0x10 and length >= 7:
                sites.append(ClockSite(pkt + PCR_FIELD, is_pcr=True))
            payload = pkt + 5 + length
        if not control & 0x01:
            continue
        steps[pid] += 1
        if data[pkt + 1] & 0x40:  # payload_unit_start: a PES header may open here
            fields = pes_timestamp_fields(data, payload, pkt + PACKET_SIZE)
            sites.extend(ClockSite(f, is_pcr=False) for f in fields)
            if fields:
                stamps.setdefault(pid, []).append(read_timestamp(data, fields[-1]))
    return ClipInfo(
        size=len(data),
        period_ticks=_loop_period(stamps),
        clock_sites=tuple(sites),
        cc_offsets={pid: tuple(offsets) for pid, offsets in cc.items()},
        cc_steps=dict(steps),
    )


def _loop_period(stamps: dict[int, list[int]]) -> int | None:
    """One loop's duration: the span of the stream with the most PES, plus one of its frames.

    That stream (video, in practice) has one frame per PES, so its span is
    exact. Audio muxers pack several frames per PES, so the last one's length
    is unknown from the TS layer alone; the demo clip is cut so that its audio
    spans exactly as long as its video (see resources/demo/make_demo_clip.sh).
    """
    timed = [values for values in stamps.values() if len(values) > 1]
    if not timed:
        return None
    primary = max(timed, key=len)
    return primary[-1] - primary[0] + _typical_step(primary)


class TsLoop:
    """Produces loop k of a clip, with clocks and continuity counters carried on from loop k-1."""

    def __init__(self, clip: bytes, info: ClipInfo | None = None) -> None:
        self.clip = bytes(clip)
        self.info = info or scan_clip(self.clip)

    def loop(self, k: int) -> bytes:
        if k == 0:
            return self.clip
        data = bytearray(self.clip)
        self._shift_clocks(data, k)
        self._shift_counters(data, k)
        return bytes(data)

    def _shift_clocks(self, data: bytearray, k: int) -> None:
        if self.info.period_ticks is None:
            return
        shift = k * self.info.period_ticks
        for site in self.info.clock_sites:
            if site.is_pcr:
                packet = site.offset - PCR_FIELD
                write_pcr(data, packet, (read_pcr(data, packet) + shift) % _WRAP_33)
            else:
                write_timestamp(data, site.offset, (read_timestamp(data, site.offset) + shift) % _WRAP_33)

    def _shift_counters(self, data: bytearray, k: int) -> None:
        for pid, offsets in self.info.cc_offsets.items():
            step = (k * self.info.cc_steps.get(pid, 0)) % 16
            if not step:
                continue  # a PID with a multiple of 16 packets per loop already lines up
            for pos in offsets:
                b = data[pos]
                data[pos] = (b & 0xF0) | ((b + step) & 0x0F)
