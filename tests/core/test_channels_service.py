"""Named channels inside the running core: /api/channels, names in streams and events, the schedule."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import aiohttp

from desktop.streaming.channels import ChannelsView
from desktop.streaming.channels.m3u import MAX_CHANNELS
from desktop.streaming.config import ProxyConfig
from desktop.streaming.logos import logo_id
from desktop.streaming.service import ProxyService
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, EventLog

HASH = "fedcba9876543210fedcba9876543210fedcba98"
UNKNOWN = {"state": "unknown", "checked_at": None, "peers": None, "speed_kbps": None, "reason": None}
PLAYLIST = f"""#EXTM3U url-tvg="http://epg.example/guide.xml"
#EXTINF:-1 tvg-id="one.tv" tvg-logo="http://logos.example/one.png" group-title="Sport",Sport One
acestream://{CHANNEL}
#EXTINF:-1,By hash
infohash://{HASH}
#EXTINF:-1,Plain
http://tv.example/live.ts
"""


def write_playlist(folder: Path, text: str = PLAYLIST) -> Path:
    path = folder / "list.m3u"
    path.write_text(text, encoding="utf-8")
    return path


async def test_api_channels_lists_every_channel_and_playlist_in_the_promised_shape(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    source = str(write_playlist(tmp_path))
    await proxy.service.channels.add(source)
    await proxy.service.channels.set_favourite(("infohash", HASH), True)
    async with proxy.http.get(f"{proxy.base}/api/channels") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["channels"] == [
        {
            "number": "1",
            "name": "Sport One",
            "group": "Sport",
            "logo": "http://logos.example/one.png",
            "logo_url": "/logo/" + logo_id("http://logos.example/one.png"),  # through AceTray
            "tvg_id": "one.tv",
            "id": CHANNEL,
            "kind": "id",
            "favourite": False,
            "playlist": source,
            "sources": [{"id": CHANNEL, "kind": "id", "playlist": source, "health": UNKNOWN}],
        },
        {
            "number": "2",
            "name": "By hash",
            "group": "",
            "logo": "",
            "logo_url": None,
            "tvg_id": "",
            "id": HASH,
            "kind": "infohash",
            "favourite": True,
            "playlist": source,
            "sources": [{"id": HASH, "kind": "infohash", "playlist": source, "health": UNKNOWN}],
        },
    ]
    (playlist,) = body["playlists"]
    assert set(playlist) == {"source", "channels", "skipped", "over_limit", "streams", "error", "updated_at"}
    assert (playlist["source"], playlist["channels"], playlist["skipped"], playlist["streams"], playlist["error"]) == (
        source,
        2,
        0,
        1,
        None,
    )
    assert isinstance(playlist["updated_at"], float)


async def test_api_channels_sends_every_channel_of_the_biggest_playlist_in_pieces(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    # Five digits: "Channel 720" and "Channel 1080" would be one channel (720 and 1080 are quality words).
    entries = "".join(f"#EXTINF:-1,Channel {n:05}\nacestream://{n:040x}\n" for n in range(MAX_CHANNELS + 7))
    source = str(write_playlist(tmp_path, "#EXTM3U\n" + entries))
    await proxy.service.channels.add(source)
    await proxy.events.wait_for(
        f"Playlist list.m3u updated: {MAX_CHANNELS:,} channels. 7 channels past the first 50,000"
    )
    pieces, body = [], bytearray()
    async with proxy.http.get(f"{proxy.base}/api/channels") as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        assert resp.headers["Transfer-Encoding"] == "chunked"  # written as it goes, not built whole first
        async for data, end_of_piece in resp.content.iter_chunks():
            body += data
            if end_of_piece:
                pieces.append(len(body) - sum(pieces))
    document = json.loads(body)  # still one JSON document, with every channel
    assert set(document) == {"channels", "playlists"}
    assert [c["name"] for c in document["channels"]] == [f"Channel {n:05}" for n in range(MAX_CHANNELS)]
    assert document["playlists"][0]["over_limit"] == 7
    assert len(pieces) >= MAX_CHANNELS // 1000 and max(pieces) < len(body) / 20


async def test_api_channels_pages_only_when_asked_and_says_what_a_bad_page_is(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))

    async def get(query: str) -> tuple[int, str]:
        async with proxy.http.get(f"{proxy.base}/api/channels{query}") as resp:
            return resp.status, await resp.text()

    status, text = await get("?offset=1&limit=1")
    page = json.loads(text)
    assert status == 200 and [c["id"] for c in page["channels"]] == [HASH]
    assert (page["total"], page["offset"], page["limit"], len(page["playlists"])) == (2, 1, 1, 1)
    assert [c["id"] for c in json.loads((await get("?limit=1"))[1])["channels"]] == [CHANNEL]
    assert json.loads((await get("?offset=5"))[1])["channels"] == []  # past the end: an empty page
    assert "total" not in json.loads((await get("?token=ignored"))[1])  # no paging asked: the whole list
    for query, told in [
        ("?offset=-1", "offset must be a whole number from 0"),
        ("?offset=abc&limit=5", "offset must be a whole number from 0"),
        ("?offset=" + "9" * 400, "offset must be a whole number from 0"),
        ("?limit=0", "limit must be a whole number from 1 to 10,000"),
        ("?limit=10001", "limit must be a whole number from 1 to 10,000"),
        ("?offset=0&limit=1e3", "limit must be a whole number from 1 to 10,000"),
    ]:
        assert await get(query) == (400, told + (" (the first channel) up\n" if "offset" in told else "\n")), query


async def test_a_playing_channel_is_named_in_snapshots_and_events_and_an_unknown_one_is_not(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    await proxy.read(proxy.url(CHANNEL), 188)
    await proxy.read(proxy.url(OTHER_CHANNEL), 188)
    streams = {s.content_id: s for s in proxy.service.snapshot().streams}
    assert (streams[CHANNEL].name, streams[CHANNEL].group, streams[CHANNEL].logo) == (
        "Sport One",
        "Sport",
        "http://logos.example/one.png",
    )
    assert (streams[OTHER_CHANNEL].name, streams[OTHER_CHANNEL].group) == (None, None)
    started = {e.content_id: e for e in proxy.events.events if e.message == "Starting channel"}
    assert started[CHANNEL].channel == "Sport One"
    assert started[OTHER_CHANNEL].channel is None


async def test_a_refresh_is_told_as_an_event_and_a_failure_keeps_the_channels(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    path = write_playlist(tmp_path)
    await proxy.service.channels.add(str(path))
    await proxy.events.wait_for("Playlist list.m3u updated: 2 channels. 1 plain stream is passed on as it is.")
    path.unlink()
    result = await proxy.service.channels.refresh(str(path))
    assert result.error and len(result.channels) == 2
    warning = await proxy.events.wait_for("Playlist list.m3u: ")
    assert warning.level == "warning"
    assert len(proxy.service.channels.state.catalog) == 2


async def test_views_reach_the_window_with_downloads_under_way_and_the_catalog_built(
    fake_engine, tmp_path: Path
) -> None:
    views: list[ChannelsView] = []
    service = ProxyService(ProxyConfig(engine_url=fake_engine.url, port=0), on_channels=views.append)
    try:
        await service.start()
        assert views[-1].loaded and views[-1].state.playlists == ()
        source = str(write_playlist(tmp_path))
        await service.channels.add(source)
        assert any(source in v.refreshing for v in views)  # the window can show progress
        assert views[-1].refreshing == frozenset()
        assert "catalog" in views[-1].state.__dict__  # built on the core's loop, not the window's
        assert "logos" in views[-1].state.catalog.__dict__  # and the logos' ids too
        assert views[-1].channel("id", CHANNEL).name == "Sport One"
    finally:
        await service.stop()
        await service.channels.close()


async def test_run_playlists_are_fetched_at_start_and_never_saved(fake_engine, tmp_path: Path) -> None:
    source = str(write_playlist(tmp_path))
    events = EventLog()
    config = ProxyConfig(engine_url=fake_engine.url, port=0, playlists=(source,))
    service = ProxyService(config, on_event=events)
    try:
        await service.start()
        await events.wait_for("Playlist list.m3u updated")
        assert service.channels.state.playlist(source).saved is False
    finally:
        await service.stop()
        await service.channels.close()
    reopened = ProxyService(ProxyConfig(engine_url=fake_engine.url, port=0))
    await reopened.channels.open()
    assert reopened.channels.state.playlists == ()


async def test_channels_outlive_a_stop_and_the_interval_follows_apply(fake_engine, proxy_factory, tmp_path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    await proxy.service.stop()
    assert len(proxy.service.channels.state.catalog) == 2  # still browsable with the proxy stopped
    await proxy.service.start()
    assert 0 < proxy.service.channels.seconds_until_refresh() <= 6 * 3600
    await proxy.service.apply(dataclasses.replace(proxy.service.config, playlist_refresh_hours=0))
    assert proxy.service.channels.seconds_until_refresh() is None
    await proxy.service.stop()
    assert proxy.service.channels.seconds_until_refresh() is None


async def test_the_pages_star_changes_the_same_favourites_the_window_shows(fake_engine, tmp_path: Path) -> None:
    views: list[ChannelsView] = []
    service = ProxyService(ProxyConfig(engine_url=fake_engine.url, port=0), on_channels=views.append)
    await service.start()
    try:
        await service.channels.add(str(write_playlist(tmp_path)))
        base = service.listen_url
        async with aiohttp.ClientSession() as http:
            async with http.put(f"{base}/api/favourites/infohash/{HASH.upper()}") as resp:
                assert resp.status == 204
            assert service.channels.state.favourites == {("infohash", HASH)}
            assert views[-1].state.favourites == {("infohash", HASH)}  # the window hears it too
            async with http.delete(f"{base}/api/favourites/infohash/{HASH}") as resp:
                assert resp.status == 204
            assert service.channels.state.favourites == frozenset()
            async with http.put(f"{base}/api/favourites/magnet/{HASH}") as resp:
                assert resp.status == 404
            async with http.put(f"{base}/api/favourites/id/not-an-id") as resp:
                assert resp.status == 400
    finally:
        await service.stop()
        await service.channels.close()


async def test_a_refresh_counts_channels_as_the_channels_tab_lists_them(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    backup = f"{0xB0:040x}"
    proxy = await proxy_factory(fake_engine.url)
    grouped = f'#EXTM3U\n#EXTINF:-1 tvg-id="one",Sport One\nacestream://{CHANNEL}\n'
    grouped += f'#EXTINF:-1 tvg-id="one",Sport One (backup)\nacestream://{backup}\n'
    await proxy.service.channels.add(str(write_playlist(tmp_path, grouped)))
    await proxy.events.wait_for("Playlist list.m3u updated: 1 channel from 2 links.")
