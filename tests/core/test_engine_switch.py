"""Changing the engine in Settings is handled like an engine fault: channels move, players stay."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from desktop.streaming.live import stream as stream_module
from desktop.streaming.service import ProxyStartError
from tests.core.conftest import CHANNEL, wait_until
from tests.fake_clock import FakeClock
from tests.fake_engine import parse_sequence

PACKET = 188


async def test_a_new_engine_url_moves_the_playing_channel_and_its_player_keeps_watching(
    fake_engine_factory, proxy_factory
) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    proxy = await proxy_factory(first.url)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(200 * PACKET)
        await proxy.service.apply(dataclasses.replace(proxy.service.config, engine_url=second.url))
        event = await proxy.events.wait_for("Reconnecting: the engine was changed in Settings.")
        assert event.level == "warning"
        await wait_until(lambda: second.counters.sessions_started == 1)
        data = await player.content.readexactly(2000 * PACKET)  # the same connection goes on playing
    parse_sequence(data)  # whole packets all along: the move never cut one in half
    assert first.counters.sessions_stopped == 1  # the old engine's session was let go
    assert any("Now using engine" in m for m in proxy.events.messages())


async def test_turning_the_demo_engine_on_and_off_keeps_the_proxy_and_its_players(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    base = proxy.base
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(100 * PACKET)
        await proxy.service.apply(dataclasses.replace(proxy.service.config, demo=True))
        assert proxy.service.snapshot().demo_engine and proxy.base == base
        await proxy.events.wait_for("Now using built-in demo engine")
        await proxy.events.wait_for("Built-in demo engine ready")
        await player.content.readexactly(100 * 1024)  # demo clip bytes, through the same connection
        await proxy.service.apply(dataclasses.replace(proxy.service.config, demo=False))
        assert not proxy.service.snapshot().demo_engine
        await wait_until(lambda: fake_engine.counters.sessions_started == 2)
        await player.content.readexactly(100 * 1024)
    assert proxy.service.running


async def test_a_change_the_proxy_cannot_make_changes_nothing(fake_engine_factory, proxy_factory) -> None:
    first, second = await fake_engine_factory(), await fake_engine_factory()
    proxy = await proxy_factory(first.url)
    before = proxy.service.config
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        wanted = dataclasses.replace(before, engine_url=second.url, port=port, queue_size=8)
        with pytest.raises(ProxyStartError) as refused:
            await proxy.service.apply(wanted)
    assert refused.value.reason == f"Port {port} is in use by another program"
    assert proxy.service.config == before  # engine, tunables and port: all as they were
    assert proxy.service.engine_url == first.url and proxy.service.running
    await proxy.read(proxy.url(), PACKET)
    assert second.counters.sessions_started == 0


async def test_figures_the_engine_can_no_longer_confirm_are_not_shown(fake_engine_factory, proxy_factory) -> None:
    engine = await fake_engine_factory()
    clock = FakeClock()  # the stat poll comes when the test moves the core's clock on
    proxy = await proxy_factory(engine.url, empty_timeout=0.5, clock=clock)
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(100 * PACKET)
        await clock.asleep(stream_module.STAT_INTERVAL)
        clock.advance(stream_module.STAT_INTERVAL)
        await wait_until(lambda: proxy.service.snapshot().streams[0].peers is not None)
        await engine.stop()  # the engine dies
        await proxy.events.wait_for("Reconnecting:")
        (stream,) = proxy.service.snapshot().streams
        assert stream.state == "reconnecting"
        assert (stream.peers, stream.speed_down_kbps, stream.engine_status) == (None, None, None)
        assert [c.state for c in stream.clients] == ["waiting"]
        reconnect = next(e for e in proxy.events.events if e.message.startswith("Reconnecting"))
        assert reconnect.message.endswith(".") and "Error" not in reconnect.message
        assert proxy.registry.find(CHANNEL) is not None
