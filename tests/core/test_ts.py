"""Packet alignment: whatever the read boundaries, players get whole 188-byte packets."""

import random

from desktop.streaming.ts.packets import PACKET_SIZE, PacketAligner, find_pats, find_sync, find_video_keyframes


def packets(count: int, pat_every: int = 10) -> bytes:
    out = bytearray()
    for n in range(count):
        pid_hi = 0x40 if n % pat_every == 0 else 0x41  # PUSI + PID 0 (PAT) or PID 0x100
        pid_lo = 0x00
        out += bytes([0x47, pid_hi, pid_lo, 0x10]) + n.to_bytes(4, "big") + bytes(180)
    return bytes(out)


def test_arbitrary_reads_come_out_packet_aligned_and_complete() -> None:
    data = packets(500)
    rng = random.Random(7)
    aligner = PacketAligner()
    out = bytearray()
    pos = 0
    while pos < len(data):
        size = rng.randint(1, 3000)
        chunk = aligner.feed(data[pos : pos + size])
        assert len(chunk) % PACKET_SIZE == 0
        assert not chunk or chunk[0] == 0x47
        out += chunk
        pos += size
    assert bytes(out) == data[: len(out)]
    assert len(data) - len(out) < PACKET_SIZE  # only the unfinished last packet is held back


def test_garbage_before_the_stream_is_skipped_and_counted() -> None:
    aligner = PacketAligner()
    data = b"<html>oops</html>" + packets(20)
    chunk = aligner.feed(data)
    assert chunk == packets(20)
    assert aligner.discarded == len(b"<html>oops</html>")


def test_resync_after_a_reconnect_mid_packet() -> None:
    aligner = PacketAligner()
    stream = packets(30)
    assert aligner.feed(stream[:1000])  # leaves a partial packet behind
    aligner.reset()
    # The new connection starts mid-packet: the grid is found again.
    chunk = aligner.feed(stream[1000 + 50 :])
    assert chunk and chunk[0] == 0x47 and len(chunk) % PACKET_SIZE == 0
    assert chunk == stream[PACKET_SIZE * 6 :]  # first whole packet after byte 1050


def test_find_sync_needs_a_grid_not_a_lone_0x47() -> None:
    data = b"\x47abc" + packets(5)
    assert find_sync(data) == 4


def test_find_pats_only_counts_packet_starts() -> None:
    chunk = packets(25, pat_every=10)
    assert find_pats(chunk) == [0, 10 * PACKET_SIZE, 20 * PACKET_SIZE]
    fake = bytearray(packets(5, pat_every=100))
    fake[0:3] = b"\x47\x41\x00"
    fake[7:10] = b"\x47\x40\x00"  # the PAT pattern inside a payload is not a PAT
    assert find_pats(bytes(fake)) == []


def keyframe_packet(stream_id: int) -> bytes:
    # PUSI, PID 0x100, adaptation + payload; adaptation length 1 with random_access_indicator.
    head = bytes([0x47, 0x41, 0x00, 0x30, 0x01, 0x40]) + b"\x00\x00\x01" + bytes([stream_id])
    return head + bytes(PACKET_SIZE - len(head))


def test_keyframes_are_video_random_access_points_only() -> None:
    chunk = packets(3) + keyframe_packet(0xC0) + packets(2) + keyframe_packet(0xE0) + packets(1)
    assert find_video_keyframes(chunk) == [6 * PACKET_SIZE]  # the audio (0xC0) one is no start
