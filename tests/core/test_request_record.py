"""Each channel's last few player requests: who asked, what they were answered, what they got (bounded)."""

from __future__ import annotations

import asyncio

from desktop.streaming.demo.state import EngineFaults
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.requests import RequestRecord
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, wait_until

KEY = ChannelKey("id", CHANNEL)
TOKEN = "s3cret-Token_0123456789"
VLC = "VLC/3.0.21 LibVLC/3.0.21"


async def test_a_player_that_plays_is_seen_with_its_address_agent_and_the_bytes_it_got(fake_engine, proxy_factory):
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(proxy.url(), headers={"User-Agent": VLC}) as resp:
        await resp.content.readexactly(PACKET_SIZE * 100)
        (seen,) = proxy.service.context.requests.of(KEY)
        assert (seen.status, seen.open, seen.user_agent, seen.path) == (200, True, VLC, "/ace/getstream")
        assert seen.address.startswith("127.0.0.1:") and seen.bytes_sent >= PACKET_SIZE * 100
        (client,) = proxy.service.snapshot().streams[0].clients
        assert seen.address == client.address  # the players table's own words for the same player
    await wait_until(lambda: not proxy.service.context.requests.of(KEY)[0].open)
    (ended,) = proxy.service.context.requests.of(KEY)
    assert ended.status == 200 and ended.bytes_sent >= PACKET_SIZE * 100


async def test_a_refused_request_is_seen_with_its_status_and_reason_and_never_the_token(fake_engine, proxy_factory):
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    async with proxy.http.get(proxy.url(token="wrong-token-but-long-enough"), headers={"User-Agent": VLC}) as resp:
        assert resp.status == 401
    (seen,) = proxy.service.context.requests.of(KEY)
    assert (seen.status, seen.bytes_sent, seen.open) == (401, 0, False)
    assert seen.message.startswith("AceTray asks for its access token")
    assert "wrong-token" not in repr(seen) and TOKEN not in repr(seen)


async def test_a_channel_still_starting_is_seen_waiting_and_a_failed_start_with_the_engines_reason(
    fake_engine_factory, proxy_factory
):
    engine = await fake_engine_factory(faults=EngineFaults(prebuffer_delay=30.0))
    proxy = await proxy_factory(engine.url, start_timeout=0.5)
    player = asyncio.ensure_future(proxy.http.get(proxy.url()))
    try:
        await wait_until(lambda: bool(proxy.service.context.requests.of(KEY)))
        (waiting,) = proxy.service.context.requests.of(KEY)
        assert (waiting.status, waiting.bytes_sent, waiting.open) == (None, 0, True)
        async with await player as resp:
            assert resp.status == 504
    finally:
        player.cancel()
    (failed,) = proxy.service.context.requests.of(KEY)
    assert (failed.status, failed.open) == (504, False) and failed.message


async def test_probes_and_other_routes_are_not_noted(fake_engine, proxy_factory):
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.head(proxy.url()) as resp:
        assert resp.status == 200
    async with proxy.http.get(f"{proxy.base}/api/streams") as resp:
        assert resp.status == 200
    assert proxy.service.context.requests.of(KEY) == ()


def test_the_record_is_bounded_per_channel_and_in_channels_the_least_recently_asked_going_first():
    now = [1000.0]
    record = RequestRecord(clock=lambda: now[0], per_channel=3, channels=2)
    other, third = ChannelKey("id", OTHER_CHANNEL), ChannelKey("infohash", CHANNEL)
    for n in range(5):
        now[0] += 1
        record.begin(n, KEY, f"127.0.0.1:{n}", "VLC", "/ace/getstream")
        record.finish(n, 200, bytes_sent=n)
    assert [seen.address for seen in record.of(KEY)] == ["127.0.0.1:4", "127.0.0.1:3", "127.0.0.1:2"]
    record.begin(10, other, "127.0.0.1:10", "mpv", "/ace/getstream")
    record.begin(11, KEY, "127.0.0.1:11", "VLC", "/ace/getstream")  # asked again: the newest
    record.begin(12, third, "127.0.0.1:12", "Kodi", "/ace/getstream")
    assert record.of(other) == () and len(record.of(KEY)) == 3 and len(record.of(third)) == 1
    assert record.of(KEY)[0].at == 1005.0 and record.of(KEY)[0].open
