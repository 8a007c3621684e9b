"""Discovery packets: real apps' requests are read, replies are what libhdhomerun reads, junk is dropped."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.streaming.tuner import packets
from desktop.streaming.tuner.discovery import DiscoveryListener, TunerFacts
from desktop.streaming.tuner.identity import TunerIdentity

DEVICE = 0x26F1891D
IDENTITY = TunerIdentity(DEVICE, "CJt6wttgBusB8MJvMpEyMDj0")
# The request Jellyfin broadcasts, byte for byte (its HdHomerunHost): tuner? any id? and its CRC.
JELLYFIN_REQUEST = bytes([0, 2, 0, 12, 1, 4, 255, 255, 255, 255, 2, 4, 255, 255, 255, 255, 115, 204, 125, 143])


def listener() -> DiscoveryListener:
    return DiscoveryListener(lambda: TunerFacts(IDENTITY, 6880, 16), "127.0.0.1", 0)


def test_a_real_apps_request_is_read_and_is_the_one_we_build() -> None:
    packet = packets.parse(JELLYFIN_REQUEST)
    assert packet.type == packets.TYPE_DISCOVER_REQUEST
    assert (packet.u32(packets.TAG_DEVICE_TYPE), packet.u32(packets.TAG_DEVICE_ID)) == (0xFFFFFFFF, 0xFFFFFFFF)
    assert packets.discover_request(0xFFFFFFFF, 0xFFFFFFFF) == JELLYFIN_REQUEST
    assert packets.wants(packet, DEVICE)


def test_the_reply_carries_type_id_tuners_and_urls_within_what_libhdhomerun_keeps() -> None:
    reply = listener().reply_for(JELLYFIN_REQUEST, ("192.168.1.50", 40000), "192.168.100.200")
    assert reply is not None
    packet = packets.parse(reply)
    assert packet.type == packets.TYPE_DISCOVER_REPLY
    assert packet.u32(packets.TAG_DEVICE_TYPE) == packets.DEVICE_TYPE_TUNER
    assert packet.u32(packets.TAG_DEVICE_ID) == DEVICE
    assert packet.tags[packets.TAG_TUNER_COUNT] == bytes([16])
    base = packet.tags[packets.TAG_BASE_URL].decode()
    assert base == "http://192.168.100.200:6880" and len("http://192.168.100.200:65535") <= 28
    assert packet.tags[packets.TAG_LINEUP_URL] == b"http://192.168.100.200:6880/lineup.json"
    assert packet.tags[packets.TAG_DEVICE_AUTH] == IDENTITY.device_auth.encode()


def test_the_tuner_count_is_one_byte_at_most_255() -> None:
    many = DiscoveryListener(lambda: TunerFacts(IDENTITY, 6880, 4000), "127.0.0.1", 0)
    reply = many.reply_for(JELLYFIN_REQUEST, ("10.0.0.2", 1), "10.0.0.1")
    assert reply is not None and packets.parse(reply).tags[packets.TAG_TUNER_COUNT] == bytes([255])


def test_values_of_128_bytes_and_more_take_a_two_byte_length() -> None:
    value = b"x" * 300
    packet = packets.parse(packets.build(0x0003, [(0x27, value), (0x2A, b"short")]))
    assert packet.tags[0x27] == value and packet.tags[0x2A] == b"short"


@pytest.mark.parametrize(
    ("request_bytes", "why"),
    [
        (packets.discover_request(packets.DEVICE_TYPE_TUNER, 0x12345678), "another tuner's id"),
        (packets.discover_request(0x00000005, 0xFFFFFFFF), "a storage device, not a tuner"),
        (packets.build(packets.TYPE_DISCOVER_REQUEST, [(packets.TAG_DEVICE_TYPE, b"\0\0\0\1")]), "no device id"),
        (packets.build(0x0004, [(0x03, b"/sys/model\0"), (0x04, b"hacked\0")]), "a set request"),
        (packets.build(0x0006, [(0x00, b"\xff\xff\xff\xff")]), "a firmware upgrade"),
        (packets.build(packets.TYPE_DISCOVER_REPLY, [(0x02, b"\0\0\0\1")]), "another tuner's reply"),
        (JELLYFIN_REQUEST[:-1] + bytes([JELLYFIN_REQUEST[-1] ^ 1]), "a bad checksum"),
        (JELLYFIN_REQUEST[:10], "cut short"),
    ],
)
def test_anything_but_a_discover_request_for_this_tuner_goes_unanswered(request_bytes: bytes, why: str) -> None:
    assert listener().reply_for(request_bytes, ("192.168.1.50", 4000), "192.168.1.2") is None, why


@pytest.mark.parametrize("asker", ["8.8.8.8", "2.16.0.1", "0.0.0.0", "224.0.0.1"])
def test_askers_beyond_the_home_network_are_never_answered(asker: str) -> None:
    assert listener().reply_for(JELLYFIN_REQUEST, (asker, 65001), "192.168.1.2") is None


def test_no_more_than_the_reply_budget_goes_out_each_second() -> None:
    now = [100.0]
    limited = DiscoveryListener(
        lambda: TunerFacts(IDENTITY, 6880, 16), "127.0.0.1", 0, replies_per_second=5, clock=lambda: now[0]
    )
    answered = [limited.reply_for(JELLYFIN_REQUEST, ("192.168.1.9", 1), "192.168.1.2") for _ in range(20)]
    assert sum(r is not None for r in answered) == 5
    now[0] += 1.0
    assert limited.reply_for(JELLYFIN_REQUEST, ("192.168.1.9", 1), "192.168.1.2") is not None


def _with_crc(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1600))
def test_random_bytes_never_raise_anything_but_malformed(data: bytes) -> None:
    try:
        packets.parse(data)
    except packets.MalformedPacket:
        pass
    assert listener().reply_for(data, ("192.168.1.5", 1), "192.168.1.2") in (None, _reply_bytes())


@settings(max_examples=400)
@given(st.integers(0, 0xFFFF), st.binary(max_size=300))
def test_well_framed_packets_with_any_type_and_payload_are_read_or_refused_cleanly(kind: int, payload: bytes) -> None:
    data = _with_crc(struct.pack(">HH", kind, len(payload)) + payload)
    try:
        packet = packets.parse(data)
    except packets.MalformedPacket:
        return
    reply = listener().reply_for(data, ("10.1.1.1", 5), "10.1.1.2")
    if reply is not None:  # only ever to a discover request for a tuner and for this one
        assert packets.wants(packet, DEVICE) and kind == packets.TYPE_DISCOVER_REQUEST


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=400)), max_size=6))
def test_what_build_writes_parse_reads_back(tags: list[tuple[int, bytes]]) -> None:
    packet = packets.parse(packets.build(0x0003, tags))
    first: dict[int, bytes] = {}
    for tag, value in tags:
        first.setdefault(tag, value)
    assert dict(packet.tags) == first


def _reply_bytes() -> bytes:
    reply = listener().reply_for(JELLYFIN_REQUEST, ("192.168.1.5", 1), "192.168.1.2")
    assert reply is not None
    return reply
