"""End to end, as a user runs it: `acetray serve --demo`, real player programs reading through it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.streaming.config import ProxyConfig
from desktop.streaming.demo.engine import DemoEngine, load_demo_clip
from desktop.streaming.service import ProxyService
from tests.ports import free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("ffmpeg") or not shutil.which("ffprobe"), reason="needs ffmpeg"),
]

CHANNEL = "94c2fd8fb9bc8f2fc71a2cbe9d4b866f227a0209"


def wait_for_health(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"acetray serve exited early: {proc.stderr.read() if proc.stderr else ''}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as resp:
                return json.load(resp)
        except OSError:
            time.sleep(0.1)  # the process is starting; no event to wait on across processes
    raise AssertionError("acetray serve did not answer /api/health")


@pytest.fixture
def demo_proxy(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    env = dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", "--demo", "--port", str(port), "--linger", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_health(port, proc)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_two_ffmpeg_players_decode_the_same_channel_at_once(demo_proxy) -> None:
    port, proc = demo_proxy
    url = f"http://127.0.0.1:{port}/ace/getstream?id={CHANNEL}"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    codecs = {s["codec_type"]: s["codec_name"] for s in json.loads(probe.stdout)["streams"]}
    assert codecs.get("video") == "h264"

    # Two players at once, each decoding 75 video frames (3 s at 25 fps) with errors reported.
    decode = ["ffmpeg", "-nostdin", "-v", "error", "-i", url, "-map", "0:v:0", "-frames:v", "75", "-f", "framecrc", "-"]
    players = [subprocess.Popen(decode, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for player in players:
        out, err = player.communicate(timeout=60)
        assert player.returncode == 0, err
        frames = [line for line in out.splitlines() if line and not line.startswith("#")]
        assert len(frames) == 75
        assert err.strip() == "", f"decoder complained: {err[:500]}"

    # SIGTERM stops it cleanly.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    log = proc.stderr.read() if proc.stderr else ""
    assert "Proxy stopped" in log


def test_serve_rejects_a_port_in_use_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "desktop", "serve", "--demo", "--port", str(port)],
            env=dict(os.environ, ACETRAY_CONFIG_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"Port {port} is in use by another program" in result.stderr


CLIP = load_demo_clip()  # 8 s


def _bytes_sent(service: ProxyService) -> int:
    return sum(client.bytes_sent for stream in service.snapshot().streams for client in stream.clients)


async def _log_says(log: Path, text: str, player: asyncio.subprocess.Process, timeout: float = 30.0) -> None:
    """Wait until mpv's log file holds `text` (another process: its log is all there is to wait on)."""
    deadline = time.monotonic() + timeout
    while text not in (log.read_text(errors="replace") if log.exists() else ""):
        assert player.returncode is None, f"mpv exited: {log.read_text(errors='replace')[-2000:]}"
        assert time.monotonic() < deadline, f"mpv's log never said {text!r}"
        await asyncio.sleep(0.1)


@pytest.mark.skipif(not shutil.which("mpv"), reason="needs mpv")
async def test_mpv_plays_on_across_an_engine_reconnect_without_a_timestamp_reset(tmp_path: Path) -> None:
    engine = DemoEngine(CLIP, port=0, bytes_per_second="clip")  # paced like a live channel
    await engine.start()
    service = ProxyService(ProxyConfig(engine_url=engine.url, port=0))
    await service.start()
    log = tmp_path / "mpv.log"
    player = await asyncio.create_subprocess_exec(
        *("mpv", "--no-config", "--vo=null", "--ao=null", "--end=8", f"--log-file={log}"),
        f"{service.listen_url}/ace/getstream?id={CHANNEL}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await _log_says(log, "playback restart complete", player)  # mpv plays...
        async with asyncio.timeout(30):  # ...and has had a few seconds of the channel
            while service.context.counters.sessions_started < 1 or _bytes_sent(service) < 3 * len(CLIP) / 8:
                await asyncio.sleep(0.05)  # the proxy's figures: nothing to wait on but them
        # The engine loses the session: AceTray starts a new one, whose clocks start from the clip's start.
        engine.set_faults(vanish_after_bytes=1)
        async with asyncio.timeout(20):
            while engine.counters.sessions_vanished < 1:
                await asyncio.sleep(0.05)  # the engine's counters: nothing to wait on but them
        engine.set_faults(vanish_after_bytes=None)
        assert await asyncio.wait_for(player.wait(), 60) == 0
    finally:
        if player.returncode is None:
            player.kill()
            await player.wait()
        await service.stop()
        await engine.stop()
    said = log.read_text(errors="replace")
    assert engine.counters.sessions_started >= 2  # a new session (or more), each from the clip's start
    assert "timestamp reset" not in said, [line for line in said.splitlines() if "reset" in line]
    # mpv names every timestamp it did not expect ("Invalid audio PTS: 6.44 -> 0.00"): time may
    # skip a little forward where the cut lost data, never back.
    jumps = [
        (float(before), float(after))
        for before, after in re.findall(r"Invalid (?:audio PTS|video timestamp): ([\d.-]+) -> ([\d.-]+)", said)
    ]
    assert all(after > before for before, after in jumps), jumps
    # One start, played to its end (8 s of picture) in one go: no second "restart" from 0.
    assert said.count("playback restart complete") == 1
    assert "Exiting... (End of file)" in said
