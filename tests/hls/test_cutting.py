"""Cutting the real demo clip: self-contained, keyframe-aligned segments timed by the stream's clocks."""

from __future__ import annotations

import pytest

from desktop.streaming.hls import HlsConfig, HlsSegmenter, Segment
from desktop.streaming.hls.cutter import Cut, SegmentCutter
from tests.hls.clip import (
    CLIP_SECONDS,
    FRAME,
    GOP_SECONDS,
    assert_self_contained,
    chunks,
    demo_clip,
    looped,
)


def cut_all(data: bytes, config: HlsConfig | None = None, *, close_open: bool = False) -> list[Cut]:
    cuts: list[Cut] = []
    cutter = SegmentCutter(config or HlsConfig(), cuts.append)
    for chunk in chunks(data):
        cutter.feed(chunk)
    if close_open:  # as an upstream reconnect does
        cutter.discontinuity()
    return cuts


def held(segmenter: HlsSegmenter) -> list[Segment]:
    return [s for s in (segmenter.segment(seq) for seq in range(segmenter.stats().next_seq)) if isinstance(s, Segment)]


def test_every_segment_opens_with_pat_then_pmt_then_a_keyframe() -> None:
    cuts = cut_all(looped(3))
    assert len(cuts) >= 10
    for cut in cuts:
        assert cut.keyframe
        assert_self_contained(cut.data)


def test_segments_follow_each_other_without_losing_or_repeating_a_byte() -> None:
    """Without the table copies put in front of some, the segments are the stream from the first cut on."""
    data = looped(2)
    bodies = []
    for cut in cut_all(data):
        body = cut.data if data.find(cut.data) != -1 else cut.data[2 * 188 :]
        assert data.find(body) != -1
        bodies.append(body)
    joined = b"".join(bodies)
    start = data.find(bodies[0])
    assert joined == data[start : start + len(joined)]
    assert len(data) - start - len(joined) <= max(len(b) for b in bodies)  # only the open segment is held


def test_durations_come_from_the_clock_and_sum_to_the_clip() -> None:
    # Keyframes every second, target 2 s: four segments per 8 s loop.
    cuts = cut_all(looped(3))
    first_loop = cuts[:4]
    assert sum(c.duration for c in first_loop) == pytest.approx(CLIP_SECONDS, abs=FRAME)
    assert all(c.duration == pytest.approx(2.0, abs=1e-6) for c in cuts)


def test_a_segment_closed_early_is_measured_by_its_pcr_within_a_frame() -> None:
    cuts = cut_all(demo_clip(), close_open=True)
    assert len(cuts) == 4
    assert sum(c.duration for c in cuts) == pytest.approx(CLIP_SECONDS, abs=FRAME)


@pytest.mark.parametrize("target", [1.0, 2.0, 3.0, 4.0])
def test_cuts_land_on_the_first_keyframe_near_the_target(target: float) -> None:
    cuts = cut_all(looped(3), HlsConfig(target_duration=target))
    durations = [c.duration for c in cuts]
    assert len(cuts) >= int(3 * CLIP_SECONDS / (target + GOP_SECONDS)) - 1
    # On a 1 s GOP the first keyframe at >= 90 % of the target is the target itself.
    assert all(d == pytest.approx(target, abs=1e-6) for d in durations), durations


def test_a_target_between_keyframes_stays_near_it() -> None:
    cuts = cut_all(looped(3), HlsConfig(target_duration=2.5))
    assert all(2.5 * 0.9 <= c.duration <= 2.5 + GOP_SECONDS for c in cuts)


def test_per_chunk_reference_then_one_bytes_object_per_segment() -> None:
    segmenter = HlsSegmenter()
    for chunk in chunks(looped(2)):
        segmenter.feed(chunk)
    segments = held(segmenter)
    assert segments and all(type(s.data) is bytes for s in segments)
    # Every player gets the very same object: nothing is copied per request.
    assert segmenter.segment(segments[0].seq).data is segments[0].data  # type: ignore[union-attr]


def test_chunks_that_are_not_whole_packets_are_skipped_not_fatal() -> None:
    cuts: list[Cut] = []
    cutter = SegmentCutter(HlsConfig(), cuts.append)
    cutter.feed(b"\x47" * 100)
    cutter.feed(b"")
    assert cutter.skipped_chunks == 2
    for chunk in chunks(looped(1)):
        cutter.feed(chunk)
    assert len(cuts) == 3
