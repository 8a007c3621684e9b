#!/usr/bin/env python3
"""On-demand benchmark of the HLS segmenter alone: prints figures, asserts nothing.

Feeds the looped demo clip to one HlsSegmenter in the reader's ~64 KiB chunks
and reports the cost per chunk and per GB next to the fan-out's own per-chunk
scans (find_pats + find_video_keyframes), plus what the segments look like.

    python tests/bench/bench_hls.py [--loops 100] [--clip other.ts]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from desktop.streaming.hls import HlsSegmenter, Segment
from desktop.streaming.ts.packets import find_pats, find_video_keyframes
from tests.hls.clip import (
    CHUNK,
    TsLoop,
    chunks,
    looped,
    without_tables_before_keyframes,
)


def timed(label: str, pieces: list[bytes], feed) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(3):
        start = time.process_time()
        for piece in pieces:
            feed(piece)
        runs.append(time.process_time() - start)
    best = min(runs)
    total = sum(map(len, pieces))
    print(f"{label:<44} {best / len(pieces) * 1e6:7.1f} µs/chunk  {best / total * 1e9:6.3f} CPU-s/GB")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=100, help="loops of the clip to feed")
    parser.add_argument("--clip", type=Path, help="another MPEG-TS clip to loop instead of the demo clip")
    args = parser.parse_args()
    if args.clip:
        looper = TsLoop(args.clip.read_bytes())
        data = b"".join(looper.loop(k) for k in range(args.loops))
        seconds = (looper.info.duration or 0) * args.loops
    else:
        data, seconds = looped(args.loops), 8.0 * args.loops
    pieces = list(chunks(data))
    print(f"{len(pieces)} chunks of {CHUNK} bytes, {len(data) / 1e6:.1f} MB, {seconds:.0f} s of stream")

    timed("baseline: fan-out's find_pats + keyframes", pieces, lambda c: (find_pats(c), find_video_keyframes(c)))
    timed("HlsSegmenter.feed", pieces, HlsSegmenter().feed)
    blanked = list(chunks(without_tables_before_keyframes(data)))
    timed("HlsSegmenter.feed (tables copied at cuts)", blanked, HlsSegmenter().feed)

    segmenter = HlsSegmenter()
    for piece in pieces:
        segmenter.feed(piece)
    stats = segmenter.stats()
    held = [s for s in map(segmenter.segment, range(stats.next_seq)) if isinstance(s, Segment)]
    sizes = [len(s.data) for s in held]
    print(
        f"segments: {stats.next_seq} in {seconds:.0f} s, {statistics.mean(s.duration for s in held):.3f} s each, "
        f"{min(sizes)}–{max(sizes)} bytes (mean {statistics.mean(sizes):.0f}); "
        f"held {stats.segments} = {stats.total_bytes / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
