"""Check links, as the issue puts it: over 50 sources against the simulated engine with dead links in it,
without ever hurting the engine or a channel somebody is watching."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from desktop.streaming.ids import ChannelKey
from desktop.streaming.live.player import StreamEnded
from desktop.streaming.live.registry import MAX_CHANNELS
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.link_check_support import keys, source, write_playlist

FAST = 100_000  # probe starts a minute: the pace has its own test (test_link_check_pace.py)


async def _post_check(proxy, query: str = "") -> dict:  # type: ignore[no-untyped-def]
    async with proxy.http.post(f"{proxy.base}/api/channels/check{query}") as resp:
        assert resp.status == 202, await resp.text()
        assert resp.headers["Location"] == "/api/channels/health"
        return await resp.json()


async def _health(proxy) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    async with proxy.http.get(f"{proxy.base}/api/channels/health") as resp:
        assert resp.status == 200
        body = await resp.json()
    return {entry["id"]: entry["health"] for entry in body["sources"]}


@pytest.mark.parametrize("at_once", [1, 3])
async def test_a_check_of_50_sources_tells_dead_from_alive_within_its_limits_and_stops_every_session(
    fake_engine, proxy_factory, tmp_path: Path, at_once: int
) -> None:
    ids = [source(n) for n in range(50)]
    refused, silent = set(ids[3:13]), set(ids[20:25])
    fake_engine.set_faults(refused_ids=frozenset(refused), silent_ids=frozenset(silent))
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, check_at_once=at_once, check_timeout=0.5)
    await proxy.service.channels.add(str(write_playlist(tmp_path, ids)))

    answer = await _post_check(proxy)
    assert answer["queued"] == 50 and answer["check"]["total"] == 50
    await proxy.events.wait_for("Link check finished", timeout=60)

    health = await _health(proxy)
    assert set(health) == set(ids)
    assert {i for i, h in health.items() if h["state"] == "dead"} == refused | silent
    for content_id in refused:
        assert health[content_id]["reason"] == "AceStream engine error: failed to load content"
    for content_id in silent:
        assert health[content_id]["reason"] == "No data within 0.5 s"
    for content_id in set(ids) - refused - silent:
        verdict = health[content_id]
        assert verdict["state"] == "alive" and verdict["reason"] is None
        assert verdict["peers"] == 7 and verdict["speed_kbps"] > 0  # the engine's own figures
        assert datetime.fromisoformat(verdict["checked_at"]).tzinfo is not None
    assert "Link check finished: 35 alive, 15 dead (50 links)." in proxy.events.messages()

    counters = fake_engine.counters
    assert counters.most_sessions <= at_once  # never more engine sessions at once than allowed
    assert counters.sessions_started == 40  # a refused id makes no session
    assert counters.sessions_stopped == 40  # every one of them stopped by a stop command
    assert fake_engine.active_sessions == 0


async def test_a_persons_channel_started_during_the_check_plays_at_once_and_the_probe_gives_way(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    ids = [source(n) for n in range(5)]
    fake_engine.set_faults(silent_ids=frozenset(ids))  # each probe would wait its whole minute
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, check_timeout=60)
    await proxy.service.channels.add(str(write_playlist(tmp_path, ids)))
    await _post_check(proxy)
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 1)  # a probe holds its session

    watched = source(99)
    async with proxy.http.get(proxy.url(watched)) as resp:
        assert resp.status == 200
        # Far inside the probe's 60 s: the person's first bytes never wait for it.
        first = await resp.content.readexactly(PACKET_SIZE)
        assert first[0] == 0x47
        checker = proxy.service.sources.checker
        assert checker.running and checker.progress.done == 0  # the probe gave way; its source waits its turn
        await fake_engine.wait_until(lambda: fake_engine.counters.sessions_stopped == 1)  # the probe's, stopped
        assert [s.value for s in fake_engine.sessions.values()] == [watched]  # no probe meanwhile
    proxy.service.sources.checker.stop()
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 0, timeout=10)


async def test_a_persons_channel_on_the_very_source_being_probed_starts_after_the_probe_let_go(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    # The engine keeps one session per id: a probe's stop that lands after the channel's start would end it.
    fake_engine.set_faults(prebuffer_delay=1.0, stop_delay=0.5)  # the probe waits for data; its stop is slow
    target = source(1)
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, check_timeout=30)
    proxy.service.sources.check(keys([target]))
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 1)
    stops_before = fake_engine.counters.stop_calls

    async with proxy.http.get(proxy.url(target)) as resp:
        assert resp.status == 200
        assert (await resp.content.readexactly(PACKET_SIZE * 100))[0] == 0x47
    assert fake_engine.counters.stop_calls == stops_before + 1  # the probe's session, stopped before the channel's
    assert not [m for m in proxy.events.messages() if m.startswith("Reconnecting")]


async def test_a_source_a_channel_is_playing_is_judged_from_the_channel_and_never_probed(
    fake_engine, proxy_factory
) -> None:
    playing = source(7)
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST)
    async with proxy.http.get(proxy.url(playing)) as resp:
        await resp.content.readexactly(PACKET_SIZE)
        assert proxy.service.sources.check(keys([playing])) == 1
        await proxy.events.wait_for("Link check finished")
    assert fake_engine.counters.getstream_requests == 1  # the channel's own; no second session on its id
    verdict = proxy.service.sources.health.get(ChannelKey("id", playing))
    assert verdict.state == "alive"


async def test_probes_use_only_room_the_channel_cap_leaves_free(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, linger=60)
    registry = proxy.registry
    for n in range(MAX_CHANNELS):
        registry.get_or_create(ChannelKey("id", source(100 + n)), {})
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == MAX_CHANNELS)
    assert proxy.service.sources.check(keys([source(1)])) == 1

    # The cap is full: the check waits. One channel closes: the probe takes its room, and only that.
    assert fake_engine.counters.getstream_requests == MAX_CHANNELS
    registry.get(ChannelKey("id", source(100))).close(StreamEnded("test", 410))
    await proxy.events.wait_for("Link check finished")
    assert fake_engine.counters.most_sessions == MAX_CHANNELS
    assert proxy.service.sources.health.get(ChannelKey("id", source(1))).state == "alive"


async def test_an_engine_that_does_not_answer_stops_the_check_and_marks_nothing_dead(
    dead_engine_url, proxy_factory
) -> None:
    proxy = await proxy_factory(dead_engine_url, check_per_minute=FAST)
    proxy.service.sources.check(keys([source(1), source(2)]))
    event = await proxy.events.wait_for("Link check stopped")
    assert event.message == (
        f"Link check stopped: AceStream engine not reachable at {dead_engine_url}. No link was marked dead."
    )
    assert len(proxy.service.sources.health.map) == 0


async def test_stopping_a_check_ends_its_probe_and_stops_its_session(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(never_send=True)
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, check_timeout=60)
    proxy.service.sources.check(keys([source(1), source(2)]))
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 1)
    async with proxy.http.delete(f"{proxy.base}/api/channels/check") as resp:
        assert resp.status == 204
    await proxy.events.wait_for("Link check stopped: 0 of 2 links checked.")
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 0)
    assert fake_engine.counters.sessions_stopped == 1 and fake_engine.counters.sessions_started == 1
    assert not proxy.service.sources.checker.progress.running


async def test_stopping_the_proxy_mid_check_stops_the_probes_session(fake_engine, proxy_factory) -> None:
    fake_engine.set_faults(never_send=True)
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, check_timeout=60)
    proxy.service.sources.check(keys([source(1)]))
    await fake_engine.wait_until(lambda: fake_engine.active_sessions == 1)
    await proxy.service.stop()
    assert fake_engine.active_sessions == 0 and fake_engine.counters.sessions_stopped == 1


async def test_favourites_are_checked_on_their_schedule_when_it_is_on(fake_engine, proxy_factory) -> None:
    from desktop.streaming.config import ProxyConfig
    from desktop.streaming.service import ProxyService
    from tests.core.conftest import EventLog

    favourite = ChannelKey("id", source(5))
    events = EventLog()
    service = ProxyService(
        ProxyConfig(engine_url=fake_engine.url, port=0, check_favourites_hours=6, check_per_minute=FAST),
        on_event=events,
    )
    await service.channels.set_favourite(favourite, True)
    await service.start()  # never checked: due at once
    try:
        await events.wait_for("Link check finished: 1 alive, 0 dead (1 link).")
        assert service.sources.health.get(favourite).state == "alive"
    finally:
        await service.stop()
        await service.sources.close()
        await service.channels.close()


async def test_the_check_needs_a_running_proxy_and_says_so(fake_engine, proxy_factory) -> None:
    from desktop.streaming.probes import CheckUnavailable

    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.stop()
    with pytest.raises(CheckUnavailable, match=r"The proxy is not running: start it to check links\."):
        proxy.service.sources.check(keys([source(1)]))


async def test_a_check_asks_for_a_group_or_the_favourites_only(fake_engine, proxy_factory, tmp_path: Path) -> None:
    sport, news = [source(n) for n in range(3)], [source(n) for n in range(10, 12)]
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST)
    await proxy.service.channels.add(str(write_playlist(tmp_path, sport, name="sport.m3u")))
    await proxy.service.channels.add(str(write_playlist(tmp_path, news, name="news.m3u", group="News")))
    await proxy.service.channels.set_favourite(ChannelKey("id", news[1]), True)
    assert (await _post_check(proxy, "?group=News"))["queued"] == 2
    await proxy.events.wait_for("Link check finished")
    assert (await _post_check(proxy, "?favourites=1"))["queued"] == 1
    await proxy.events.wait_for("Link check finished", count=2)
    assert set(await _health(proxy)) == set(news)
