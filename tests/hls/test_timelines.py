"""Timelines: reconnects, clock jumps, the 33-bit wrap, and streams without keyframe flags."""

from __future__ import annotations

import m3u8
import pytest

from desktop.streaming.hls import HlsConfig, HlsSegmenter, Segment
from desktop.streaming.ts.clock import CLOCK_HZ, WRAP
from desktop.streaming.ts.packets import find_video_keyframes
from tests.fake_engine import make_ts_source_without_keyframes
from tests.hls.clip import (
    CLIP_SECONDS,
    FRAME,
    assert_self_contained,
    chunks,
    demo_clip,
    looped,
)


def feed(segmenter: HlsSegmenter, data: bytes) -> None:
    for chunk in chunks(data):
        segmenter.feed(chunk)


def all_segments(segmenter: HlsSegmenter) -> list[Segment]:
    found = (segmenter.segment(seq) for seq in range(segmenter.stats().next_seq))
    return [s for s in found if isinstance(s, Segment)]


def playlist(segmenter: HlsSegmenter) -> m3u8.M3U8:
    return m3u8.loads(segmenter.playlist(lambda seq: f"seg/{seq}.ts"))


def test_a_reconnect_puts_a_discontinuity_before_the_next_segment() -> None:
    segmenter = HlsSegmenter(HlsConfig(window=20))
    feed(segmenter, looped(1) + looped(1, first=1)[: 188 * 1000])  # ends mid-segment
    before = segmenter.stats().next_seq
    segmenter.discontinuity()
    # The open segment was closed with the time its PCR covered.
    closed = segmenter.segment(before)
    assert isinstance(closed, Segment) and 0 < closed.duration < 2.0
    # The new connection: a stream whose clocks start over.
    feed(segmenter, demo_clip())
    segments = all_segments(segmenter)
    flagged = [s.seq for s in segments if s.discontinuity]
    assert flagged == [before + 1]
    for segment in segments:
        assert_self_contained(segment.data)
    parsed = playlist(segmenter)
    marked = [int(s.uri.split("/")[1][:-3]) for s in parsed.segments if s.discontinuity]
    assert marked == [before + 1]
    assert "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:" in segmenter.playlist(str)


def test_a_reconnect_before_the_first_segment_flags_nothing() -> None:
    segmenter = HlsSegmenter()
    feed(segmenter, demo_clip()[: 188 * 6])  # the first keyframe is packet 7
    segmenter.discontinuity()
    feed(segmenter, demo_clip())
    assert not any(s.discontinuity for s in all_segments(segmenter))


def test_a_clock_that_jumps_back_without_notice_is_a_discontinuity_too() -> None:
    # The raw clip twice: at the seam PTS and PCR go back 8 s, as after an engine-side switch.
    segmenter = HlsSegmenter(HlsConfig(window=20))
    feed(segmenter, demo_clip() + demo_clip() + demo_clip())
    segments = all_segments(segmenter)
    assert [s.discontinuity for s in segments].count(True) == 2
    assert all(s.duration == pytest.approx(2.0, abs=FRAME) for s in segments)
    # From the first keyframe to the open segment of the last loop; the two
    # segments closed at the jumps are measured to their last PCR before it.
    assert sum(s.duration for s in segments) == pytest.approx(3 * CLIP_SECONDS - 2.0, abs=0.1)


def test_discontinuity_sequence_counts_the_tags_that_left_the_playlist() -> None:
    segmenter = HlsSegmenter(HlsConfig(window=3, spare=0))
    feed(segmenter, looped(1))
    segmenter.discontinuity()
    feed(segmenter, looped(1))
    segmenter.discontinuity()
    feed(segmenter, looped(3))
    parsed = playlist(segmenter)
    assert parsed.discontinuity_sequence == 2
    assert not any(s.discontinuity for s in parsed.segments)


def test_pts_and_pcr_wrapping_past_33_bits_do_not_break_durations() -> None:
    # Start a few seconds before the wrap (~26.5 h of stream time).
    first = (WRAP - 4 * CLOCK_HZ) // round(CLIP_SECONDS * CLOCK_HZ)
    segmenter = HlsSegmenter(HlsConfig(window=20))
    feed(segmenter, looped(3, first=first))
    segments = all_segments(segmenter)
    assert len(segments) >= 10
    assert not any(s.discontinuity for s in segments)
    assert all(s.duration == pytest.approx(2.0, abs=1e-6) for s in segments)


def test_a_stream_without_keyframe_flags_is_cut_at_pats_by_time() -> None:
    # A PAT every 64 packets = 0.1 s of PCR time; 40 s in all.
    source = make_ts_source_without_keyframes(packets=64 * 400, ticks_per_group=9000)
    assert find_video_keyframes(source) == []
    segmenter = HlsSegmenter(HlsConfig(window=20))
    feed(segmenter, source)
    assert segmenter.stats().cutting_at_pats
    segments = all_segments(segmenter)
    # The first 4 s (2 × target) are spent waiting for a keyframe that never comes.
    assert len(segments) >= 15
    for segment in segments:
        assert segment.data[:3] == b"\x47\x40\x00" and not segment.keyframe
        assert segment.duration == pytest.approx(2.0, abs=1e-6)


def test_cutting_at_pats_survives_the_pcr_wrap() -> None:
    source = make_ts_source_without_keyframes(packets=64 * 300, first_pcr=WRAP - 10 * CLOCK_HZ)
    segmenter = HlsSegmenter(HlsConfig(window=20))
    feed(segmenter, source)
    segments = all_segments(segmenter)
    assert len(segments) >= 10 and not any(s.discontinuity for s in segments)
    assert all(s.duration == pytest.approx(2.0, abs=1e-6) for s in segments)


def test_keyframes_coming_back_end_cutting_at_pats() -> None:
    segmenter = HlsSegmenter()
    feed(segmenter, make_ts_source_without_keyframes(packets=64 * 100))
    assert segmenter.stats().cutting_at_pats
    segmenter.discontinuity()
    feed(segmenter, looped(1))
    assert not segmenter.stats().cutting_at_pats
