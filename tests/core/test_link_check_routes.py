"""The link check over HTTP and what it changes for devices: the access rules hold, dead channels can be hidden."""

from __future__ import annotations

from pathlib import Path

from desktop.streaming.channels import m3u
from tests.core.link_check_support import source, write_playlist

TOKEN = "device-Token_0123456789"
FAST = 100_000


async def test_starting_a_check_asks_for_the_token_and_refuses_other_web_sites(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    check = f"{proxy.base}/api/channels/check"
    async with proxy.http.post(check) as resp:
        assert resp.status == 401
    async with proxy.http.post(f"{check}?token={TOKEN}", headers={"Origin": "http://evil.example"}) as resp:
        assert resp.status == 403
    async with proxy.http.post(f"{check}?token={TOKEN}") as resp:
        assert resp.status == 202
        assert await resp.json() == {
            "queued": 0,
            "check": {"running": False, "done": 0, "total": 0, "alive": 0, "dead": 0, "stopped": False},
            "results": "/api/channels/health",
        }
    assert fake_engine.counters.getstream_requests == 0


async def test_the_health_answer_has_the_promised_shape(fake_engine, proxy_factory, tmp_path: Path) -> None:
    dead, alive = source(1), source(2)
    fake_engine.set_faults(refused_ids=frozenset({dead}))
    proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST)
    await proxy.service.channels.add(str(write_playlist(tmp_path, [dead, alive])))
    async with proxy.http.post(f"{proxy.base}/api/channels/check") as resp:
        assert resp.status == 202
    await proxy.events.wait_for("Link check finished")
    async with proxy.http.get(f"{proxy.base}/api/channels/health") as resp:
        body = await resp.json()
    assert body["check"] == {"running": False, "done": 2, "total": 2, "alive": 1, "dead": 1, "stopped": False}
    by_id = {entry["id"]: entry for entry in body["sources"]}
    assert by_id[dead]["kind"] == "id"
    assert set(by_id[dead]["health"]) == {"state", "checked_at", "peers", "speed_kbps", "reason"}
    assert by_id[dead]["health"]["state"] == "dead" and by_id[alive]["health"]["state"] == "alive"


async def test_dead_channels_leave_the_device_playlist_only_when_the_setting_says_so(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    dead, alive = source(1), source(2)
    fake_engine.set_faults(refused_ids=frozenset({dead}))
    for hide in (False, True):
        proxy = await proxy_factory(fake_engine.url, check_per_minute=FAST, hide_dead_channels=hide)
        await proxy.service.channels.add(str(write_playlist(tmp_path, [dead, alive])))
        proxy.service.sources.check(proxy.service.channels.state.catalog.channels[i].key for i in (0, 1))
        await proxy.service.sources.checker.until_finished()
        async with proxy.http.get(f"{proxy.base}/playlist.m3u") as resp:
            listed = [c.id for c in m3u.parse(await resp.read()).channels]
        assert listed == ([alive] if hide else [dead, alive])
        await proxy.service.stop()


async def test_dead_channels_leave_the_tuners_lineup_only_when_the_setting_says_so(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    import json

    from tests.core.conftest import CHANNEL
    from tests.core.test_tuner_http import tuner_proxy

    fake_engine.set_faults(refused_ids=frozenset({CHANNEL}))  # Sport One is dead
    for hide in (False, True):
        proxy = await tuner_proxy(
            proxy_factory, fake_engine.url, tmp_path, check_per_minute=FAST, hide_dead_channels=hide
        )
        proxy.service.sources.check(c.key for c in proxy.service.channels.state.catalog.channels)
        await proxy.service.sources.checker.until_finished()
        async with proxy.http.get(f"{proxy.base}/lineup.json") as resp:
            names = [entry["GuideName"] for entry in json.loads(await resp.read())]
        assert ("Sport One" in names) is not hide and len(names) == (2 if hide else 3)
        await proxy.service.stop()
