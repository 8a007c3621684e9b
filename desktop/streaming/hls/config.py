"""HLS segmenter settings: plain frozen data, one instance per proxy run."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class HlsConfig:
    target_duration: float = 2.0  # s of stream time per segment; cuts land on the next keyframe from ~90 % of it
    window: int = 6  # segments listed in the playlist
    # Segments kept after they leave the playlist: a player that read the
    # playlist just before it slid still gets the segment it asks for next.
    spare: int = 3
    max_bytes: int = 64 * MIB  # all finished segments of one stream together
    # The segment being cut is closed at this size even without a keyframe or
    # a timestamp to cut by, so a stream that never offers one stays bounded.
    max_segment_bytes: int = 16 * MIB
    # Stream time without a video keyframe after which segments are cut at
    # PATs by time: longer than any real GOP, so a stream with rare keyframes
    # still gets keyframe-aligned segments.
    keyframe_patience: float = 10.0

    def __post_init__(self) -> None:
        if self.target_duration <= 0:
            raise ValueError("target_duration must be positive")
        if self.window < 1 or self.spare < 0:
            raise ValueError("window must be at least 1 and spare at least 0")
        if not 0 < self.max_segment_bytes <= self.max_bytes:
            raise ValueError("max_segment_bytes must be positive and at most max_bytes")
        if self.keyframe_patience < self.target_duration:
            raise ValueError("keyframe_patience must be at least target_duration")
