"""Finding the few packets that matter in a chunk by looking at byte columns, not bytes.

A 64 KiB chunk is ~348 packets. Byte k of every packet, sliced out with
`chunk[k::188]`, is a 348-byte column; `translate` maps each byte of it to
1 or 0 for one test ("PUSI set", "adaptation field present", ...), and AND-ing
columns as big integers leaves 1 exactly where every test holds. One `find` on
that short result then lands on real candidates only.

Why not `chunk.find(b"\\x47\\x40\\x00")`: a multi-byte `bytes.find` over 64 KiB
costs ~40-50 µs on this project's machines (it is memchr-fast only for one
byte), and testing one header byte per packet through a Python loop costs as
much again when half the packets match by chance (payload bytes). Measured
on the demo clip and a 7 Mbit/s 720p clip: ts.find_pats +
ts.find_video_keyframes take 80-190 µs per chunk, these scans for keyframes,
PATs and PCRs together 25-30 µs (tests/bench/bench_hls.py; 2 busy cores).
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.streaming.ts.packets import PACKET_SIZE


def byte_table(test: Callable[[int], object]) -> bytes:
    """A translate table: 1 for the byte values that pass `test`, else 0."""
    return bytes(1 if test(b) else 0 for b in range(256))


PUSI = byte_table(lambda b: b & 0x40)  # byte 1: payload_unit_start_indicator
HAS_ADAPTATION = byte_table(lambda b: b & 0x20)  # byte 3: adaptation field present
ADAPTATION_NONEMPTY = byte_table(lambda b: 1 <= b <= 183)  # byte 4: adaptation_field_length
RANDOM_ACCESS = byte_table(lambda b: b & 0x40)  # byte 5: random_access_indicator
FITS_PCR = byte_table(lambda b: 7 <= b <= 183)  # byte 4: room for flags + PCR
PCR_FLAG = byte_table(lambda b: b & 0x10)  # byte 5: PCR_flag


class PacketScan:
    """One packet-aligned chunk seen as columns; each column is sliced once, on first use."""

    __slots__ = ("_columns", "chunk", "count")

    def __init__(self, chunk: bytes) -> None:
        self.chunk = chunk
        self.count = len(chunk) // PACKET_SIZE
        self._columns: list[bytes | None] = [None] * 6

    def column(self, k: int) -> bytes:
        found = self._columns[k]
        if found is None:
            found = self._columns[k] = self.chunk[k::PACKET_SIZE]
        return found

    def marks(self, *tests: tuple[int, bytes]) -> bytes:
        """One byte per packet: 1 where every (column, table) test holds, else 0."""
        combined = -1
        for k, table in tests:
            combined &= int.from_bytes(self.column(k).translate(table), "big")
        return combined.to_bytes(self.count, "big")


def offsets(marks: bytes) -> list[int]:
    """Byte offsets of the marked packets, in order."""
    found = []
    index = marks.find(1)
    while index != -1:
        found.append(index * PACKET_SIZE)
        index = marks.find(1, index + 1)
    return found


def last_offset(marks: bytes, end: int) -> int:
    """Byte offset of the last marked packet starting before byte `end`, or -1."""
    index = marks.rfind(1, 0, end // PACKET_SIZE)
    return -1 if index == -1 else index * PACKET_SIZE


class PidStarts:
    """Finds the packets of one PID that open a payload unit (a PSI section, a PES)."""

    __slots__ = ("_high", "_low", "pid")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        # Byte 1 holds TEI, PUSI, priority and the PID's top 5 bits: require
        # PUSI and no transport error, ignore the priority bit.
        self._high = byte_table(lambda b: (b & 0xDF) == 0x40 | pid >> 8)
        self._low = byte_table(lambda b: b == pid & 0xFF)

    def marks(self, scan: PacketScan) -> bytes:
        return scan.marks((1, self._high), (2, self._low))


PAT_STARTS = PidStarts(0x0000)


def find_keyframes(scan: PacketScan) -> list[int]:
    """Offsets of packets that open a video keyframe: same rule as ts.find_video_keyframes.

    PUSI, an adaptation field with random_access_indicator, and a PES header
    whose stream id is video (0xE0-0xEF): audio packets carry the flag too.
    """
    chunk = scan.chunk
    found = []
    marks = scan.marks((1, PUSI), (3, HAS_ADAPTATION), (4, ADAPTATION_NONEMPTY), (5, RANDOM_ACCESS))
    for pos in offsets(marks):
        pes = pos + 5 + chunk[pos + 4]
        if pes + 4 <= pos + PACKET_SIZE and chunk[pes : pes + 3] == b"\x00\x00\x01" and 0xE0 <= chunk[pes + 3] <= 0xEF:
            found.append(pos)
    return found


def last_video_start(chunk: bytes) -> int:
    """Offset of the last packet that opens a video PES (any frame, not only keyframes), or -1.

    PUSI, then a PES header (after the adaptation field, if any) whose stream id is video.
    """
    marks = PacketScan(chunk).marks((1, PUSI))
    index = marks.rfind(1)
    while index != -1:
        pos = index * PACKET_SIZE
        pes = pos + 4 + (1 + chunk[pos + 4] if chunk[pos + 3] & 0x20 else 0)
        if pes + 4 <= pos + PACKET_SIZE and chunk[pes : pes + 3] == b"\x00\x00\x01" and 0xE0 <= chunk[pes + 3] <= 0xEF:
            return pos
        index = marks.rfind(1, 0, index)
    return -1
