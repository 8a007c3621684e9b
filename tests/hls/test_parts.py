"""The segmenter's small parts: clocks, program tables, playlist text, and fault isolation."""

from __future__ import annotations

import random

import m3u8
import pytest

from desktop.streaming.hls import HlsSegmenter, Segment
from desktop.streaming.hls import cutter as cutter_module
from desktop.streaming.hls.playlist import render_media_playlist, target_duration
from desktop.streaming.ts.clock import WRAP, PcrIndex, pes_pts, read_pcr, ticks_between
from desktop.streaming.ts.packets import PACKET_SIZE, find_pats, find_video_keyframes
from desktop.streaming.ts.psi import parse_pat, parse_pmt
from desktop.streaming.ts.scan import (
    PAT_STARTS,
    PacketScan,
    PidStarts,
    find_keyframes,
    offsets,
)
from tests.fake_engine import make_ts_source, make_ts_source_without_keyframes
from tests.hls.clip import (
    CHUNK,
    PMT_PID,
    VIDEO_PID,
    assert_self_contained,
    chunks,
    demo_clip,
    looped,
    without_tables_before_keyframes,
)


def test_clock_distances_go_on_across_the_33_bit_wrap_and_show_a_backward_step_as_huge() -> None:
    assert ticks_between(100, 250) == 150
    assert ticks_between(WRAP - 10, 5) == 15
    assert ticks_between(250, 100) > WRAP // 2


def test_pts_of_the_first_keyframe_matches_what_ffprobe_reports() -> None:
    clip = demo_clip()
    assert pes_pts(clip, find_video_keyframes(clip)[0]) == 127920  # ffprobe: first video pts
    assert pes_pts(clip, 0) is None  # not a PES start


def _sources() -> dict[str, bytes]:
    rng = random.Random(5)
    noise = bytearray(rng.randbytes(PACKET_SIZE * 2000))
    noise[::PACKET_SIZE] = b"\x47" * 2000  # sync bytes, random headers: many near misses
    return {
        "demo": looped(2),
        "demo without tables before keyframes": without_tables_before_keyframes(looped(1)),
        "synthetic": make_ts_source(),
        "synthetic without keyframes": make_ts_source_without_keyframes(),
        "noise": bytes(noise),
    }


@pytest.mark.parametrize("name", list(_sources()))
def test_column_scans_find_what_the_packet_by_packet_helpers_find(name: str) -> None:
    for chunk in chunks(_sources()[name]):
        scan = PacketScan(chunk)
        assert find_keyframes(scan) == find_video_keyframes(chunk)
        assert offsets(PAT_STARTS.marks(scan)) == find_pats(chunk)
        pmt = [pos for pos in range(0, len(chunk), PACKET_SIZE) if chunk[pos + 1 : pos + 3] == b"\x50\x00"]
        assert offsets(PidStarts(PMT_PID).marks(scan)) == pmt


def _pcrs_by_loop(chunk: bytes, pid: int) -> list[int]:
    found = []
    for pos in range(0, len(chunk), PACKET_SIZE):
        has_pcr = chunk[pos + 3] & 0x20 and chunk[pos + 4] >= 7 and chunk[pos + 5] & 0x10
        if has_pcr and (chunk[pos + 1] & 0x1F) << 8 | chunk[pos + 2] == pid:
            found.append(read_pcr(chunk, pos))
    return found


def test_the_pcr_index_finds_the_same_pcrs_as_a_packet_by_packet_scan() -> None:
    chunk = demo_clip()[:CHUNK]
    index = PcrIndex(PacketScan(chunk), VIDEO_PID)
    expected = _pcrs_by_loop(chunk, VIDEO_PID)
    assert len(expected) > 10
    assert list(index.backwards()) == expected[::-1]
    assert index.last() == expected[-1]
    assert PcrIndex(PacketScan(chunk), 0x1234).last() is None  # another program's PCR PID


def test_program_tables_of_the_demo_clip() -> None:
    clip = demo_clip()
    pat = next(pos for pos in range(0, len(clip), PACKET_SIZE) if clip[pos + 1 : pos + 3] == b"\x40\x00")
    assert parse_pat(clip[pat : pat + PACKET_SIZE]) == PMT_PID
    pmt = clip.find(b"\x47\x50\x00")
    program = parse_pmt(clip[pmt : pmt + PACKET_SIZE])
    assert program is not None and program.pcr_pid == VIDEO_PID
    assert program.streams == {VIDEO_PID: 0x1B, VIDEO_PID + 1: 0x0F}  # H.264, AAC


def cut(data: bytes) -> list[Segment]:
    segmenter = HlsSegmenter()
    for chunk in chunks(data):
        segmenter.feed(chunk)
    return [s for s in map(segmenter.segment, range(segmenter.stats().next_seq)) if isinstance(s, Segment)]


def test_a_cut_right_after_a_pat_and_pmt_uses_them_instead_of_copies() -> None:
    # The demo muxer puts PAT + PMT (and only stuffing or SI) right before every keyframe.
    data = looped(2)
    segments = cut(data)
    assert segments and all(data.find(s.data) != -1 for s in segments)


def test_a_cut_without_tables_right_before_it_opens_with_copies_of_the_newest_ones() -> None:
    data = without_tables_before_keyframes(looped(2))
    segments = cut(data)
    assert len(segments) >= 6
    for segment in segments:
        assert_self_contained(segment.data)
        body_at = data.find(segment.data[2 * PACKET_SIZE :])
        assert body_at != -1 and body_at in find_video_keyframes(data)
        # The copies are the newest PAT and PMT before the cut, continuity counters and all.
        pat_at = data.rfind(b"\x47\x40\x00", 0, body_at)
        pmt_at = data.rfind(b"\x47\x50\x00", 0, body_at)
        assert segment.data[:PACKET_SIZE] == data[pat_at : pat_at + PACKET_SIZE]
        assert segment.data[PACKET_SIZE : 2 * PACKET_SIZE] == data[pmt_at : pmt_at + PACKET_SIZE]


def _segment(seq: int, duration: float = 2.0, *, discontinuity: bool = False, dseq: int = 0) -> Segment:
    return Segment(seq, b"", duration, discontinuity, dseq, keyframe=True)


def test_a_window_that_opens_on_a_discontinuity_counts_it_after_the_sequence() -> None:
    segments = [_segment(7, discontinuity=True, dseq=3), _segment(8, dseq=3), _segment(9, 1.5, dseq=3)]
    text = render_media_playlist(segments, lambda seq: f"{seq}.ts", next_seq=10, target=2)
    assert (
        "#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXT-X-DISCONTINUITY\n"
        "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z\n#EXTINF:2.000,\n7.ts\n"
    ) in text
    parsed = m3u8.loads(text)
    assert parsed.discontinuity_sequence == 2 and parsed.media_sequence == 7
    assert [s.discontinuity for s in parsed.segments] == [True, False, False]
    assert [s.duration for s in parsed.segments] == [2.0, 2.0, 1.5]


def test_target_duration_rounds_up_and_never_shrinks() -> None:
    assert target_duration([_segment(0, 2.0)], at_least=2.0) == 2
    assert target_duration([_segment(0, 2.0004)], at_least=2.0) == 2  # printed as 2.000
    assert target_duration([_segment(0, 2.04)], at_least=2.0) == 3
    assert target_duration([_segment(0, 2.0)], at_least=2.0, longest=4.2) == 5


def test_a_fault_in_the_cutter_never_reaches_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter = HlsSegmenter()
    data = looped(3)
    pieces = list(chunks(data))
    half = len(pieces) // 2
    for chunk in pieces[:half]:
        segmenter.feed(chunk)
    before = segmenter.stats().next_seq

    def broken(scan: PacketScan) -> list[int]:
        raise RuntimeError("bug")

    monkeypatch.setattr(cutter_module, "find_keyframes", broken)
    segmenter.feed(pieces[half])  # logged, not raised
    monkeypatch.undo()
    for chunk in pieces[half + 1 :]:
        segmenter.feed(chunk)
    stats = segmenter.stats()
    assert stats.faults == 1 and stats.next_seq > before + 2
    resumed = segmenter.segment(before)
    assert isinstance(resumed, Segment) and resumed.discontinuity
