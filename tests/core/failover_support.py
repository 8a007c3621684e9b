"""A channel of three sources in the running core, and a player that notes when its bytes came."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.streaming.ids import ChannelKey
from tests.core.conftest import RunningProxy

FIRST, SECOND, THIRD = (f"{n:040x}" for n in (0x51, 0x52, 0x53))
SOURCES = (FIRST, SECOND, THIRD)
KEYS = tuple(ChannelKey("id", s) for s in SOURCES)
PLAYLIST = f"""#EXTM3U
#EXTINF:-1 group-title="Sport",Sport 1
acestream://{FIRST}
#EXTINF:-1 group-title="Sport",Sport 1 HD
acestream://{SECOND}
#EXTINF:-1 group-title="Sport",Sport 1 (backup)
acestream://{THIRD}
"""


async def three_source_proxy(proxy_factory, engine_url: str, folder: Path, **fields: Any) -> RunningProxy:  # type: ignore[no-untyped-def]
    """A proxy whose one playlist lists "Sport 1" three times: one channel of three sources."""
    proxy: RunningProxy = await proxy_factory(engine_url, **fields)
    path = folder / "sport.m3u"
    path.write_text(PLAYLIST, encoding="utf-8")
    await proxy.service.channels.add(str(path))
    assert [s.key for s in proxy.service.channels.state.catalog.sources_of(KEYS[0])] == list(KEYS)
    return proxy


@dataclass
class Player:
    """Reads a stream into memory, noting when each piece arrived (monotonic seconds)."""

    data: bytearray = field(default_factory=bytearray)
    pieces: list[tuple[float, int]] = field(default_factory=list)  # (arrival, offset of its first byte)
    status: int | None = None
    text: str = ""
    grew: asyncio.Event = field(default_factory=asyncio.Event)

    async def play(self, proxy: RunningProxy, url: str) -> None:
        async with proxy.http.get(url) as resp:
            self.status = resp.status
            if resp.status != 200:
                self.text = await resp.text()
                return
            async for piece in resp.content.iter_any():
                self.pieces.append((time.monotonic(), len(self.data)))
                self.data += piece
                self.grew.set()

    async def until_bytes(self, count: int, timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.data) < count:
                self.grew.clear()
                await self.grew.wait()

    def arrival(self, offset: int) -> float:
        """When the byte at `offset` arrived."""
        return max(at for at, start in self.pieces if start <= offset)

    def whole_packets(self) -> bytes:
        return bytes(self.data[: len(self.data) - len(self.data) % 188])
