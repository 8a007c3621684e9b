"""Fixtures for the streaming core: a running ProxyService in front of the fake engine."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest_asyncio

from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import ProxyService
from desktop.streaming.snapshot import ProxyEvent

CHANNEL = "0123456789abcdef0123456789abcdef01234567"
OTHER_CHANNEL = "89abcdef0123456789abcdef0123456789abcdef"


class EventLog:
    """The service's events, with a way to wait for one instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[ProxyEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: ProxyEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def messages(self) -> list[str]:
        return [e.message for e in self.events]

    async def wait_for(self, text: str, timeout: float = 10.0, count: int = 1) -> ProxyEvent:
        """The `count`-th event whose message contains `text`, once it has come."""
        async with asyncio.timeout(timeout):
            while True:
                found = [event for event in self.events if text in event.message]
                if len(found) >= count:
                    return found[count - 1]
                self._changed.clear()
                await self._changed.wait()


@dataclasses.dataclass
class RunningProxy:
    service: ProxyService
    events: EventLog
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        assert self.service.listen_url
        return self.service.listen_url

    def url(self, content_id: str = CHANNEL, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.base}/ace/getstream?id={content_id}" + (f"&{query}" if query else "")

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        assert self.service.registry is not None
        return self.service.registry

    @property
    def counters(self):  # type: ignore[no-untyped-def]
        return self.service.context.counters

    async def read(self, url: str, nbytes: int) -> bytes:
        """What a player gets: the first `nbytes` of the stream (or an assertion error)."""
        async with self.http.get(url) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.content.readexactly(nbytes)


@pytest_asyncio.fixture
async def proxy_factory() -> AsyncIterator[Callable[..., Awaitable[RunningProxy]]]:
    """`await proxy_factory(engine_url, clock=None, **ProxyConfig fields)` → a started proxy on a free port."""
    started: list[RunningProxy] = []
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def make(engine_url: str, clock: Callable[[], float] | None = None, **fields: Any) -> RunningProxy:
        fields.setdefault("linger", 0.5)
        events = EventLog()
        config = ProxyConfig(engine_url=engine_url, port=0, **fields)
        service = ProxyService(config, on_event=events, **({"clock": clock} if clock else {}))
        await service.start()
        proxy = RunningProxy(service, events, http)
        started.append(proxy)
        return proxy

    yield make
    for proxy in started:
        await proxy.service.stop()
    await http.close()


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition the core exposes no event for (engine counters, snapshots)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
