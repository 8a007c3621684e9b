"""The program tables (PAT, PMT) a segment must open with to decode on its own.

A player that fetches one HLS segment knows nothing about the stream: it
needs the PAT (where the PMT is) and the PMT (which PIDs carry what) before
any audio or video. Muxers repeat both every ~100 ms; the segmenter keeps the
latest copy of each and puts it in front of a segment that does not already
start with them. A copy keeps its continuity counter: the next real PAT in
the segment then follows it without a gap.

Only tables that fit in one packet are kept — a PAT or a PMT for a handful of
streams is well under 184 bytes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from desktop.streaming.ts.clock import packet_pid, payload_start
from desktop.streaming.ts.packets import PACKET_SIZE
from desktop.streaming.ts.scan import (
    PAT_STARTS,
    PacketScan,
    PidStarts,
    last_offset,
    offsets,
)

log = logging.getLogger(__name__)

PAT_PID = 0x0000
NULL_PID = 0x1FFF
_PAT_PREFIX = b"\x47\x40\x00"  # sync, payload_unit_start + PID 0: a PAT section begins here


@dataclass(frozen=True)
class Program:
    """What the PMT says: the PCR's PID and each elementary stream's PID → stream_type."""

    pcr_pid: int
    streams: dict[int, int]


def _section(packet: bytes, table_id: int) -> bytes | None:
    """The PSI section that starts in `packet`, without its CRC; None if it is not there whole."""
    start = payload_start(packet, 0)
    if not packet[3] & 0x10 or start >= PACKET_SIZE:
        return None
    start += 1 + packet[start]  # pointer_field
    if start + 8 > PACKET_SIZE or packet[start] != table_id:
        return None
    end = start + 3 + ((packet[start + 1] & 0x0F) << 8 | packet[start + 2])
    if end > PACKET_SIZE or end - start < 12:
        return None
    return packet[start : end - 4]


def parse_pat(packet: bytes) -> int | None:
    """PID of the first program's PMT, or None."""
    section = _section(packet, 0x00)
    if section is None:
        return None
    for pos in range(8, len(section) - 3, 4):
        if section[pos] << 8 | section[pos + 1]:  # program 0 points at the network table, not a PMT
            return (section[pos + 2] & 0x1F) << 8 | section[pos + 3]
    return None


def parse_pmt(packet: bytes) -> Program | None:
    section = _section(packet, 0x02)
    if section is None:
        return None
    pcr_pid = (section[8] & 0x1F) << 8 | section[9]
    pos = 12 + ((section[10] & 0x0F) << 8 | section[11])
    streams = {}
    while pos + 5 <= len(section):
        streams[(section[pos + 1] & 0x1F) << 8 | section[pos + 2]] = section[pos]
        pos += 5 + ((section[pos + 3] & 0x0F) << 8 | section[pos + 4])
    return Program(pcr_pid, streams)


class ProgramTables:
    """The newest PAT and PMT packets seen so far, and what they say."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: after a reconnect the stream may carry other tables."""
        self.pat: bytes | None = None
        self.pmt: bytes | None = None
        self.program: Program | None = None
        self._pmt_starts: PidStarts | None = None
        self._scan: PacketScan | None = None  # the chunk the marks below belong to
        self._pat_marks = b""
        self._pmt_marks: bytes | None = None

    @property
    def pmt_pid(self) -> int | None:
        return None if self._pmt_starts is None else self._pmt_starts.pid

    @property
    def complete(self) -> bool:
        return self.pat is not None and self.pmt is not None

    @property
    def pcr_pid(self) -> int | None:
        return None if self.program is None else self.program.pcr_pid

    def header(self) -> bytes:
        """PAT then PMT, to put in front of a segment."""
        assert self.pat is not None and self.pmt is not None
        return self.pat + self.pmt

    def update(self, scan: PacketScan, end: int) -> None:
        """Take the newest PAT and PMT that start before byte offset `end` of the scanned chunk."""
        self._load(scan)
        chunk = scan.chunk
        pos = last_offset(self._pat_marks, end)
        if pos != -1:
            packet = chunk[pos : pos + PACKET_SIZE]
            if self.pat is None or packet[4:] != self.pat[4:]:
                self._learn_pat(packet)
            self.pat = packet
        if self._pmt_starts is None:
            return
        if self._pmt_marks is None:
            self._pmt_marks = self._pmt_starts.marks(scan)
        pos = last_offset(self._pmt_marks, end)
        if pos != -1:
            packet = chunk[pos : pos + PACKET_SIZE]
            if self.pmt is None or packet[4:] != self.pmt[4:]:
                self.program = parse_pmt(packet)
                log.debug("PMT: %s", self.program)
            self.pmt = packet if self.program is not None else None

    def pat_offsets(self, scan: PacketScan) -> list[int]:
        """Where PATs start in the scanned chunk (the cut points when cutting by time)."""
        self._load(scan)
        return offsets(self._pat_marks)

    def _load(self, scan: PacketScan) -> None:
        if scan is not self._scan:  # a new chunk: scan it once for all the lookups on it
            self._scan = scan
            self._pat_marks = PAT_STARTS.marks(scan)
            self._pmt_marks = None

    def _learn_pat(self, packet: bytes) -> None:
        pmt_pid = parse_pat(packet)
        if pmt_pid != self.pmt_pid:
            log.debug("PAT: program map on PID %s", pmt_pid)
            self.pmt = None
            self.program = None
            self._pmt_starts = None if pmt_pid is None else PidStarts(pmt_pid)
            self._pmt_marks = None

    def opens_with_tables(self, chunk: bytes, pos: int) -> bool:
        """Whether the packets at `pos` are a PAT followed by this stream's PMT."""
        nxt = pos + PACKET_SIZE
        return (
            self._pmt_starts is not None
            and nxt + PACKET_SIZE <= len(chunk)
            and chunk.startswith(_PAT_PREFIX, pos)
            and packet_pid(chunk, nxt) == self._pmt_starts.pid
            and bool(chunk[nxt + 1] & 0x40)
        )

    def is_neutral(self, chunk: bytes, pos: int) -> bool:
        """A packet that may open a segment ahead of its first keyframe: tables, SI, stuffing, no payload.

        Audio or video packets before a keyframe finish frames of the previous
        segment, so they stay with it.
        """
        pid = packet_pid(chunk, pos)
        return pid < 0x20 or pid == NULL_PID or pid == self.pmt_pid or not chunk[pos + 3] & 0x10
