"""Test material for the segmenter: the real demo clip, looped seamlessly, cut like the reader cuts;
and what ffprobe sees at the start of a segment.

The demo clip (resources/demo/demo.ts) is 8 s of H.264 + AAC at 25 fps with a
keyframe every second (see resources/demo/make_demo_clip.sh), so with the
default 2 s target every segment is exactly two GOPs.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from desktop.streaming.demo.ts_loop import TsLoop
from desktop.streaming.ts.packets import PACKET_SIZE, find_video_keyframes
from desktop.streaming.ts.psi import parse_pmt

DEMO_CLIP = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.ts"
CLIP_SECONDS = 8.0
GOP_SECONDS = 1.0
FRAME = 1 / 25  # s, one video frame of the clip
CHUNK = PACKET_SIZE * 348  # ~64 KiB, as the stream's reader publishes
PMT_PID = 0x1000
VIDEO_PID = 0x100


@cache
def _looper() -> TsLoop:  # the simulator's seamless clip looper
    return TsLoop(DEMO_CLIP.read_bytes())


def demo_clip() -> bytes:
    return _looper().clip


def looped(loops: int, first: int = 0) -> bytes:
    """`loops` copies of the clip with clocks and counters carried on, starting at loop number `first`."""
    looper = _looper()
    return b"".join(looper.loop(k) for k in range(first, first + loops))


def chunks(data: bytes, size: int = CHUNK) -> Iterator[bytes]:
    for pos in range(0, len(data), size):
        yield data[pos : pos + size]


def packet_pids(data: bytes) -> list[int]:
    return [(data[pos + 1] & 0x1F) << 8 | data[pos + 2] for pos in range(0, len(data), PACKET_SIZE)]


def first_video_payload_packet(data: bytes, video_pid: int) -> int:
    """Offset of the first packet of `video_pid` that carries payload (PCR-only packets carry none)."""
    for pos in range(0, len(data), PACKET_SIZE):
        pid = (data[pos + 1] & 0x1F) << 8 | data[pos + 2]
        if pid == video_pid and data[pos + 3] & 0x10:
            return pos
    raise AssertionError("no video packet in the segment")


def assert_self_contained(data: bytes) -> None:
    """PAT first, its PMT second, and the first video packet opens a keyframe."""
    assert len(data) % PACKET_SIZE == 0 and data[::PACKET_SIZE].count(0x47) == len(data) // PACKET_SIZE
    pids = packet_pids(data[: 2 * PACKET_SIZE])
    assert pids == [0, PMT_PID], f"segment opens with PIDs {pids}"
    program = parse_pmt(data[PACKET_SIZE : 2 * PACKET_SIZE])
    assert program is not None
    video_pid = next(pid for pid, kind in program.streams.items() if kind == 0x1B)
    first = first_video_payload_packet(data, video_pid)
    assert first in find_video_keyframes(data), f"first video packet at {first} is not a keyframe"


NULL_PACKET = b"\x47\x1f\xff\x10" + b"\xff" * 184


def without_tables_before_keyframes(data: bytes, reach: int = 8) -> bytes:
    """The stream with the PAT/PMT just before each keyframe blanked to stuffing.

    The demo muxer repeats the tables right before every keyframe, so a cut
    never needs copies; real channels often do not, and this makes them.
    """
    out = bytearray(data)
    for keyframe in find_video_keyframes(data):
        for pos in range(max(0, keyframe - reach * PACKET_SIZE), keyframe, PACKET_SIZE):
            if packet_pids(data[pos : pos + PACKET_SIZE])[0] in (0, PMT_PID):
                out[pos : pos + PACKET_SIZE] = NULL_PACKET
    return bytes(out)


def first_video_frame(path: Path) -> tuple[int, str]:
    """(key_frame, pict_type) of the first video frame ffprobe decodes from the file: (1, "I") at a keyframe."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1"]
        + ["-show_entries", "frame=key_frame,pict_type", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    frame = json.loads(probe.stdout)["frames"][0]
    return frame["key_frame"], frame["pict_type"]
