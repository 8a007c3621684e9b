"""The service as the UI and the CLI drive it: start errors, live reconfiguration, engine checks."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket

import pytest

from desktop.streaming import service as service_module
from desktop.streaming.config import ProxyConfig
from desktop.streaming.service import EngineCheckError, ProxyService, ProxyStartError
from desktop.streaming.snapshot import ProxySnapshot
from tests.core.conftest import wait_until
from tests.ports import free_port


async def test_port_in_use_is_a_readable_start_error(fake_engine) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = ProxyService(ProxyConfig(engine_url=fake_engine.url, port=port))
        with pytest.raises(ProxyStartError, match=f"Port {port} is in use by another program"):
            await service.start()
        assert not service.running
        assert service.snapshot().error and "in use" in service.snapshot().error


async def test_apply_moves_to_a_new_port_without_cutting_players(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    old_base = proxy.base
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(188 * 100)
        new_port = free_port()
        await proxy.service.apply(dataclasses.replace(proxy.service.config, port=new_port))
        assert proxy.base == f"http://127.0.0.1:{new_port}"
        # The player that was already watching keeps receiving through the old connection...
        await player.content.readexactly(188 * 1000)
        # ...new players use the new port, and the old one no longer accepts.
        assert (await proxy.read(proxy.url(), 188))[0] == 0x47
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", int(old_base.rsplit(":", 1)[1])), timeout=1).close()
    assert fake_engine.counters.sessions_started == 1


async def test_apply_tunables_take_effect_without_restart(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    base = proxy.base
    await proxy.service.apply(dataclasses.replace(proxy.service.config, queue_size=8, linger=3))
    assert proxy.base == base
    async with proxy.http.get(proxy.url()) as player:
        await player.content.readexactly(188)
        (subscriber,) = proxy.registry.find(proxy.url().rsplit("=", 1)[1]).fanout.subscribers.values()
        assert subscriber.maxsize == 8


async def test_apply_new_engine_serves_new_channels(fake_engine_factory, proxy_factory) -> None:
    first = await fake_engine_factory()
    second = await fake_engine_factory()
    proxy = await proxy_factory(first.url)
    await proxy.service.apply(dataclasses.replace(proxy.service.config, engine_url=second.url))
    await proxy.read(proxy.url(), 188)
    assert (first.counters.sessions_started, second.counters.sessions_started) == (0, 1)


async def test_check_engine_reports_version_or_reason(fake_engine, dead_engine_url) -> None:
    service = ProxyService(ProxyConfig(engine_url=fake_engine.url))
    assert await service.check_engine() == "3.1.70"
    with pytest.raises(EngineCheckError, match="not reachable"):
        await service.check_engine(dead_engine_url)


async def test_engine_unreachable_is_reported_as_an_event(dead_engine_url, proxy_factory) -> None:
    proxy = await proxy_factory(dead_engine_url)
    event = await proxy.events.wait_for("not reachable")
    assert "Start AceStream" in event.message
    assert proxy.service.snapshot().engine_reachable is False


async def test_demo_mode_plays_the_bundled_clip(proxy_factory) -> None:
    proxy = await proxy_factory("http://127.0.0.1:1", demo=True)
    data = await proxy.read(proxy.url(), 188 * 50)
    assert data[0] == 0x47 and data[188] == 0x47
    assert proxy.service.engine_url != "http://127.0.0.1:1"
    assert proxy.service.snapshot().demo_engine  # the window says "demo", not "AceStream"


async def test_api_streams_names_the_demo_engine_as_the_demo_not_as_an_engine_version(proxy_factory) -> None:
    proxy = await proxy_factory("http://127.0.0.1:1", demo=True)
    await wait_until(lambda: proxy.service.snapshot().engine_reachable is True)
    async with proxy.http.get(f"{proxy.base}/api/streams") as response:
        text = await response.text()
    streams = json.loads(text)
    assert streams["demo_engine"] is True
    assert streams["engine_name"] == "built-in demo engine"
    assert streams["engine_version"] is None
    assert "3.1.70" not in text  # what the demo engine's get_version imitates


async def test_a_real_engine_is_named_with_its_version(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await wait_until(lambda: proxy.service.snapshot().engine_reachable is True)
    async with proxy.http.get(f"{proxy.base}/api/health") as response:
        health = await response.json()
    assert (health["engine_name"], health["engine_version"]) == ("AceStream engine 3.1.70", "3.1.70")


async def test_a_change_in_engine_reachability_is_pushed_without_being_asked(fake_engine, monkeypatch) -> None:
    monkeypatch.setattr(service_module, "HEALTH_INTERVAL", 0.05)  # checks come quickly; no one asks for snapshots
    pushed: list[bool | None] = []
    changed = asyncio.Event()

    def on_snapshot(snapshot: ProxySnapshot) -> None:
        pushed.append(snapshot.engine_reachable)
        changed.set()

    service = ProxyService(ProxyConfig(engine_url=fake_engine.url, port=0), on_snapshot=on_snapshot)
    await service.start()
    try:

        async def pushed_until(state: bool) -> None:
            async with asyncio.timeout(5):
                while not pushed or pushed[-1] is not state:
                    changed.clear()
                    await changed.wait()

        await pushed_until(True)
        await fake_engine.go_offline()
        await pushed_until(False)
        await fake_engine.come_online()
        await pushed_until(True)
        assert pushed == [True, False, True]  # one push per change, none per check
    finally:
        await service.stop()


async def test_quitting_while_the_proxy_starts_stops_it_cleanly(fake_engine) -> None:
    """Quit from the tray the moment it appears: the stop waits for the start, nothing fails half-way."""
    service = ProxyService(ProxyConfig(port=0, engine_url=fake_engine.url))
    try:
        await asyncio.gather(service.start(), service.stop())  # the stop arrives during the start's first wait
        assert not service.running and service.registry is None
    finally:
        await service.stop()
        await service.channels.close()
