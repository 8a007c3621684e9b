"""Across an engine reconnect players get one stream: no PES cut in two, clocks that go on.

The demo clip stands in for the engine's stream: its first part is what players
had before the reconnect, the clip from its start again is a new session (its
clocks restart), the clip from the same place on is a connection that resumed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from desktop.streaming.ts.clock import CLOCK_HZ, WRAP, payload_start, pes_pts, read_pcr, ticks_between
from desktop.streaming.ts.packets import PACKET_SIZE
from desktop.streaming.ts.splice import NULL_PID, PCR_GAP_MAX, Splicer, shifted, without_unfinished_pes
from tests.hls.clip import demo_clip

CLIP = demo_clip()
CUT = PACKET_SIZE * 1301  # somewhere mid-clip, mid-PES
SMALL = PACKET_SIZE * 5  # reads smaller than a PCR interval: some chunks carry no PCR
AUDIO, VIDEO = "audio", "video"


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def through(splicer: Splicer, data: bytes, size: int = SMALL) -> bytes:
    return b"".join(splicer.carry(piece) for piece in pieces(data, size))


def spliced(before: bytes, after: bytes, splicer: Splicer | None = None) -> tuple[bytes, bytes]:
    """What players get before and after a reconnect between `before` and `after`."""
    splicer = splicer or Splicer()
    old = through(splicer, before)
    splicer.splice()
    return old, through(splicer, after)


def packets(data: bytes) -> Iterator[tuple[int, int]]:
    """(offset, pid) of every packet."""
    for pos in range(0, len(data), PACKET_SIZE):
        yield pos, (data[pos + 1] & 0x1F) << 8 | data[pos + 2]


def pcrs(data: bytes) -> list[int]:
    return [
        read_pcr(data, pos)
        for pos, _pid in packets(data)
        if data[pos + 3] & 0x20 and data[pos + 4] >= 7 and data[pos + 5] & 0x10
    ]


def pes_starts(data: bytes) -> list[tuple[str, int, int, bool]]:
    """(audio|video, pid, PTS, keyframe) of every PES that starts in `data`, in order."""
    found = []
    for pos, pid in packets(data):
        start = payload_start(data, pos)
        if data[pos + 1] & 0x40 and data[start : start + 3] == b"\x00\x00\x01":
            pts = pes_pts(data, pos)
            if pts is not None:
                kind = VIDEO if 0xE0 <= data[start + 3] <= 0xEF else AUDIO
                keyframe = bool(data[pos + 3] & 0x20 and data[pos + 4] and data[pos + 5] & 0x40)
                found.append((kind, pid, pts, keyframe))
    return found


def last_pts(data: bytes, kind: str) -> int:
    return [pts for k, _pid, pts, _key in pes_starts(data) if k == kind][-1]


def first_pts(data: bytes, kind: str) -> int:
    return next(pts for k, _pid, pts, _key in pes_starts(data) if k == kind)


def test_without_a_reconnect_every_chunk_passes_untouched() -> None:
    splicer = Splicer()
    for piece in pieces(CLIP, 348 * PACKET_SIZE):
        assert splicer.carry(piece) is piece


def test_after_a_reconnect_to_a_new_timeline_the_clocks_go_on_where_they_were() -> None:
    old, new = spliced(CLIP[:CUT], CLIP)  # the new session starts the clip, and its clocks, again
    clocks = pcrs(old + new)
    steps = [ticks_between(a, b) for a, b in itertools.pairwise(clocks)]
    assert all(0 < step <= PCR_GAP_MAX for step in steps), "the PCR jumped at the reconnect"
    for kind in (AUDIO, VIDEO):
        # Forward from the last PES before the cut, by less than a second (the cut loses a little).
        step = ticks_between(last_pts(old, kind), first_pts(new, kind))
        assert 0 < step < CLOCK_HZ, f"{kind} PTS moved {step / CLOCK_HZ:+.3f} s across the reconnect"
    # Unchanged in between: what the new timeline says of itself, only moved.
    original = pes_starts(CLIP)
    moved = pes_starts(new)
    offset = (moved[0][2] - next(p for k, _i, p, _f in original if k == moved[0][0])) % WRAP
    assert offset != 0
    assert all((pts - offset) % WRAP in {p for _k, _i, p, _f in original} for _k, _i, pts, _f in moved)


def test_after_a_reconnect_each_stream_resumes_at_a_payload_start_and_video_at_a_keyframe() -> None:
    _old, new = spliced(CLIP[:CUT], CLIP[CUT + 97 * PACKET_SIZE :])  # mid-PES on every PID
    first_payload: dict[int, int] = {}
    for pos, pid in packets(new):
        if new[pos + 3] & 0x10 and pid not in first_payload and pid != NULL_PID:
            first_payload[pid] = pos
    assert first_payload, "nothing came through"
    for pid, pos in first_payload.items():
        assert new[pos + 1] & 0x40, f"PID {pid:#x} resumes mid-PES"
    video = [start for start in pes_starts(new) if start[0] == VIDEO]
    assert video[0][3], "video resumes on a picture that is not a keyframe"
    assert len(new) % PACKET_SIZE == 0


def test_a_connection_that_resumes_the_same_timeline_keeps_its_clocks() -> None:
    splicer = Splicer()
    old, new = spliced(CLIP[:CUT], CLIP[CUT:], splicer)
    # Within one PCR interval of what the engine sent (the splice cannot tell a resumed timeline
    # from a new one, so it lands it one interval after the last PCR: where it was anyway).
    drift = (splicer.offset + WRAP // 2) % WRAP - WRAP // 2
    assert abs(drift) <= PCR_GAP_MAX
    clocks = pcrs(old + new)
    assert all(0 < ticks_between(a, b) <= PCR_GAP_MAX for a, b in itertools.pairwise(clocks))


def test_clocks_go_on_across_the_33_bit_wrap() -> None:
    near_the_end = (WRAP - pcrs(CLIP[:CUT])[-1] - CLOCK_HZ // 10) % WRAP  # the old timeline wraps right at the cut
    old, new = spliced(shifted(CLIP[:CUT], near_the_end), CLIP)
    clocks = pcrs(old + new)
    assert any(b < a for a, b in itertools.pairwise(clocks)), "the test meant to cross the wrap"
    assert all(0 < ticks_between(a, b) <= PCR_GAP_MAX for a, b in itertools.pairwise(clocks))


@pytest.mark.parametrize("size", [PACKET_SIZE, SMALL, 348 * PACKET_SIZE])
def test_however_the_reads_fall_players_get_every_packet_from_each_streams_restart_on(size: int) -> None:
    splicer = Splicer()
    through(splicer, CLIP[:CUT], size)
    splicer.splice()
    new = through(splicer, CLIP, size)  # a new session: held back until its first PCR, then shifted
    sent = shifted(CLIP, splicer.offset)
    got = [new[pos : pos + PACKET_SIZE] for pos in range(0, len(new), PACKET_SIZE)]
    expected = [sent[pos : pos + PACKET_SIZE] for pos in range(0, len(sent), PACKET_SIZE)]
    # Only packets from before each stream's restart are left out; the rest come whole, in order.
    skipped = len(expected) - len(got)
    assert 0 <= skipped < 200
    assert got[-1000:] == expected[-1000:]
    remaining = iter(expected)
    assert all(any(packet == candidate for candidate in remaining) for packet in got), "not in the engine's order"


def test_a_segment_closed_by_a_cut_loses_each_streams_unfinished_pes_and_nothing_else() -> None:
    data = CLIP[:CUT]
    trimmed = without_unfinished_pes(data)
    starts = pes_starts(data)
    kept = pes_starts(trimmed)
    by_pid: dict[int, int] = {}
    for _kind, pid, _pts, _key in starts:
        by_pid[pid] = by_pid.get(pid, 0) + 1
    # Every PES but the last of each stream is there, whole and in order.
    assert len(kept) == len(starts) - len(by_pid)
    assert kept == [start for start in starts if start in kept]
    assert trimmed.startswith(data[: CUT // 2])  # untouched before the streams' last PES
    assert len(trimmed) % PACKET_SIZE == 0
    assert pcrs(trimmed)[-1] > pcrs(data[: CUT // 2])[-1]  # the clock's packets stay (payload-less)
