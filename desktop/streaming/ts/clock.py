"""The stream's own clocks: PCR and PTS, 33-bit counters at 90 kHz.

Segment durations come from these, never from the wall clock: a channel that
arrives in bursts (the engine buffering, a reconnect) would otherwise get
segments whose lengths say nothing about the pictures inside. Only the few
packets the segmenter looks at are decoded; finding them is done with bytes
column scans (scan.py), never a Python loop over every packet.
"""

from __future__ import annotations

from collections.abc import Iterator

from desktop.streaming.ts.packets import PACKET_SIZE
from desktop.streaming.ts.scan import FITS_PCR, HAS_ADAPTATION, PCR_FLAG, PacketScan

CLOCK_HZ = 90_000
WRAP = 1 << 33  # PCR base and PTS are 33-bit counters: they wrap every ~26.5 hours
PCR_FIELD = 6  # where a PCR packet's PCR starts: after the header, adaptation_field_length and its flags


def ticks_between(earlier: int, later: int) -> int:
    """How far `later` lies after `earlier` on the 33-bit clock; a wrap in between counts as going on.

    A clock that went backwards comes out as a huge distance (close to WRAP),
    which callers treat as a jump in the timeline.
    """
    return (later - earlier) % WRAP


def packet_pid(chunk: bytes, pos: int) -> int:
    return (chunk[pos + 1] & 0x1F) << 8 | chunk[pos + 2]


def payload_start(chunk: bytes, pos: int) -> int:
    """Offset of the payload of the packet at `pos` (after any adaptation field)."""
    if chunk[pos + 3] & 0x20:
        return pos + 5 + chunk[pos + 4]
    return pos + 4


def pes_pts(chunk: bytes, pos: int) -> int | None:
    """PTS of the PES header that starts in the packet at `pos`, or None when it carries none."""
    start = payload_start(chunk, pos)
    if start + 14 > pos + PACKET_SIZE or chunk[start : start + 3] != b"\x00\x00\x01":
        return None
    if not chunk[start + 7] & 0x80:  # PTS_DTS_flags: '10' or '11' means a PTS follows
        return None
    return read_timestamp(chunk, start + 9)


# PES stream ids whose packets carry no optional header, hence no timestamps.
_NO_PES_HEADER = frozenset((0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xF2, 0xF8, 0xFF))


def pes_timestamp_fields(data: bytes | bytearray, start: int, end: int) -> list[int]:
    """Offsets of the PTS (and DTS) fields of a PES header beginning at `start` (before `end`), if any."""
    if end - start < 14 or data[start : start + 3] != b"\x00\x00\x01" or data[start + 3] in _NO_PES_HEADER:
        return []
    flags = data[start + 7] >> 6
    if flags == 0b10:
        return [start + 9]
    if flags == 0b11 and end - start >= 19:
        return [start + 9, start + 14]
    return []


def read_timestamp(data: bytes | bytearray, pos: int) -> int:
    """A PTS or DTS field: 4 prefix bits, 33 value bits with 3 marker bits among them."""
    b = data[pos : pos + 5]
    return ((b[0] >> 1) & 0x07) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def write_timestamp(data: bytearray, pos: int, value: int) -> None:
    prefix = data[pos] & 0xF0  # '0010'/'0011'/'0001' tells PTS from DTS: keep it
    data[pos] = prefix | ((value >> 29) & 0x0E) | 1
    data[pos + 1] = (value >> 22) & 0xFF
    data[pos + 2] = ((value >> 14) & 0xFE) | 1
    data[pos + 3] = (value >> 7) & 0xFF
    data[pos + 4] = ((value << 1) & 0xFE) | 1


def read_pcr(chunk: bytes | bytearray, pos: int) -> int:
    """The PCR base (90 kHz) of the PCR packet at `pos`; the 27 MHz extension is not needed here."""
    return int.from_bytes(chunk[pos + PCR_FIELD : pos + 10], "big") << 1 | chunk[pos + 10] >> 7


def write_pcr(data: bytearray, pos: int, value: int) -> None:
    """Set the PCR base of the PCR packet at `pos`, keeping its extension."""
    data[pos + PCR_FIELD : pos + 10] = (value >> 1).to_bytes(4, "big")
    data[pos + 10] = (data[pos + 10] & 0x7F) | (value & 1) << 7  # the low 7 bits: reserved + extension


class PcrIndex:
    """Where the PCR packets of one chunk are: adaptation field, room for a PCR, PCR_flag."""

    __slots__ = ("_chunk", "_marks", "_pid")

    def __init__(self, scan: PacketScan, pid: int | None) -> None:
        self._chunk = scan.chunk
        self._marks = scan.marks((3, HAS_ADAPTATION), (4, FITS_PCR), (5, PCR_FLAG))
        self._pid = pid  # the program's PCR PID when the PMT is known; any PID before that

    def backwards(self, end: int | None = None) -> Iterator[int]:
        """PCR bases of the PCR packets starting before byte offset `end` (default: all), last first."""
        index = self._marks.rfind(1, 0, len(self._marks) if end is None else end // PACKET_SIZE)
        while index != -1:
            pos = index * PACKET_SIZE
            if self._pid is None or packet_pid(self._chunk, pos) == self._pid:
                yield read_pcr(self._chunk, pos)
            index = self._marks.rfind(1, 0, index)

    def last_before(self, end: int) -> int | None:
        """PCR base of the last PCR packet starting before byte offset `end`, or None."""
        return next(self.backwards(end), None)

    def last(self) -> int | None:
        return next(self.backwards(), None)
