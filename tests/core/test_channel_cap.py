"""The channel cap cannot be held by hit-and-run requests, and one address cannot open channels without end."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from desktop.streaming.live.channel_quota import NewChannelQuota
from desktop.streaming.live.fanout import NOT_READING_AFTER
from desktop.streaming.live.registry import MAX_CHANNELS
from desktop.streaming.live.stream import TICK
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL, wait_until
from tests.fake_clock import FakeClock


def channel(n: int) -> str:
    return f"{n:040x}"


def _can_bind(address: str) -> bool:
    try:
        with socket.socket() as sock:
            sock.bind((address, 0))
    except OSError:
        return False
    return True


@pytest_asyncio.fixture
async def neighbour() -> AsyncIterator:
    """`neighbour(n)`: an HTTP client whose connections come from 127.0.0.<n> (another machine, to the proxy)."""
    sessions: list[aiohttp.ClientSession] = []

    def make(n: int) -> aiohttp.ClientSession:
        address = f"127.0.0.{n}"
        if not _can_bind(address):
            pytest.skip(f"{address} is not a loopback address here")
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        await session.close()


async def hit_and_run(http: aiohttp.ClientSession, url: str) -> None:
    """Read one packet and leave: the channel lingers afterwards with nobody watching."""
    async with http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        await resp.content.readexactly(PACKET_SIZE)


async def test_sixteen_hit_and_run_channels_do_not_keep_a_real_player_out(
    fake_engine, proxy_factory, neighbour
) -> None:
    proxy = await proxy_factory(fake_engine.url, linger=60)
    per_address = MAX_CHANNELS // 2  # within each neighbour's quota: the cap is what is tested here
    for n in range(MAX_CHANNELS):
        await hit_and_run(neighbour(2 + n // per_address), proxy.url(channel(n + 1)))
    await wait_until(
        lambda: len(proxy.registry) == MAX_CHANNELS and all(s.state == "lingering" for s in proxy.registry.snapshot())
    )

    data = await proxy.read(proxy.url(CHANNEL), 10 * PACKET_SIZE)  # the house's real player
    assert data[0] == 0x47
    assert len(proxy.registry) == MAX_CHANNELS
    assert proxy.registry.find(channel(1)) is None  # the one lingering longest made room
    assert proxy.registry.find(channel(2)) is not None
    await proxy.events.wait_for("Channel closed to make room")
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped >= 1)


async def test_when_every_channel_has_players_a_new_one_gets_503_saying_what_to_do(
    fake_engine, proxy_factory, monkeypatch
) -> None:
    from desktop.streaming.live import registry

    monkeypatch.setattr(registry, "MAX_CHANNELS", 2)
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(proxy.url(channel(1))) as a, proxy.http.get(proxy.url(channel(2))) as b:
        await a.content.readexactly(PACKET_SIZE)
        await b.content.readexactly(PACKET_SIZE)
        async with proxy.http.get(proxy.url(channel(3))) as third:
            assert third.status == 503
            assert "stop watching one of them" in await third.text()
        assert len(proxy.registry) == 2  # nobody watching was cut off


async def test_one_address_may_open_only_so_many_new_channels_a_minute(fake_engine, proxy_factory, neighbour) -> None:
    proxy = await proxy_factory(fake_engine.url, linger=60)
    greedy = neighbour(2)
    allowed = proxy.registry.quota.per_minute
    for n in range(allowed):
        await hit_and_run(greedy, proxy.url(channel(n + 1)))
    async with greedy.get(proxy.url(channel(allowed + 1))) as refused:
        assert refused.status == 429
        text = await refused.text()
        assert "Too many new channels from 127.0.0.2" in text and "wait" in text
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Joining a channel that is already open costs nothing...
    await hit_and_run(greedy, proxy.url(channel(1)))
    # ...and another device is not held to this one's quota.
    assert (await proxy.read(proxy.url(CHANNEL), PACKET_SIZE))[0] == 0x47
    assert proxy.registry.find(channel(allowed + 1)) is None


def test_the_quota_refills_over_time() -> None:
    now = [0.0]
    quota = NewChannelQuota(per_minute=6, clock=lambda: now[0])
    for _ in range(6):
        assert quota.allows("a")
        quota.spend("a")
    assert not quota.allows("a")
    assert quota.allows("b")
    assert quota.retry_after("a") == pytest.approx(10.0)
    now[0] = 10.0
    assert quota.allows("a")
    quota.spend("a")
    assert not quota.allows("a")
    now[0] = 1000.0
    assert quota.retry_after("a") == 0.0


def test_the_quota_remembers_a_bounded_number_of_addresses() -> None:
    from desktop.streaming.live import channel_quota

    quota = NewChannelQuota(per_minute=6, clock=lambda: 0.0)
    for n in range(channel_quota.MAX_TRACKED * 3):
        quota.spend(f"10.0.{n // 256}.{n % 256}")
    assert len(quota._buckets) <= channel_quota.MAX_TRACKED


async def test_hls_playlists_count_towards_the_same_quota(fake_engine, proxy_factory, neighbour) -> None:
    proxy = await proxy_factory(fake_engine.url, linger=60)
    greedy = neighbour(2)
    for n in range(proxy.registry.quota.per_minute):
        await hit_and_run(greedy, proxy.url(channel(n + 1)))
    async with greedy.get(f"{proxy.base}/ace/manifest.m3u8?id={channel(99)}") as refused:
        assert refused.status == 429
        assert "Too many new channels" in await refused.text()


@pytest_asyncio.fixture
async def never_reading() -> AsyncIterator:
    """`await never_reading(proxy, content_id, n)`: a player from 127.0.0.<n> that asks and never reads."""
    sockets: list[socket.socket] = []
    loop = asyncio.get_running_loop()

    async def make(proxy, content_id: str, n: int) -> socket.socket:  # type: ignore[no-untyped-def]
        address = f"127.0.0.{n}"
        if not _can_bind(address):
            pytest.skip(f"{address} is not a loopback address here")
        sock = socket.socket()
        sockets.append(sock)
        sock.bind((address, 0))
        sock.setblocking(False)
        host, port = proxy.base.removeprefix("http://").rsplit(":", 1)
        await loop.sock_connect(sock, (host, int(port)))
        request = f"GET /ace/getstream?id={content_id} HTTP/1.1\r\nHost: {host}\r\n\r\n"
        await loop.sock_sendall(sock, request.encode())
        return sock

    yield make
    for sock in sockets:
        sock.close()


async def test_players_that_never_read_do_not_hold_the_cap_against_a_third_address(
    fake_engine, proxy_factory, never_reading
) -> None:
    """The cap hog: 8 never-reading players from each of two addresses fill the cap; within 20 s
    a third address gets its channel, and the cap stays where it is.

    Real sockets that never read, and the core's clock moved on by hand: the test waits for the
    state (every channel's reader parked: its player's connection is full, whatever the kernel's
    buffer sizes), not for time to pass.
    """
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, clock=clock, queue_size=4)
    per_address = MAX_CHANNELS // 2
    for n in range(MAX_CHANNELS):
        await never_reading(proxy, channel(n + 1), 2 + n // per_address)
    await wait_until(lambda: len(proxy.registry) == MAX_CHANNELS)
    for n in range(MAX_CHANNELS):
        await asyncio.wait_for(proxy.registry.find(channel(n + 1)).until_waiting_for_players(), 60)
    # The cap is full of players that take nothing. Just now they may have been reading: nobody is cut off...
    async with proxy.http.get(proxy.url(CHANNEL)) as refused:
        assert refused.status == 503

    waited = NOT_READING_AFTER + TICK
    assert waited <= 20.0
    clock.advance(waited)  # ...but a person asking a few seconds later gets a channel.
    data = await proxy.read(proxy.url(CHANNEL), 10 * PACKET_SIZE)
    assert data[0] == 0x47
    assert len(proxy.registry) == MAX_CHANNELS
    hogs_left = [n for n in range(MAX_CHANNELS) if proxy.registry.find(channel(n + 1)) is not None]
    assert len(hogs_left) == MAX_CHANNELS - 1
    event = await proxy.events.wait_for("Channel closed to make room for a new one: its players took nothing")
    assert event.level == "warning"
