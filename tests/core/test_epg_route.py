"""`/epg.xml` from a running proxy: at once, gzip when asked, the token in LAN mode, ids the playlist shares."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from lxml import etree

from desktop.streaming.channels import m3u
from desktop.streaming.channels.guide_id import xmltv_id
from tests.core.conftest import CHANNEL, OTHER_CHANNEL, wait_until

PLAYLIST = """#EXTM3U url-tvg="{guide}"
#EXTINF:-1 tvg-id="bbc1.uk",BBC One
acestream://{a}
#EXTINF:-1,Rai 1 HD
acestream://{b}
"""


@pytest_asyncio.fixture
async def silent_guide() -> AsyncIterator[str]:
    """A guide address whose server takes the request and never answers."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.Event().wait()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/guide.xml"
    server.close()


async def started(proxy_factory, engine_url: str, tmp_path: Path, guide: str, **fields):  # type: ignore[no-untyped-def]
    playlist = tmp_path / "list.m3u"
    playlist.write_text(PLAYLIST.format(guide=guide, a=CHANNEL, b=OTHER_CHANNEL), encoding="utf-8")
    proxy = await proxy_factory(engine_url, playlists=(str(playlist),), **fields)
    await proxy.service.channels.refresh_all()
    return proxy


async def test_epg_answers_at_once_with_placeholders_while_the_guide_is_still_downloading(
    fake_engine, proxy_factory, tmp_path: Path, silent_guide: str
) -> None:
    proxy = await started(proxy_factory, fake_engine.url, tmp_path, silent_guide)
    # The playlist names the guide; its download starts once the guide host has read its copies.
    await wait_until(lambda: silent_guide in proxy.service.guide.view.refreshing)
    async with asyncio.timeout(10), proxy.http.get(f"{proxy.base}/epg.xml") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/xml"
        tree = etree.fromstring(await resp.read())
    assert [c.get("id") for c in tree.iterfind("channel")] == [
        xmltv_id(("id", CHANNEL)),  # type: ignore[arg-type]
        xmltv_id(("id", OTHER_CHANNEL)),  # type: ignore[arg-type]
    ]
    assert {p.findtext("title") for p in tree.iterfind("programme")} == {"BBC One", "Rai 1 HD"}


async def test_gzip_when_the_client_asks_and_the_gz_address_and_an_unchanged_guide_is_304(
    fake_engine, proxy_factory, tmp_path: Path, silent_guide: str
) -> None:
    proxy = await started(proxy_factory, fake_engine.url, tmp_path, silent_guide)
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        async with raw.get(f"{proxy.base}/epg.xml", headers={"Accept-Encoding": "identity"}) as resp:
            plain = await resp.read()
            tag = resp.headers["ETag"]
        async with raw.get(f"{proxy.base}/epg.xml", headers={"Accept-Encoding": "gzip, deflate"}) as resp:
            assert resp.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(await resp.read()) == plain
        async with raw.get(f"{proxy.base}/epg.xml.gz") as resp:
            assert resp.content_type == "application/gzip" and "Content-Encoding" not in resp.headers
            assert gzip.decompress(await resp.read()) == plain
        headers = {"If-None-Match": tag, "Accept-Encoding": "identity"}
        async with raw.get(f"{proxy.base}/epg.xml", headers=headers) as resp:
            assert resp.status == 304
    assert plain.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


async def test_in_lan_mode_the_guide_needs_the_token_and_the_playlist_points_at_it_with_the_token(
    fake_engine, proxy_factory, tmp_path: Path, silent_guide: str
) -> None:
    proxy = await started(proxy_factory, fake_engine.url, tmp_path, silent_guide, token="S3cret")
    async with proxy.http.get(f"{proxy.base}/epg.xml") as resp:
        assert resp.status == 401
    async with proxy.http.get(f"{proxy.base}/playlist.m3u?token=S3cret") as resp:
        playlist = m3u.parse(await resp.text())
    (guide_url,) = playlist.epg_urls
    assert guide_url == f"{proxy.base}/epg.xml?token=S3cret"
    async with proxy.http.get(guide_url) as resp:
        assert resp.status == 200
        tree = etree.fromstring(await resp.read())
    # The playlist's tvg-id of each channel is that channel's id in the guide (IPTV Simple matches on it).
    assert [c.tvg_id for c in playlist.channels] == [c.get("id") for c in tree.iterfind("channel")]
