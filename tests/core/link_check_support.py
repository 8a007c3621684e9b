"""Test support for the link check: playlists of many sources, and a clock a test drives."""

from __future__ import annotations

import asyncio
from pathlib import Path

from desktop.streaming.ids import ChannelKey

WALL_START = 1_764_950_400.0  # 2025-12-05 16:00 UTC: where the fake clock's epoch time begins


def source(n: int) -> str:
    """The n-th test source id (40 hex)."""
    return f"{0xACE0000 + n:040x}"


def keys(ids: list[str]) -> list[ChannelKey]:
    return [ChannelKey("id", i) for i in ids]


def write_playlist(folder: Path, ids: list[str], *, name: str = "many.m3u", group: str = "Sport") -> Path:
    lines = ["#EXTM3U"]
    for n, content_id in enumerate(ids):
        # Named after the group: two playlists' "Channel 1" would be one channel of two sources.
        lines += [f'#EXTINF:-1 group-title="{group}",{group} channel {n + 1}', f"acestream://{content_id}"]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class SkippingClock:
    """The core's clock (`desktop.streaming.runtime.clocks.Clock`) that jumps ahead whenever the code under test
    sleeps on it: a whole check's pacing runs at once (`tests/fake_clock.py`'s waits for the test to move
    it instead). `wall` gives epoch times for the health store."""

    def __init__(self) -> None:
        self.time = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.time

    def wall(self) -> float:
        return WALL_START + self.time

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += max(0.0, seconds)
        await asyncio.sleep(0)
