"""/playlist.m3u: one URL a TV app adds once, listing every channel through this proxy."""

from __future__ import annotations

from pathlib import Path

from desktop.streaming.channels import m3u
from tests.core.conftest import CHANNEL
from tests.core.test_channels_service import HASH, write_playlist

TOKEN = "device-Token_0123456789"


async def _playlist(proxy, query: str = "", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    async with proxy.http.get(f"{proxy.base}/playlist.m3u{query}", headers=headers or {}) as resp:
        return resp.status, resp.headers, await resp.read()


async def test_the_device_playlist_keeps_names_and_guide_and_points_at_this_proxy_with_the_token(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    status, headers, body = await _playlist(proxy, f"?token={TOKEN}")
    assert status == 200 and headers["Content-Type"] == "audio/x-mpegurl; charset=utf-8"
    parsed = m3u.parse(body)
    # tvg-id: each channel's id in AceTray's one guide, which the header names (not the playlists' guides).
    assert [(c.name, c.group, c.tvg_id, c.kind, c.id) for c in parsed.channels] == [
        ("Sport One", "Sport", f"{CHANNEL}.id.acetray", "id", CHANNEL),
        ("By hash", "", f"{HASH}.infohash.acetray", "infohash", HASH),
    ]
    host = proxy.base.removeprefix("http://")
    assert parsed.epg_urls == (f"http://{host}/epg.xml?token={TOKEN}",)
    urls = [line for line in body.decode().splitlines() if line.startswith("http")]
    assert urls == [
        f"http://{host}/ace/getstream?id={CHANNEL}&token={TOKEN}",
        f"http://{host}/ace/getstream?infohash={HASH}&token={TOKEN}",
    ]
    # What the app then plays is this proxy's stream.
    async with proxy.http.get(urls[0]) as resp:
        assert resp.status == 200 and (await resp.content.readexactly(188))[0] == 0x47


async def test_the_device_playlist_narrows_to_a_group_or_favourites_and_lists_hls_on_request(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    await proxy.service.channels.set_favourite(("infohash", HASH), True)
    _, _, sport = await _playlist(proxy, "?group=Sport")
    assert [c.name for c in m3u.parse(sport).channels] == ["Sport One"]
    _, _, favourites = await _playlist(proxy, "?favourites=1")
    assert [c.name for c in m3u.parse(favourites).channels] == ["By hash"]
    _, _, hls = await _playlist(proxy, "?format=hls")
    assert f"/ace/manifest.m3u8?id={CHANNEL}" in hls.decode()


async def test_an_unchanged_playlist_answers_304_to_its_etag(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(str(write_playlist(tmp_path)))
    status, headers, _ = await _playlist(proxy)
    assert status == 200
    status, _, body = await _playlist(proxy, headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    await proxy.service.channels.set_favourite(("id", CHANNEL), True)
    status, _, _ = await _playlist(proxy, "?favourites=1", headers={"If-None-Match": headers["ETag"]})
    assert status == 200  # different content, different tag


async def test_without_the_token_the_device_playlist_is_refused(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    status, _, body = await _playlist(proxy)
    assert status == 401 and b"access token" in body
