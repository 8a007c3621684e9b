"""`/logo/<id>` through the proxy: only logos a playlist names, pictures only, the token in LAN mode;
`/api/channels` and `/playlist.m3u` point at it."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from desktop.streaming.channels import m3u
from desktop.streaming.logos import logo_id
from tests.core.conftest import CHANNEL, OTHER_CHANNEL
from tests.logo_site import LogoSite, png

TOKEN = "logo-Token_0123456789abcdef"
THIRD = "fedcba9876543210fedcba9876543210fedcba98"


@pytest_asyncio.fixture
async def site() -> AsyncIterator[LogoSite]:
    running = await LogoSite().start()
    yield running
    await running.stop()


def local_playlist(folder: Path, *logos: str) -> str:
    """A playlist file naming one channel per logo."""
    ids = (CHANNEL, OTHER_CHANNEL, THIRD)
    lines = ["#EXTM3U"]
    for n, logo in enumerate(logos):
        lines += [f'#EXTINF:-1 tvg-logo="{logo}",Channel {n}', f"acestream://{ids[n]}"]
    path = folder / "mine.m3u"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


async def get(proxy, path: str, token: str | None = TOKEN):  # type: ignore[no-untyped-def]
    url = f"{proxy.base}{path}" + (f"{'&' if '?' in path else '?'}token={token}" if token else "")
    async with proxy.http.get(url) as resp:
        return resp.status, resp.headers, await resp.read()


async def test_a_logo_comes_through_the_proxy_only_with_the_token(fake_engine, proxy_factory, site, tmp_path):
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    url = f"{site.base}/logo/sport.png"
    await proxy.service.channels.add(local_playlist(tmp_path, url))
    path = f"/logo/{logo_id(url)}"

    status, _, body = await get(proxy, path, token=None)
    assert status == 401 and b"access token" in body
    assert site.requests[path] == 0  # refused before anything was fetched
    status, _, _ = await get(proxy, path, token="wrong-token-0123456789")
    assert status == 401

    status, headers, body = await get(proxy, path)
    assert (status, headers["Content-Type"], body) == (200, "image/png", png())
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]


async def test_an_id_no_playlist_names_is_not_found_and_nothing_is_fetched(fake_engine, proxy_factory, site, tmp_path):
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    await proxy.service.channels.add(local_playlist(tmp_path, f"{site.base}/logo/sport.png"))
    for path in (
        f"/logo/{logo_id(site.base + '/logo/other.png')}",  # a real address, but no playlist names it
        "/logo/not-an-id",
        "/logo/" + "A" * 32,
    ):
        status, _, body = await get(proxy, path)
        assert status == 404 and body.startswith(b"No such logo"), path
    status, _, _ = await get(proxy, f"/logo/{logo_id(site.base + '/logo/sport.png')}/x")  # no such route
    assert status == 404
    assert sum(site.requests.values()) == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev files are POSIX's")
async def test_a_logo_that_is_not_a_picture_or_a_special_file_is_a_502_with_a_sentence(
    fake_engine, proxy_factory, site, tmp_path
):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(local_playlist(tmp_path, f"{site.base}/page.png", str(fifo), "/dev/ptmx"))
    expected = ["not a picture", "not a regular file", "not a regular file"]
    for logo, sentence in zip((f"{site.base}/page.png", str(fifo), "/dev/ptmx"), expected, strict=True):
        status, _, body = await get(proxy, f"/logo/{logo_id(logo)}", token=None)
        assert status == 502 and sentence in body.decode(), (logo, body)


async def test_a_web_playlist_s_local_paths_are_never_read(fake_engine, proxy_factory, site, tmp_path):
    picture = tmp_path / "private.png"
    picture.write_bytes(png())  # it would be served, were it read
    site.playlist = (
        f'#EXTM3U\n#EXTINF:-1 tvg-logo="{picture}",Private\nacestream://{CHANNEL}\n'
        f'#EXTINF:-1 tvg-logo="{site.base}/logo/web.png",Web\nacestream://{OTHER_CHANNEL}\n'
    )
    proxy = await proxy_factory(fake_engine.url)
    await proxy.service.channels.add(f"{site.base}/list.m3u")

    status, _, body = await get(proxy, f"/logo/{logo_id(str(picture))}", token=None)
    assert status == 404 and body.startswith(b"No such logo")
    _, _, listing = await get(proxy, "/api/channels", token=None)
    channels = {c["name"]: c for c in json.loads(listing)["channels"]}
    assert channels["Private"]["logo"] == str(picture)  # as the playlist gave it
    assert channels["Private"]["logo_url"] is None  # but AceTray does not fetch it
    assert channels["Web"]["logo_url"] == f"/logo/{logo_id(site.base + '/logo/web.png')}"


async def test_api_channels_and_the_device_playlist_point_logos_at_this_proxy(
    fake_engine, proxy_factory, site, tmp_path
):
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    (tmp_path / "local.png").write_bytes(png(rgb=(10, 200, 10)))
    web = f"{site.base}/logo/sport.png"
    await proxy.service.channels.add(local_playlist(tmp_path, web, "local.png", "ftp://logos.example/x.png"))

    _, _, listing = await get(proxy, "/api/channels")
    shown = [(c["logo"], c["logo_url"]) for c in json.loads(listing)["channels"]]
    assert shown == [
        (web, f"/logo/{logo_id(web)}"),
        ("local.png", f"/logo/{logo_id('local.png')}"),
        ("ftp://logos.example/x.png", None),
    ]

    _, _, text = await get(proxy, "/playlist.m3u")
    logos = [c.logo for c in m3u.parse(text).channels]
    host = proxy.base.removeprefix("http://")
    assert logos == [
        f"http://{host}/logo/{logo_id(web)}?token={TOKEN}",
        f"http://{host}/logo/{logo_id('local.png')}?token={TOKEN}",
        "",  # AceTray does not fetch it, so the TV is not sent after it either
    ]
    # What a TV app then loads is the picture, through this proxy.
    async with proxy.http.get(logos[1]) as resp:
        assert (resp.status, await resp.read()) == (200, png(rgb=(10, 200, 10)))
