"""The engine reader joins a trickling engine's small writes into few chunks, never at a start's expense."""

from __future__ import annotations

import asyncio
import time

import pytest

from desktop.streaming.live import reader as stream_reader
from desktop.streaming.live.player import ClientInfo
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL

TRICKLE = {"bytes_per_second": 200_000, "burst_seconds": 0.0, "write_size": 1000}


async def test_a_new_channels_first_chunks_come_without_waiting_to_gather(
    fake_engine_factory, proxy_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither the first chunk nor the ones before the engine's rate is known wait to gather
    # (a player's decoder and the HLS segmenter's first segment wait for them): any such
    # wait would now last an hour.
    monkeypatch.setattr(stream_reader, "COALESCE_MAX_DELAY", 3600.0)
    monkeypatch.setattr(stream_reader, "COALESCE_MIN_DELAY", 0.0)
    engine = await fake_engine_factory(**TRICKLE)
    proxy = await proxy_factory(engine.url)
    async with proxy.http.get(proxy.url()) as player:
        assert player.status == 200
        async with asyncio.timeout(10):
            data = await player.content.readexactly(3 * TRICKLE["write_size"])  # more than the first chunk
    assert data[0] == 0x47


async def test_a_trickling_engine_reaches_players_in_few_large_chunks(fake_engine_factory, proxy_factory) -> None:
    engine = await fake_engine_factory(**TRICKLE)  # 1000-byte writes
    proxy = await proxy_factory(engine.url)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(PACKET_SIZE)
        stream = proxy.registry.find(CHANNEL)
        listener = stream.subscribe(ClientInfo("test", "", time.time()))
        try:
            sizes: list[int] = []
            while sum(sizes) < 60_000:
                sizes.append(len(await listener.take(stream.clock)))
        finally:
            stream.unsubscribe(listener)
    chunks = sizes[1:]  # the first is the join backlog
    assert sum(chunks) / len(chunks) >= 5 * TRICKLE["write_size"], sizes
