"""The window players read from: sliding, spare segments, the memory bound, and waiting without polling."""

from __future__ import annotations

import asyncio

import m3u8
import pytest

from desktop.streaming.hls import HlsConfig, HlsSegmenter, Missing, Segment
from desktop.streaming.hls.config import MIB
from tests.hls.clip import CHUNK, chunks, looped

SEGMENTS_PER_LOOP = 4  # the 8 s demo clip at the 2 s target


def fed(loops: int, config: HlsConfig | None = None) -> HlsSegmenter:
    segmenter = HlsSegmenter(config)
    for chunk in chunks(looped(loops)):
        segmenter.feed(chunk)
    return segmenter


def listed(segmenter: HlsSegmenter) -> m3u8.M3U8:
    return m3u8.loads(segmenter.playlist(lambda seq: f"segment/{seq}.ts?token=abc"))


async def settle() -> None:
    """Let every ready task run (a yield to the loop, not a timed wait)."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_the_playlist_lists_the_newest_window_and_slides() -> None:
    segmenter = fed(3)
    first = listed(segmenter)
    assert len(first.segments) == 6
    assert first.media_sequence == segmenter.stats().next_seq - 6
    for chunk in chunks(looped(1, first=3)):
        segmenter.feed(chunk)
    later = listed(segmenter)
    assert later.media_sequence == first.media_sequence + SEGMENTS_PER_LOOP
    seqs = [int(s.uri.split("/")[1].split(".")[0]) for s in later.segments]
    assert seqs == list(range(later.media_sequence, later.media_sequence + 6))


def test_the_playlist_parses_as_hls_with_relative_uris_that_keep_their_query() -> None:
    parsed = listed(fed(3))
    assert parsed.is_variant is False and parsed.is_endlist is False
    assert parsed.version == 3
    assert parsed.target_duration == 2
    assert parsed.discontinuity_sequence in (None, 0)
    for segment in parsed.segments:
        assert segment.uri.startswith("segment/") and segment.uri.endswith(".ts?token=abc")
        assert segment.duration == pytest.approx(2.0)
    text = fed(2).playlist(str)
    assert text.startswith("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:")
    assert "#EXTINF:2.000,\n" in text


def test_target_duration_is_the_ceiling_of_the_longest_segment_so_far() -> None:
    assert listed(fed(3, HlsConfig(target_duration=3.0))).target_duration == 3
    assert listed(fed(3, HlsConfig(target_duration=2.5))).target_duration == 3


def test_a_segment_that_left_the_playlist_is_still_served_for_a_while_then_gone() -> None:
    segmenter = fed(4, HlsConfig(window=6, spare=3))  # 16 segments cut, seq 0..14 finished
    oldest_listed = listed(segmenter).media_sequence
    spare = segmenter.segment(oldest_listed - 3)
    assert isinstance(spare, Segment) and spare.seq == oldest_listed - 3
    assert segmenter.segment(oldest_listed - 4) is Missing.GONE
    assert segmenter.stats().segments == 9


def test_memory_is_bounded_by_bytes_even_inside_the_window() -> None:
    config = HlsConfig(max_bytes=400_000, max_segment_bytes=200_000)  # demo segments are ~120 KB
    segmenter = fed(4, config)
    stats = segmenter.stats()
    assert stats.total_bytes <= 400_000
    assert stats.segments == 3 and stats.evicted_for_bytes > 0
    assert len(listed(segmenter).segments) == 3


def test_a_segment_without_a_cut_point_is_closed_at_the_size_cap() -> None:
    # No keyframe is close enough to cut at: the cap still bounds each segment.
    config = HlsConfig(target_duration=20.0, keyframe_patience=30.0, max_segment_bytes=150_000, max_bytes=4 * MIB)
    segmenter = fed(3, config)
    segments = [segmenter.segment(seq) for seq in range(segmenter.stats().next_seq)]
    assert len(segments) >= 6
    for segment in segments:
        assert isinstance(segment, Segment)
        assert len(segment.data) <= 150_000 + CHUNK + 2 * 188
        assert segment.data[:3] == b"\x47\x40\x00"  # still opens with the tables
        assert 0 < segment.duration < 20.0


async def test_the_first_playlist_waits_until_the_first_segments_are_complete() -> None:
    segmenter = HlsSegmenter()
    waiter = asyncio.ensure_future(segmenter.wait_for_segments(2, timeout=30))
    data = looped(1)
    feed = chunks(data)
    while True:
        segmenter.feed(next(feed))
        await settle()
        if segmenter.stats().next_seq == 2:
            break
        assert not waiter.done()
    assert await waiter is True
    assert len(listed(segmenter).segments) == 2


async def test_waiting_for_segments_times_out_or_ends_with_the_stream() -> None:
    segmenter = HlsSegmenter()
    assert await segmenter.wait_for_segments(1, timeout=0.01) is False
    waiter = asyncio.ensure_future(segmenter.wait_for_segments(1, timeout=30))
    await settle()
    segmenter.close()
    assert await waiter is False


async def test_a_segment_being_cut_is_waited_for_and_served_when_it_closes() -> None:
    segmenter = fed(1)
    wanted = segmenter.stats().next_seq
    waiter = asyncio.ensure_future(segmenter.wait_for_segment(wanted, timeout=30))
    await settle()
    assert not waiter.done()
    for chunk in chunks(looped(1, first=1)):
        segmenter.feed(chunk)
    found = await waiter
    assert isinstance(found, Segment) and found.seq == wanted


async def test_segment_requests_answer_at_once_when_waiting_cannot_help() -> None:
    segmenter = fed(4)
    next_seq = segmenter.stats().next_seq
    assert await segmenter.wait_for_segment(0, timeout=30) is Missing.GONE
    assert await segmenter.wait_for_segment(next_seq + 5, timeout=30) is Missing.AHEAD
    held = await segmenter.wait_for_segment(next_seq - 1, timeout=30)
    assert isinstance(held, Segment)
    assert await segmenter.wait_for_segment(next_seq, timeout=0.01) is Missing.TIMEOUT
    waiter = asyncio.ensure_future(segmenter.wait_for_segment(next_seq, timeout=30))
    await settle()
    segmenter.close()
    assert await waiter is Missing.CLOSED


def test_an_empty_playlist_still_parses() -> None:
    parsed = m3u8.loads(HlsSegmenter().playlist(str))
    assert parsed.segments == [] and parsed.media_sequence == 0


def test_numbering_can_start_anywhere_and_a_break_before_the_first_segment_still_flags_nothing() -> None:
    segmenter = HlsSegmenter(first_seq=1_800_000_000)
    segmenter.discontinuity()
    for chunk in chunks(looped(1)):  # four segments: all still listed
        segmenter.feed(chunk)
    parsed = listed(segmenter)
    assert parsed.media_sequence == 1_800_000_000
    assert not any(s.discontinuity for s in parsed.segments)
    assert isinstance(segmenter.segment(1_800_000_000), Segment)
    assert segmenter.segment(0) is Missing.GONE


def test_each_segment_is_dated_by_the_one_before_and_a_new_timeline_by_the_wall_clock() -> None:
    now = [1_800_000_000.0]
    segmenter = HlsSegmenter(wall_clock=lambda: now[0])
    for chunk in chunks(looped(1)):
        segmenter.feed(chunk)
    now[0] += 100.0  # the engine reconnects much later
    segmenter.discontinuity()
    for chunk in chunks(looped(1, first=1)):
        segmenter.feed(chunk)
    parsed = listed(segmenter)
    (new_timeline,) = [n for n, s in enumerate(parsed.segments) if s.discontinuity]
    dates = [s.program_date_time.timestamp() for s in parsed.segments]
    durations = [s.duration for s in parsed.segments]
    assert "#EXT-X-PROGRAM-DATE-TIME:2027-01-15T08:00:" in segmenter.playlist(str)  # ISO 8601, UTC
    for n in range(1, len(dates)):
        if n == new_timeline:
            # Dated by the wall clock: it closed "now", so it began its duration earlier.
            assert dates[n] == pytest.approx(now[0] - durations[n], abs=0.001)
        else:
            assert dates[n] == pytest.approx(dates[n - 1] + durations[n - 1], abs=0.001)


def test_a_strict_client_may_start_once_three_target_durations_are_listed() -> None:
    segmenter = HlsSegmenter()
    feed = chunks(looped(2))
    listed_when_startable = None
    for chunk in feed:
        segmenter.feed(chunk)
        if segmenter.startable():
            listed_when_startable = listed(segmenter)
            break
    assert listed_when_startable is not None
    assert len(listed_when_startable.segments) == 3  # 3 × 2 s: one more than the old two
    assert sum(s.duration for s in listed_when_startable.segments) >= 3 * listed_when_startable.target_duration
