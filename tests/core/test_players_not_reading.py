"""Players that take nothing do not hold channels: the cap gives way to a person who asks, and a
stalled player is dropped the stale timeout after its last read, not after the kernel's buffers filled.

The registry-level tests give the players fake connections and move the core's clock by hand
(FakeClock), so "took nothing for N s" is exact; one test drives a real socket that stops reading.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from desktop.streaming.ids import ChannelKey
from desktop.streaming.live import registry as registry_module
from desktop.streaming.live.fanout import NOT_READING_AFTER, Subscriber
from desktop.streaming.live.player import ClientInfo
from desktop.streaming.live.registry import TooManyChannels
from desktop.streaming.live.stream import TICK, LiveStream
from tests.core.conftest import CHANNEL, wait_until
from tests.fake_clock import FakeClock


def key(n: int) -> ChannelKey:
    return ChannelKey("id", f"{n:040x}")


class PlayerConnection:
    """A player's connection as the fan-out sees it: the kernel takes every write; the player reads when told."""

    writing_paused = False

    def __init__(self) -> None:
        self.written = 0
        self.read = 0
        self.aborted = False

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True

    def unsent(self) -> int | None:
        return None if self.aborted else self.written - self.read

    def reads_all(self) -> None:
        self.read = self.written


def player(stream: LiveStream, clock: FakeClock, address: str) -> tuple[Subscriber, PlayerConnection]:
    """A TS player on `stream`, as routes_stream sets one up once its headers are out."""
    subscriber = stream.subscribe(ClientInfo(address, "test", 0.0))
    connection = PlayerConnection()
    subscriber.on_evict = connection.abort
    subscriber.enable_direct_writes(connection, connection, clock)
    subscriber.measure_takes(connection.unsent)
    return subscriber, connection


@pytest.fixture
def two_channels_at_most(monkeypatch) -> int:
    monkeypatch.setattr(registry_module, "MAX_CHANNELS", 2)
    return 2


async def test_a_full_cap_gives_way_to_a_new_channel_once_nobody_has_read_one_for_a_while(
    fake_engine, proxy_factory, two_channels_at_most
) -> None:
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    registry = proxy.registry
    first, second = registry.get_or_create(key(1), {}), registry.get_or_create(key(2), {})
    _, never_reads = player(first, clock, "10.0.0.2:1")
    _, reads_a_little = player(second, clock, "10.0.0.3:1")
    await wait_until(lambda: never_reads.written > 0 and reads_a_little.written > 0)
    clock.advance(2)
    reads_a_little.reads_all()  # then stops too

    clock.advance(NOT_READING_AFTER - 2 - 0.5)
    with pytest.raises(TooManyChannels, match="nobody reads"):
        registry.get_or_create(key(3), {})  # a moment's pause costs nobody a channel
    clock.advance(1)
    third = registry.get_or_create(key(3), {})
    assert not third.closed and len(registry) == two_channels_at_most  # the cap stays where it is
    assert first.closed and never_reads.aborted  # the one unread longest, its player cut off at once
    assert not second.closed and not reads_a_little.aborted
    event = await proxy.events.wait_for("Channel closed to make room for a new one: its players took nothing")
    assert event.level == "warning" and event.content_id == key(1).content_id


async def test_one_reading_player_keeps_its_channel_however_many_do_not(
    fake_engine, proxy_factory, two_channels_at_most
) -> None:
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    registry = proxy.registry
    watched, unwatched = registry.get_or_create(key(1), {}), registry.get_or_create(key(2), {})
    reader = player(watched, clock, "10.0.0.2:1")[1]
    others = [player(watched, clock, "10.0.0.2:2")[1], player(unwatched, clock, "10.0.0.3:1")[1]]
    await wait_until(lambda: reader.written > 0 and all(c.written for c in others))

    clock.advance(NOT_READING_AFTER + 1)
    reader.reads_all()
    registry.get_or_create(key(3), {})
    assert unwatched.closed and not watched.closed  # the channel nobody reads gives way, not the read one
    assert not reader.aborted and not others[0].aborted

    newest = registry.get(key(3))
    assert newest is not None
    second_reader = player(newest, clock, "10.0.0.4:1")[1]
    await wait_until(lambda: second_reader.written > 0)
    clock.advance(NOT_READING_AFTER + 1)
    reader.reads_all()
    second_reader.reads_all()
    with pytest.raises(TooManyChannels, match="each with players"):
        registry.get_or_create(key(4), {})  # every channel has a reader: the cap holds
    assert len(registry) == two_channels_at_most


async def test_an_hls_viewer_reads_while_it_fetches_segments_not_playlists(
    fake_engine, proxy_factory, two_channels_at_most
) -> None:
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    registry = proxy.registry
    hls, unwatched = registry.get_or_create(key(1), {}), registry.get_or_create(key(2), {})
    never_reads = player(unwatched, clock, "10.0.0.3:1")[1]
    await wait_until(lambda: never_reads.written > 0)
    every = hls.hls.target_duration
    waited = 0.0
    while waited <= NOT_READING_AFTER:  # a viewer that plays: a segment every target duration
        with hls.hls.visit("10.0.0.2", "AppleCoreMedia") as viewer:
            viewer.segment_sent(100_000, clock())
        clock.advance(every)
        waited += every
    registry.get_or_create(key(3), {})
    assert unwatched.closed and not hls.closed

    newest = registry.get(key(3))
    assert newest is not None
    reader = player(newest, clock, "10.0.0.4:1")[1]
    await wait_until(lambda: reader.written > 0)
    waited = 0.0
    while waited <= NOT_READING_AFTER + every:  # paused: it reloads the playlist, fetches no segment
        with hls.hls.visit("10.0.0.2", "AppleCoreMedia"):
            clock.advance(every)
        waited += every
    reader.reads_all()
    registry.get_or_create(key(4), {})
    assert hls.closed and not newest.closed


async def test_players_waiting_for_a_channel_to_start_never_lose_it(
    fake_engine, proxy_factory, two_channels_at_most
) -> None:
    fake_engine.set_faults(start_delay=60)  # the engine is slow to create both sessions
    clock = FakeClock()
    proxy = await proxy_factory(fake_engine.url, clock=clock)
    registry = proxy.registry
    for n in (1, 2):
        player(registry.get_or_create(key(n), {}), clock, f"10.0.0.2:{n}")
    clock.advance(10 * NOT_READING_AFTER)
    with pytest.raises(TooManyChannels):
        registry.get_or_create(key(3), {})  # nothing waited for them to take: they are not stuck
    assert len(registry) == 2


async def test_a_player_that_stops_reading_is_dropped_the_stale_timeout_after_its_last_read(
    fake_engine_factory, proxy_factory
) -> None:
    """A real socket: reads a little, then stops, while another player reads on.

    The kernel's send buffer (megabytes) keeps accepting data for it for seconds at this rate;
    it is dropped the stale timeout after it stopped, however large that buffer is.
    """
    stale_timeout = 2.0
    rate = 500_000  # bytes/s: a 4 MB send buffer takes 8 s to fill at this pace
    engine = await fake_engine_factory(bytes_per_second=rate)
    proxy = await proxy_factory(engine.url, stale_timeout=stale_timeout)
    loop = asyncio.get_running_loop()
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)  # its own buffer: small and fixed
    stalled.setblocking(False)
    try:
        await loop.sock_connect(stalled, ("127.0.0.1", int(proxy.base.rsplit(":", 1)[1])))
        request = f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        await loop.sock_sendall(stalled, request.encode())
        async with proxy.http.get(proxy.url()) as reading:
            got = 0
            while got < 100_000:
                got += len(await loop.sock_recv(stalled, 65536))
            stopped = loop.time()  # from here on it reads nothing
            while not proxy.counters.stale_evictions:
                await reading.content.readany()  # the other player reads on all along
            dropped_after = loop.time() - stopped
            assert (await reading.content.readexactly(100_000))[0] == 0x47  # and still plays
    finally:
        stalled.close()
    event = await proxy.events.wait_for("dropped: took nothing for 2 s")
    assert event.level == "warning"
    # The stale timeout (its clock starts at the check's last look: up to a tick before the last
    # read), plus a tick or two; not the 8 s it would take this rate to fill a 4 MB send buffer.
    assert stale_timeout - TICK <= dropped_after < stale_timeout + 3 * TICK
