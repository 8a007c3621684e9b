"""Rendering the live media playlist (RFC 8216) from the store's window."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from desktop.streaming.hls.store import Segment

CONTENT_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_CONTENT_TYPE = "video/mp2t"
VERSION = 3  # decimal #EXTINF durations need version 3


def _rounded(duration: float) -> float:
    return round(duration, 3)


def target_duration(segments: Sequence[Segment], *, at_least: float, longest: float = 0.0) -> int:
    """#EXT-X-TARGETDURATION: whole seconds no segment exceeds.

    The RFC wants it never to change over a playlist's life; following the
    longest segment ever cut (not just the listed ones), it can only grow.
    """
    durations = [s.duration for s in segments] + [at_least, longest]
    return max(1, math.ceil(_rounded(max(durations))))


def program_date_time(date: float) -> str:
    """#EXT-X-PROGRAM-DATE-TIME's value: ISO 8601 in UTC, to the millisecond."""
    return datetime.fromtimestamp(date, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render_media_playlist(
    segments: Sequence[Segment],
    uri: Callable[[int], str],
    *,
    next_seq: int,
    target: int,
) -> str:
    """The playlist text for `segments` (oldest first); `uri(seq)` names each segment, relative.

    `next_seq` is the media sequence to announce when no segment is listed yet.
    """
    first = segments[0] if segments else None
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{first.seq if first else next_seq}",
    ]
    if first is not None:
        # The discontinuity sequence is the first listed segment's, counted
        # before its own tag (that tag is still printed in front of it).
        dseq = first.discontinuity_seq - (1 if first.discontinuity else 0)
        if dseq:
            lines.append(f"#EXT-X-DISCONTINUITY-SEQUENCE:{dseq}")
    for segment in segments:
        if segment.discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{program_date_time(segment.date)}")
        lines.append(f"#EXTINF:{segment.duration:.3f},")
        lines.append(uri(segment.seq))
    return "\n".join(lines) + "\n"
