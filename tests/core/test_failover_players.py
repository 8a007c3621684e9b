"""Real players across a switch of sources: ffmpeg reads on (TS and HLS), HLS marks the discontinuity."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.core.failover_support import FIRST, three_source_proxy
from tests.core.hls_support import CLIP_RATE, clip_engine, fetch_playlist, manifest_url, until_cut

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which("ffmpeg"), reason="needs ffmpeg"),
]
STALL_AFTER = int(CLIP_RATE * 6)  # the first source stops after about 6 s of the clip
MEDIA_SECONDS = 14  # what ffmpeg decodes: the first source's 6 s, the switch, then the second's


async def ffmpeg_reads(url: str, seconds: float, *options: str) -> tuple[int, str]:
    """ffmpeg decodes `seconds` of `url` (as a player would); its exit code and what it printed as errors."""
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-v", "error", *options, "-i", url, "-t", str(seconds), "-f", "null", "-",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode or 0, err.decode(errors="replace").strip()


async def stalling_first_source(fake_engine_factory, proxy_factory, folder: Path):  # type: ignore[no-untyped-def]
    engine = await clip_engine(fake_engine_factory, speed=2)
    engine.set_faults(stall_after_bytes=STALL_AFTER, stall_seconds=3600, stall_ids=frozenset({FIRST}))
    proxy = await three_source_proxy(proxy_factory, engine.url, folder, stall_timeout=2.0)
    return engine, proxy


async def test_ffmpeg_reads_on_across_a_switch_of_sources_over_ts(
    fake_engine_factory, proxy_factory, tmp_path: Path
) -> None:
    _engine, proxy = await stalling_first_source(fake_engine_factory, proxy_factory, tmp_path)
    code, errors = await ffmpeg_reads(proxy.url(FIRST), MEDIA_SECONDS)
    assert "switched to source 2 of 3" in " ".join(proxy.events.messages())
    assert (code, errors) == (0, "")


async def test_over_hls_the_switch_is_a_discontinuity_and_ffmpeg_reads_on(
    fake_engine_factory, proxy_factory, tmp_path: Path
) -> None:
    _engine, proxy = await stalling_first_source(fake_engine_factory, proxy_factory, tmp_path)
    url = manifest_url(proxy, FIRST)
    reading = asyncio.create_task(ffmpeg_reads(url, MEDIA_SECONDS, "-live_start_index", "0"))
    await proxy.events.wait_for("switched to source 2 of 3", timeout=30)
    segmenter = proxy.registry.get(proxy.registry.find(FIRST).key).hls.segmenter
    await until_cut(segmenter, segmenter.stats().next_seq + 1)
    playlist = (await fetch_playlist(proxy, url)).playlist
    assert [s.discontinuity for s in playlist.segments].count(True) == 1, playlist.dumps()
    code, errors = await reading
    assert (code, errors) == (0, "")
