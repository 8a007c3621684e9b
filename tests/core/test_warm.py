"""Warm zapping: the first N favourites stay open in the engine without players, so they play at once."""

from __future__ import annotations

import asyncio
import dataclasses

from desktop.streaming.events import EventSink
from desktop.streaming.ids import ChannelKey
from desktop.streaming.live import registry as registry_module
from desktop.streaming.live.stream import LiveStream
from desktop.streaming.snapshot import ProxyEvent
from desktop.streaming.ts.packets import PACKET_SIZE
from desktop.streaming.warm import WarmKeeper
from desktop.streaming.warm import keeper as keeper_module
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, RunningProxy, wait_until
from tests.fake_engine import assert_continuous, parse_sequence

PAT_EVERY = 64  # the synthetic source's join points (PAT + PMT + keyframe)
THIRD_CHANNEL = "fedcba9876543210fedcba9876543210fedcba98"


async def star(proxy: RunningProxy, content_id: str, on: bool = True) -> None:
    """What the window's star (or the page's) does."""
    await proxy.service.channels.set_favourite(("id", content_id), on)


async def ready(proxy: RunningProxy, content_id: str) -> LiveStream:
    """The channel's stream, once it is open with data flowing and nobody watching."""
    await wait_until(lambda: (s := proxy.registry.find(content_id)) is not None and s.state == "ready")
    stream = proxy.registry.find(content_id)
    assert stream is not None and stream.kept_ready
    return stream


async def streams_json(proxy: RunningProxy) -> dict[str, dict]:
    async with proxy.http.get(f"{proxy.base}/api/streams") as resp:
        return {s["content_id"]: s for s in (await resp.json())["streams"]}


async def test_a_warm_favourite_plays_at_once_from_a_keyframe_without_a_new_engine_start(
    fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url, warm=2)
    await star(proxy, CHANNEL)
    await star(proxy, OTHER_CHANNEL)
    await ready(proxy, CHANNEL)
    await ready(proxy, OTHER_CHANNEL)
    assert fake_engine.counters.getstream_requests == 2
    # From now on the engine would take a minute to start a new session.
    fake_engine.set_faults(start_delay=60)
    async with proxy.http.get(proxy.url(CHANNEL)) as player:
        assert player.status == 200
        data = await asyncio.wait_for(player.content.readexactly(200 * PACKET_SIZE), 5)
        shown = await streams_json(proxy)
        assert (shown[CHANNEL]["state"], shown[CHANNEL]["warm"], len(shown[CHANNEL]["clients"])) == ("playing", True, 1)
        assert (shown[OTHER_CHANNEL]["state"], shown[OTHER_CHANNEL]["warm"]) == ("ready", True)
    seqs = parse_sequence(data)
    assert seqs[0] % PAT_EVERY == 0  # the join backlog: PAT, PMT, then a keyframe
    assert_continuous(seqs)
    assert fake_engine.counters.getstream_requests == 2  # the player joined the open session
    # Its player gone, the favourite is ready again rather than lingering out.
    await ready(proxy, CHANNEL)


async def test_starring_makes_a_channel_ready_and_unstarring_stops_its_engine_session(
    fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url, warm=1)
    await star(proxy, CHANNEL)
    await ready(proxy, CHANNEL)
    await proxy.events.wait_for("Ready: this favourite plays at once when chosen")
    assert fake_engine.counters.sessions_started == 1
    await star(proxy, CHANNEL, on=False)
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1)
    assert proxy.registry.find(CHANNEL) is None
    assert proxy.service.keeper.held == ()
    await proxy.events.wait_for("Channel closed: no longer kept ready")


async def test_a_ready_favourite_shows_what_it_downloads_though_nobody_watches(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, warm=1)
    await star(proxy, CHANNEL)
    await ready(proxy, CHANNEL)

    def figures() -> tuple[str | None, int | None, int | None]:
        (shown,) = proxy.service.snapshot().streams
        return shown.engine_status, shown.peers, shown.speed_down_kbps

    await wait_until(lambda: figures()[0] is not None)  # the engine's stat, polled every 2 s
    status, peers, speed = figures()
    assert status == "dl" and peers is not None and speed is not None


async def test_the_first_n_favourites_in_starring_order_are_kept_and_lowering_n_closes_the_rest(
    fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url, warm=1)
    await star(proxy, OTHER_CHANNEL)  # starred first...
    await star(proxy, CHANNEL)  # ...and second: past N = 1
    await ready(proxy, OTHER_CHANNEL)
    assert proxy.registry.find(CHANNEL) is None
    await proxy.service.apply(dataclasses.replace(proxy.service.config, warm=2))
    await ready(proxy, CHANNEL)
    await proxy.service.apply(dataclasses.replace(proxy.service.config, warm=0))
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 2)
    assert len(proxy.registry) == 0


async def test_with_n_zero_no_favourite_is_kept(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)  # the default
    await star(proxy, CHANNEL)
    await star(proxy, OTHER_CHANNEL)
    assert proxy.service.keeper.reconcile() is None  # nothing to keep: it looks again only when woken
    assert len(proxy.registry) == 0
    assert fake_engine.counters.getstream_requests == 0


async def test_an_unstarred_favourite_being_watched_stays_for_its_players_then_lingers_out(
    fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url, warm=1, linger=0.5)
    await star(proxy, CHANNEL)
    stream = await ready(proxy, CHANNEL)
    async with proxy.http.get(proxy.url(CHANNEL)) as player:
        await player.content.readexactly(10 * PACKET_SIZE)
        await star(proxy, CHANNEL, on=False)
        await wait_until(lambda: not stream.kept_ready)
        await player.content.readexactly(500 * PACKET_SIZE)  # still flowing for its player
        assert not stream.closed
    await proxy.events.wait_for("Channel closed: no players for the linger time")
    assert stream.closed and fake_engine.counters.sessions_started == 1


async def test_at_the_cap_a_warm_favourite_yields_to_a_persons_new_channel_and_comes_back_with_room(
    fake_engine, proxy_factory, monkeypatch
) -> None:
    monkeypatch.setattr(registry_module, "MAX_CHANNELS", 2)
    monkeypatch.setattr(keeper_module, "TICK", 0.05)  # it looks for room often
    proxy = await proxy_factory(fake_engine.url, warm=1, linger=0.5)
    await star(proxy, CHANNEL)
    warm = await ready(proxy, CHANNEL)
    async with proxy.http.get(proxy.url(OTHER_CHANNEL)) as first:
        await first.content.readexactly(10 * PACKET_SIZE)
        async with proxy.http.get(proxy.url(THIRD_CHANNEL)) as second:  # the cap is full: the favourite yields
            assert second.status == 200, await second.text()
            await second.content.readexactly(10 * PACKET_SIZE)
            await proxy.events.wait_for("No longer kept ready: a new channel needed its place")
            assert warm.closed and len(proxy.registry) == 2
            await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1)
            proxy.service.keeper.reconcile()
            assert proxy.registry.find(CHANNEL) is None  # never takes back a place a person holds
    await ready(proxy, CHANNEL)  # a channel lingered out: there is room again


async def test_a_warm_favourite_reconnects_like_any_stream(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(vanish_after_bytes=100_000)  # the engine drops the session
    proxy = await proxy_factory(fake_engine.url, warm=1)
    await star(proxy, CHANNEL)
    stream = proxy.registry.find(CHANNEL)
    assert stream is not None
    await fake_engine.wait_until(lambda: fake_engine.counters.sessions_vanished == 1)
    fake_engine.set_faults(vanish_after_bytes=None)
    await proxy.events.wait_for("Stream resumed")
    assert await ready(proxy, CHANNEL) is stream  # the same stream, nobody watching, never closed
    assert stream.reconnects >= 1 and fake_engine.counters.sessions_started == 2


async def test_a_favourite_that_fails_is_tried_again_later_and_less_often(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(start_error="failed to load content")
    proxy = await proxy_factory(fake_engine.url)
    now = [1000.0]
    said: list[ProxyEvent] = []
    keeper = WarmKeeper(
        EventSink(said.append), wanted=lambda: [ChannelKey("id", CHANNEL)], may_start=lambda: True, clock=lambda: now[0]
    )
    keeper.attach(lambda: proxy.registry)

    async def fails() -> None:
        keeper.reconcile()
        stream = proxy.registry.find(CHANNEL)
        assert stream is not None
        await wait_until(lambda: stream.closed)
        keeper.reconcile()  # sees it failed

    await fails()
    assert said[-1].message == "Could not keep this favourite ready; trying again in 5 s"
    now[0] += 4.9
    keeper.reconcile()
    assert proxy.registry.find(CHANNEL) is None and fake_engine.counters.getstream_requests == 1
    now[0] += 0.1
    await fails()
    assert fake_engine.counters.getstream_requests == 2
    assert said[-1].message == "Could not keep this favourite ready; trying again in 10 s"
    now[0] += 9.9
    keeper.reconcile()
    assert fake_engine.counters.getstream_requests == 2


async def test_no_favourite_is_opened_while_the_engine_does_not_answer(dead_engine_url, proxy_factory) -> None:
    proxy = await proxy_factory(dead_engine_url, warm=1)
    await wait_until(lambda: proxy.service.snapshot().engine_reachable is False)
    await star(proxy, CHANNEL)
    proxy.service.keeper.reconcile()
    assert proxy.counters.sessions_started == 0  # no failure after failure to tell: it waits for the engine
