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

from desktop.streaming.hls.clock import packet_pid, payload_start
from desktop.streaming.ts import PACKET_SIZE

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


def rfind_packet(chunk: bytes, prefix: bytes, end: int) -> int:
    """Offset of the last packet starting before `end` whose first bytes are `prefix`, or -1."""
    pos = chunk.rfind(prefix, 0, end + len(prefix) - 1)
    while pos > 0 and pos % PACKET_SIZE:
        pos = chunk.rfind(prefix, 0, pos + len(prefix) - 1)
    return pos


class ProgramTables:
    """The newest PAT and PMT packets seen so far, and what they say."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything: after a reconnect the stream may carry other tables."""
        self.pat: bytes | None = None
        self.pmt: bytes | None = None
        self.pmt_pid: int | None = None
        self.program: Program | None = None
        self._pmt_prefix = b""

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

    def update(self, chunk: bytes, end: int) -> None:
        """Take the newest PAT and PMT that start before byte offset `end` of `chunk`."""
        pos = rfind_packet(chunk, _PAT_PREFIX, end)
        if pos != -1:
            packet = chunk[pos : pos + PACKET_SIZE]
            if self.pat is None or packet[4:] != self.pat[4:]:
                self._learn_pat(packet)
            self.pat = packet
        if self._pmt_prefix:
            pos = rfind_packet(chunk, self._pmt_prefix, end)
            if pos != -1:
                packet = chunk[pos : pos + PACKET_SIZE]
                if self.pmt is None or packet[4:] != self.pmt[4:]:
                    self.program = parse_pmt(packet)
                    log.debug("PMT: %s", self.program)
                self.pmt = packet if self.program is not None else None

    def _learn_pat(self, packet: bytes) -> None:
        pmt_pid = parse_pat(packet)
        if pmt_pid != self.pmt_pid:
            log.debug("PAT: program map on PID %s", pmt_pid)
            self.pmt_pid = pmt_pid
            self.pmt = None
            self.program = None
            self._pmt_prefix = b"" if pmt_pid is None else bytes([0x47, 0x40 | pmt_pid >> 8, pmt_pid & 0xFF])

    def opens_with_tables(self, chunk: bytes, pos: int) -> bool:
        """Whether the packets at `pos` are a PAT followed by this stream's PMT."""
        nxt = pos + PACKET_SIZE
        return (
            nxt + PACKET_SIZE <= len(chunk)
            and chunk.startswith(_PAT_PREFIX, pos)
            and bool(self._pmt_prefix)
            and chunk.startswith(self._pmt_prefix, nxt)
        )

    def is_neutral(self, chunk: bytes, pos: int) -> bool:
        """A packet that may open a segment ahead of its first keyframe: tables, SI, stuffing, no payload.

        Audio or video packets before a keyframe finish frames of the previous
        segment, so they stay with it.
        """
        pid = packet_pid(chunk, pos)
        return pid < 0x20 or pid == NULL_PID or pid == self.pmt_pid or not chunk[pos + 3] & 0x10
