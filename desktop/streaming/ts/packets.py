"""MPEG-TS helpers: cutting an arbitrary byte stream at 188-byte packet boundaries.

Only what the fan-out needs: find the packet grid, keep it across reads, and
spot PAT packets (where a decoder can start) — all with C-speed bytes methods,
never a Python loop per packet.
"""

from __future__ import annotations

PACKET_SIZE = 188
SYNC_BYTE = 0x47
# Sync byte, then payload_unit_start=1 with PID 0 (the PAT): the table a
# decoder needs first, repeated by muxers every ~100 ms.
_PAT_START = b"\x47\x40\x00"
_SYNC_CHECKS = 3  # consecutive sync bytes that confirm a packet grid


def find_sync(data: bytes, start: int = 0) -> int:
    """Offset of the first packet grid in `data` (3 sync bytes 188 apart), or -1."""
    span = PACKET_SIZE * (_SYNC_CHECKS - 1)
    pos = data.find(SYNC_BYTE, start)
    while pos != -1 and pos + span < len(data):
        if all(data[pos + PACKET_SIZE * k] == SYNC_BYTE for k in range(1, _SYNC_CHECKS)):
            return pos
        pos = data.find(SYNC_BYTE, pos + 1)
    return -1


# Byte 5 of a packet with an adaptation field holds its flags; 0x40 is
# random_access_indicator. Mapping every byte to 1/0 lets bytes.find do the scan.
_RAI_MARKS = bytes(1 if b & 0x40 else 0 for b in range(256))


def find_pats(chunk: bytes) -> list[int]:
    """Offsets of PAT packets in a packet-aligned chunk, in order."""
    found = []
    pos = chunk.find(_PAT_START)
    while pos != -1:
        if pos % PACKET_SIZE == 0:
            found.append(pos)
        pos = chunk.find(_PAT_START, pos + 1)
    return found


def find_video_keyframes(chunk: bytes) -> list[int]:
    """Offsets of packets that start a video keyframe (random access point), in order.

    A packet qualifies when it starts a PES packet (payload_unit_start), has an
    adaptation field with random_access_indicator set, and its PES stream id is
    video (0xE0–0xEF): audio packets carry the flag too and are no place to start.
    """
    found = []
    marks = chunk[5::PACKET_SIZE].translate(_RAI_MARKS)
    index = marks.find(1)
    while index != -1:
        pos = index * PACKET_SIZE
        if chunk[pos + 1] & 0x40 and chunk[pos + 3] & 0x20 and chunk[pos + 4]:
            pes = pos + 5 + chunk[pos + 4]
            if (
                pes + 4 <= pos + PACKET_SIZE
                and chunk[pes : pes + 3] == b"\x00\x00\x01"
                and 0xE0 <= chunk[pes + 3] <= 0xEF
            ):
                found.append(pos)
        index = marks.find(1, index + 1)
    return found


class PacketAligner:
    """Turns arbitrary reads into packet-aligned chunks.

    Keeps the partial packet at the end of each read for the next one, and
    re-finds the grid when a chunk does not start with a sync byte (a
    reconnect, or garbage from the engine). Bytes before the grid are dropped
    and counted.
    """

    def __init__(self) -> None:
        self._rest = b""
        self.discarded = 0  # bytes thrown away while looking for the packet grid

    def reset(self) -> None:
        """Forget the partial packet (after a reconnect the grid starts afresh)."""
        self.discarded += len(self._rest)
        self._rest = b""

    def feed(self, data: bytes) -> bytes:
        """Aligned whole packets from `data` (possibly b""); keeps the remainder."""
        buf = self._rest + data if self._rest else data
        if buf and buf[0] != SYNC_BYTE:
            start = find_sync(buf)
            if start == -1:
                # Keep a tail long enough to hold a grid start spanning reads.
                keep = PACKET_SIZE * _SYNC_CHECKS
                self.discarded += max(0, len(buf) - keep)
                self._rest = buf[-keep:]
                return b""
            self.discarded += start
            buf = buf[start:]
        cut = len(buf) - len(buf) % PACKET_SIZE
        if cut == len(buf):
            self._rest = b""
            return buf
        self._rest = buf[cut:]
        return buf[:cut]
