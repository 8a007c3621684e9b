"""End to end over HLS: `acetray serve --demo`, ffmpeg playing the playlist, ffprobe on every segment."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import m3u8
import pytest

from tests.hls.clip import first_video_frame
from tests.test_e2e_player import CHANNEL, demo_proxy  # noqa: F401  (demo_proxy is a fixture)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("ffmpeg") or not shutil.which("ffprobe"), reason="needs ffmpeg"),
]


def manifest(port: int) -> str:
    return f"http://127.0.0.1:{port}/ace/manifest.m3u8?id={CHANNEL}"


def play(port: int, seconds: int) -> None:
    """ffmpeg decodes `seconds` of the HLS stream; it must finish cleanly, with no error printed."""
    player = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", manifest(port), "-t", str(seconds), "-f", "null", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        viewer = _wait_for_hls_viewer(port, player)
        assert viewer["user_agent"].startswith("Lavf/")
        _, err = player.communicate(timeout=seconds + 60)
    finally:
        if player.poll() is None:
            player.kill()
            player.wait()
    assert player.returncode == 0, err
    assert err.strip() == "", f"ffmpeg complained: {err[:800]}"


def _wait_for_hls_viewer(port: int, player: subprocess.Popen, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and player.poll() is None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/streams", timeout=5) as resp:
            clients = [c for s in json.load(resp)["streams"] for c in s["clients"]]
        if clients:
            (client,) = clients
            assert client["kind"] == "HLS"
            return client
        time.sleep(0.2)  # another process: nothing to wait on but its answers
    raise AssertionError("ffmpeg never showed up as an HLS player in /api/streams")


def test_ffmpeg_plays_the_hls_stream_for_six_seconds_without_a_decoder_error(demo_proxy) -> None:  # noqa: F811
    port, _proc = demo_proxy
    play(port, 6)


@pytest.mark.slow
def test_ffmpeg_plays_the_hls_stream_for_twenty_seconds_without_a_decoder_error(demo_proxy) -> None:  # noqa: F811
    port, _proc = demo_proxy
    play(port, 20)


def test_every_listed_segment_starts_with_a_keyframe(demo_proxy, tmp_path: Path) -> None:  # noqa: F811
    port, _proc = demo_proxy
    with urllib.request.urlopen(manifest(port), timeout=60) as resp:
        assert resp.headers["Content-Type"] == "application/vnd.apple.mpegurl"
        playlist = m3u8.loads(resp.read().decode(), uri=manifest(port))
    assert len(playlist.segments) >= 2
    for segment in playlist.segments:
        path = tmp_path / Path(segment.uri).name
        with urllib.request.urlopen(segment.absolute_uri, timeout=30) as resp:
            path.write_bytes(resp.read())
        assert first_video_frame(path) == (1, "I"), f"{segment.uri} does not start with a keyframe"
