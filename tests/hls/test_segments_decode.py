"""A real decoder's view: every cut segment decodes alone and opens with a keyframe."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from desktop.streaming.hls import HlsConfig, HlsSegmenter, Segment
from tests.fake_engine import make_ts_source_without_keyframes
from tests.hls.clip import chunks, demo_clip, first_video_frame, looped, without_tables_before_keyframes

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("ffmpeg") or not shutil.which("ffprobe"), reason="needs ffmpeg"),
]


def cut(data: bytes, *, reconnect_with: bytes | None = None) -> list[Segment]:
    segmenter = HlsSegmenter(HlsConfig(window=30))
    for chunk in chunks(data):
        segmenter.feed(chunk)
    if reconnect_with is not None:
        segmenter.discontinuity()
        for chunk in chunks(reconnect_with):
            segmenter.feed(chunk)
    found = (segmenter.segment(seq) for seq in range(segmenter.stats().next_seq))
    return [s for s in found if isinstance(s, Segment)]


def decode_errors(path: Path) -> str:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip()


def test_every_segment_decodes_alone_from_a_keyframe(tmp_path: Path) -> None:
    segments = cut(looped(2), reconnect_with=demo_clip())
    assert len(segments) >= 10 and any(s.discontinuity for s in segments)
    for segment in segments:
        path = tmp_path / f"{segment.seq}.ts"
        path.write_bytes(segment.data)
        assert first_video_frame(path) == (1, "I"), f"segment {segment.seq}"
        assert decode_errors(path) == "", f"segment {segment.seq}"


def test_segments_opening_with_copied_tables_decode_alone_from_a_keyframe(tmp_path: Path) -> None:
    segments = cut(without_tables_before_keyframes(looped(2)))
    assert len(segments) >= 6
    for segment in segments:
        path = tmp_path / f"{segment.seq}.ts"
        path.write_bytes(segment.data)
        assert first_video_frame(path) == (1, "I"), f"segment {segment.seq}"
        assert decode_errors(path) == "", f"segment {segment.seq}"


def test_the_segments_played_in_a_row_decode_without_an_error(tmp_path: Path) -> None:
    path = tmp_path / "all.ts"
    path.write_bytes(b"".join(s.data for s in cut(looped(3))))
    assert decode_errors(path) == ""


def test_segments_cut_at_pats_are_valid_transport_streams(tmp_path: Path) -> None:
    # The synthetic stream has no real pictures; the demuxer must still accept every segment.
    segments = cut(make_ts_source_without_keyframes(packets=64 * 200))
    assert segments
    for segment in segments[:3]:
        path = tmp_path / f"{segment.seq}.ts"
        path.write_bytes(segment.data)
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", str(path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0 and "h264" in out.stdout, out.stderr


@pytest.mark.parametrize("cut_at", [1301, 1777, 2003])  # packets into the clip: mid-PES, wherever it falls
def test_the_segment_a_reconnect_closes_decodes_without_the_half_frames_of_the_cut(tmp_path: Path, cut_at: int) -> None:
    clip = demo_clip()
    before_the_cut = clip[: cut_at * 188]
    segments = cut(before_the_cut, reconnect_with=clip)
    (closed_by_the_cut,) = [s for n, s in enumerate(segments[:-1]) if segments[n + 1].discontinuity]
    path = tmp_path / "closed-by-the-cut.ts"
    path.write_bytes(closed_by_the_cut.data)
    assert decode_errors(path) == ""
