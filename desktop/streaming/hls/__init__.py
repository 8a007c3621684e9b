"""HLS from the channel's shared stream: keyframe-aligned segments cut in memory.

Qt-free and self-contained: the stream feeds `HlsSegmenter` the chunks it
publishes; routes read the playlist and segments from it.
"""

from desktop.streaming.hls.config import HlsConfig
from desktop.streaming.hls.playlist import CONTENT_TYPE, SEGMENT_CONTENT_TYPE
from desktop.streaming.hls.segmenter import HlsSegmenter, HlsStats
from desktop.streaming.hls.store import Missing, Segment

__all__ = [
    "CONTENT_TYPE",
    "SEGMENT_CONTENT_TYPE",
    "HlsConfig",
    "HlsSegmenter",
    "HlsStats",
    "Missing",
    "Segment",
]
