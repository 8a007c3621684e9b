"""HLS players for the core tests: the demo clip through the fake engine, playlists fetched and parsed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import m3u8

from desktop.streaming.demo.engine import DemoEngine, load_demo_clip
from desktop.streaming.hls import HlsSegmenter
from tests.core.conftest import CHANNEL, RunningProxy

CLIP = load_demo_clip()  # 8 s of H.264 + AAC, a keyframe every second: segments need real clocks
CLIP_RATE = len(CLIP) / 8.0  # bytes per second of the clip played in real time


async def clip_engine(fake_engine_factory, speed: float = 8.0) -> DemoEngine:  # type: ignore[no-untyped-def]
    """The fake engine playing the demo clip `speed` times faster than real time (its clocks go on)."""
    return await fake_engine_factory(source=CLIP, bytes_per_second=CLIP_RATE * speed)


def manifest_url(proxy: RunningProxy, content_id: str = CHANNEL, selector: str = "id") -> str:
    return f"{proxy.base}/ace/manifest.m3u8?{selector}={content_id}"


def segment_url(proxy: RunningProxy, uri: str) -> str:
    """A playlist's relative segment URI, resolved as a player resolves it."""
    return f"{proxy.base}/ace/{uri}"


@dataclass(frozen=True)
class Fetched:
    status: int
    text: str
    content_type: str
    cache_control: str | None

    @property
    def playlist(self) -> m3u8.M3U8:
        assert self.status == 200, self.text
        return m3u8.loads(self.text)


async def fetch_playlist(proxy: RunningProxy, url: str | None = None, agent: str = "AppleCoreMedia/1.0") -> Fetched:
    async with proxy.http.get(url or manifest_url(proxy), headers={"User-Agent": agent}) as resp:
        return Fetched(resp.status, await resp.text(), resp.content_type, resp.headers.get("Cache-Control"))


async def fetch_segment(proxy: RunningProxy, uri: str, agent: str = "AppleCoreMedia/1.0") -> tuple[int, bytes]:
    async with proxy.http.get(segment_url(proxy, uri), headers={"User-Agent": agent}) as resp:
        return resp.status, await resp.read()


def sequence_of(uri: str) -> int:
    return int(uri.rsplit("/", 1)[1].removesuffix(".ts"))


async def until_cut(segmenter: HlsSegmenter, seq: int, timeout: float = 20.0) -> None:
    """Return once segment `seq` has been cut (waiting on the segmenter, segment by segment)."""
    async with asyncio.timeout(timeout):
        while (next_seq := segmenter.stats().next_seq) <= seq:
            await segmenter.wait_for_segment(next_seq, timeout)
