"""SiliconDust's discovery packets (UDP port 65001), read without trusting a byte.

A packet is a 2-byte type and a 2-byte payload length (big-endian), the payload
as tag-length-value entries (a 1-byte tag; the length in one byte, or two when
it is 128 or more: the low 7 bits first with the top bit set, then the rest),
then a CRC-32 of everything before it, little-endian. Debian's
`libhdhomerun-dev` (hdhomerun_pkt.h) is the reference.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

DISCOVER_PORT = 65001
TYPE_DISCOVER_REQUEST = 0x0002
TYPE_DISCOVER_REPLY = 0x0003
TAG_DEVICE_TYPE = 0x01
TAG_DEVICE_ID = 0x02
TAG_TUNER_COUNT = 0x10
TAG_LINEUP_URL = 0x27
TAG_BASE_URL = 0x2A
TAG_DEVICE_AUTH = 0x2B
DEVICE_TYPE_TUNER = 0x00000001
WILDCARD = 0xFFFFFFFF
MAX_PACKET = 1460  # hdhomerun_pkt.h: HDHOMERUN_MAX_PACKET_SIZE
MAX_VALUE = 0x7FFF  # the longest a two-byte length can say
_HEADER = struct.Struct(">HH")
_CRC = struct.Struct("<I")
_U32 = struct.Struct(">I")


class MalformedPacket(ValueError):
    """Not a well-formed packet: too short or long, wrong length, bad checksum, a cut tag."""


@dataclass(frozen=True)
class Packet:
    type: int
    tags: Mapping[int, bytes]  # the first value of each tag

    def u32(self, tag: int) -> int | None:
        """A 4-byte big-endian value (device type, device id); None when missing or another size."""
        value = self.tags.get(tag)
        return _U32.unpack(value)[0] if value is not None and len(value) == 4 else None


def parse(data: bytes) -> Packet:
    """The packet in `data`, or MalformedPacket: anything at all may arrive on the port."""
    if not 8 <= len(data) <= MAX_PACKET:
        raise MalformedPacket(f"{len(data)} bytes")
    kind, length = _HEADER.unpack_from(data)
    if length != len(data) - 8:
        raise MalformedPacket("the length does not match")
    (crc,) = _CRC.unpack_from(data, len(data) - 4)
    if zlib.crc32(data[:-4]) != crc:
        raise MalformedPacket("bad checksum")
    tags: dict[int, bytes] = {}
    position, end = 4, len(data) - 4
    while position < end:
        if end - position < 2:
            raise MalformedPacket("a tag without a length")
        tag, size = data[position], data[position + 1]
        position += 2
        if size & 0x80:
            if position >= end:
                raise MalformedPacket("a cut length")
            size = (size & 0x7F) | (data[position] << 7)
            position += 1
        if end - position < size:
            raise MalformedPacket("a cut value")
        tags.setdefault(tag, data[position : position + size])
        position += size
    return Packet(kind, MappingProxyType(tags))


def build(kind: int, tags: Iterable[tuple[int, bytes]]) -> bytes:
    """A packet of `kind` with `tags` in order (values of at most MAX_VALUE bytes)."""
    payload = bytearray()
    for tag, value in tags:
        if len(value) > MAX_VALUE:
            raise ValueError(f"tag {tag:#x}: {len(value)} bytes is too long")
        payload.append(tag)
        if len(value) < 0x80:
            payload.append(len(value))
        else:
            payload += bytes(((len(value) & 0x7F) | 0x80, len(value) >> 7))
        payload += value
    body = _HEADER.pack(kind, len(payload)) + payload
    return body + _CRC.pack(zlib.crc32(body))


def discover_request(device_type: int = DEVICE_TYPE_TUNER, device_id: int = WILDCARD) -> bytes:
    """What an app sends to find tuners."""
    return build(
        TYPE_DISCOVER_REQUEST, ((TAG_DEVICE_TYPE, _U32.pack(device_type)), (TAG_DEVICE_ID, _U32.pack(device_id)))
    )


@dataclass(frozen=True)
class DiscoverReply:
    device_id: int
    tuner_count: int
    base_url: str
    lineup_url: str
    device_auth: str

    def encode(self) -> bytes:
        return build(
            TYPE_DISCOVER_REPLY,
            (
                (TAG_DEVICE_TYPE, _U32.pack(DEVICE_TYPE_TUNER)),
                (TAG_DEVICE_ID, _U32.pack(self.device_id)),
                (TAG_TUNER_COUNT, bytes((max(1, min(self.tuner_count, 255)),))),  # one byte
                (TAG_BASE_URL, self.base_url.encode("ascii")),
                (TAG_LINEUP_URL, self.lineup_url.encode("ascii")),
                (TAG_DEVICE_AUTH, self.device_auth.encode("ascii")),
            ),
        )


def wants(packet: Packet, device_id: int) -> bool:
    """A discover request this tuner answers: for a tuner (or any device), this one (or any)."""
    return (
        packet.type == TYPE_DISCOVER_REQUEST
        and packet.u32(TAG_DEVICE_TYPE) in (DEVICE_TYPE_TUNER, WILDCARD)
        and packet.u32(TAG_DEVICE_ID) in (device_id, WILDCARD)
    )
