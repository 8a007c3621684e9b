"""HLS viewers count as players while they keep fetching: in the status API, for linger, for the reader."""

from __future__ import annotations

import asyncio
import socket

from desktop.launch import proxy_config
from desktop.settings import Settings
from desktop.streaming.live.stream_hls import SILENT_TARGETS, hls_config
from tests.core.conftest import CHANNEL, wait_until
from tests.core.hls_support import clip_engine, fetch_playlist, fetch_segment
from tests.fake_clock import FakeClock


async def _api_clients(proxy) -> list[dict]:  # type: ignore[no-untyped-def]
    async with proxy.http.get(f"{proxy.base}/api/streams") as resp:
        streams = (await resp.json())["streams"]
    return [client for stream in streams for client in stream["clients"]]


async def test_an_hls_viewer_is_listed_as_hls_and_leaves_after_three_silent_target_durations(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    clock = FakeClock()  # the viewer's silence is counted on the core's clock, moved on below
    proxy = await proxy_factory(engine.url, hls_target_duration=1.0, linger=30, clock=clock)
    playlist = (await fetch_playlist(proxy, agent="AppleCoreMedia/1.0")).playlist
    status, data = await fetch_segment(proxy, playlist.segments[-1].uri, agent="AppleCoreMedia/1.0")
    assert status == 200
    (viewer,) = await _api_clients(proxy)
    assert viewer["kind"] == "HLS" and viewer["address"] == "127.0.0.1"
    assert viewer["user_agent"] == "AppleCoreMedia/1.0" and viewer["state"] == "playing"
    assert viewer["bytes_sent"] == len(data)
    stream = proxy.registry.find(CHANNEL)
    assert stream.player_count == 1
    # No further request: it is forgotten after three target durations, not before.
    clock.advance(SILENT_TARGETS * stream.hls.target_duration - 0.5)  # (the target only grows as segments come)
    await clock.settled()
    assert stream.player_count == 1
    clock.advance(SILENT_TARGETS * 10.0)
    await wait_until(lambda: stream.player_count == 0)
    assert await _api_clients(proxy) == []
    (snapshot,) = proxy.service.snapshot().streams
    assert snapshot.state == "lingering" and snapshot.bytes_out >= len(data)


async def test_one_viewer_per_address_and_player_however_many_requests(fake_engine_factory, proxy_factory) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url)
    for _ in range(3):
        await fetch_playlist(proxy, agent="VLC/3.0.20")
    await fetch_playlist(proxy, agent="mpv 0.35")
    stream = proxy.registry.find(CHANNEL)
    assert sorted(v.user_agent for v in stream.hls.viewers) == ["VLC/3.0.20", "mpv 0.35"]


async def test_the_channel_lingers_once_the_last_ts_and_hls_player_is_gone_then_stops(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    clock = FakeClock()
    proxy = await proxy_factory(engine.url, hls_target_duration=1.0, linger=60.0, clock=clock)
    async with proxy.http.get(proxy.url()) as ts_player:
        await ts_player.content.readexactly(10_000)
        await fetch_playlist(proxy)
        stream = proxy.registry.find(CHANNEL)
        assert stream.player_count == 2
    await wait_until(lambda: stream.player_count == 1)  # the TS player hung up
    clock.advance(SILENT_TARGETS * stream.hls.target_duration - 0.5)
    await clock.settled()
    assert stream.state == "playing"  # the HLS viewer still watches: no linger
    clock.advance(SILENT_TARGETS * 10.0)  # it stopped fetching
    await wait_until(lambda: stream.state == "lingering")
    clock.advance(59)
    await clock.settled()
    assert not stream.closed  # lingering for the whole linger time
    clock.advance(1)
    await proxy.events.wait_for("no players for the linger time")
    await engine.wait_until(lambda: engine.counters.sessions_stopped == 1)
    assert stream.closed and len(proxy.registry) == 0
    assert engine.counters.sessions_started == 1


async def test_an_hls_request_during_the_linger_keeps_the_channel_and_its_session(
    fake_engine_factory, proxy_factory
) -> None:
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url, linger=30)
    async with proxy.http.get(proxy.url()) as ts_player:
        await ts_player.content.readexactly(10_000)
    stream = proxy.registry.find(CHANNEL)
    await wait_until(lambda: stream.state == "lingering")
    await fetch_playlist(proxy)
    assert stream.state == "playing" and stream.player_count == 1
    assert engine.counters.sessions_started == 1


async def test_a_backed_up_ts_player_never_pauses_the_reader_while_hls_viewers_watch(
    fake_engine_factory, proxy_factory
) -> None:
    from desktop.streaming.demo.engine import load_demo_clip

    engine = await fake_engine_factory(source=load_demo_clip(), bytes_per_second=None)  # unpaced
    proxy = await proxy_factory(engine.url, queue_size=4, stale_timeout=60, start_timeout=10)
    # A TS player that reads nothing (tiny receive buffer): its queue fills and the reader parks.
    stuck = socket.socket()
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(stuck, ("127.0.0.1", int(proxy.base.rsplit(":", 1)[1])))
        await loop.sock_sendall(stuck, f"GET /ace/getstream?id={CHANNEL} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await wait_until(lambda: proxy.registry.find(CHANNEL) is not None)
        stream = proxy.registry.find(CHANNEL)
        await stream.until_waiting_for_players()
        # An HLS viewer arrives: segments must be cut from new data, so the reader has to read on.
        bytes_before = stream.bytes_in
        fetched = await fetch_playlist(proxy)
        assert fetched.status == 200, fetched.text
        assert stream.bytes_in > bytes_before
        assert not stream.waiting_for_players
    finally:
        stuck.close()


def test_the_hls_settings_reach_the_segmenter_through_the_core_config() -> None:
    config = proxy_config(Settings(hls_target_duration=4.0, hls_window=10))
    segmenter_config = hls_config(config)
    assert (segmenter_config.target_duration, segmenter_config.window) == (4.0, 10)
    defaults = hls_config(proxy_config(Settings()))
    assert (defaults.target_duration, defaults.window) == (2.0, 6)
    assert Settings(hls_window=2).errors()["hls_window"] == "Must be between 3 and 30 segments."
