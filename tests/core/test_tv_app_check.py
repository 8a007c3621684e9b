"""Share with devices → TV apps → Test, on the core: fetch what each kind of app fetches, say what came back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web

from desktop.streaming.tuner.app_check import AppCheckFailed, How, TvLinks, check
from tests.core.test_tuner_http import TOKEN, free_udp_port, tuner_proxy
from tests.local_site import local_site

GUIDE = b"""<?xml version="1.0" encoding="UTF-8"?>
<tv>
  <channel id="one.tv"><display-name>7 Sport One</display-name></channel>
  <channel id="two.tv"><display-name>1 By hash</display-name></channel>
  <channel id="three.tv"><display-name>2 Nameless</display-name></channel>
  <programme channel="one.tv" start="20260101000000 +0000" stop="20260101010000 +0000"><title>A</title></programme>
  <programme channel="one.tv" start="20260101010000 +0000" stop="20260101020000 +0000"><title>B</title></programme>
  <programme channel="two.tv" start="20260101000000 +0000" stop="20260101010000 +0000"><title>C</title></programme>
  <programme channel="elsewhere" start="20260101000000 +0000" stop="20260101010000 +0000"><title>D</title></programme>
</tv>
"""


@pytest_asyncio.fixture
async def guide_site() -> AsyncIterator[str]:
    """A guide the way /epg.xml serves one (another engineer builds it; this stands in, on 127.0.0.1)."""

    async def guide(request: web.Request) -> web.Response:
        return web.Response(body=GUIDE, content_type="application/xml")

    app = web.Application()
    app.router.add_get("/epg.xml", guide)
    async with local_site(app) as base:
        yield f"{base}/epg.xml"


def links_of(proxy, guide: str | None = None) -> TvLinks:  # type: ignore[no-untyped-def]
    query = f"?token={TOKEN}" if proxy.service.config.token else ""
    return TvLinks(proxy.base, f"{proxy.base}/playlist.m3u{query}", guide or f"{proxy.base}/epg.xml{query}")


async def test_a_tuner_app_finds_the_lineup_and_a_guide_with_programmes(
    fake_engine, proxy_factory, tmp_path: Path, guide_site: str
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, token=TOKEN)
    assert await check(How.TUNER, links_of(proxy, guide_site)) == "3 channels, guide for 2"
    assert await check(How.PLAYLIST, links_of(proxy, guide_site)) == "3 channels, guide for 2"
    assert await check(How.PLAYLIST_ONLY, links_of(proxy)) == "3 channels"


async def test_acetrays_own_guide_lists_every_channel_and_a_missing_guide_is_said(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path)
    # /epg.xml answers at once, every channel with programmes: placeholders until a guide arrives,
    # which the Test does not count as a guide.
    assert await check(How.TUNER, links_of(proxy)) == "3 channels, guide for 0, placeholders for 3"
    missing = TvLinks(proxy.base, f"{proxy.base}/playlist.m3u", f"{proxy.base}/no-guide-here.xml")
    assert await check(How.PLAYLIST, missing) == "3 channels, no guide yet"  # a 404, as before any /epg.xml


async def test_the_hdhomerun_add_on_way_finds_the_tuner_by_discovery(
    fake_engine, proxy_factory, tmp_path: Path
) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, token=TOKEN)
    port = proxy.service.config.discovery_port
    seen = await check(How.DISCOVERY, links_of(proxy), discovery_port=port)
    device = proxy.service.tuner.identity.device_id_text
    assert seen.startswith(f"Found tuner {device} at {proxy.base}: 3 channels")


async def test_with_the_tuner_off_the_test_says_what_to_do(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, tuner=False)
    with pytest.raises(AppCheckFailed, match="tuner is off"):
        await check(How.TUNER, links_of(proxy))
    with pytest.raises(AppCheckFailed, match="Nothing answers tuner discovery"):
        await check(How.DISCOVERY, links_of(proxy), discovery_port=free_udp_port())


async def test_a_wrong_token_or_no_acetray_is_told_in_words(fake_engine, proxy_factory, tmp_path: Path) -> None:
    proxy = await tuner_proxy(proxy_factory, fake_engine.url, tmp_path, token=TOKEN)
    wrong = TvLinks(proxy.base, f"{proxy.base}/playlist.m3u?token=nope", f"{proxy.base}/epg.xml?token=nope")
    with pytest.raises(AppCheckFailed, match=r"/playlist\.m3u answered 401"):
        await check(How.PLAYLIST, wrong)
    with pytest.raises(AppCheckFailed, match="could not be reached"):
        await check(How.PLAYLIST_ONLY, TvLinks("http://127.0.0.1:9", "http://127.0.0.1:9/playlist.m3u", ""))


async def test_a_lineup_named_on_another_host_is_not_followed(guide_site: str) -> None:
    """A device at the address asked whose discover.json points elsewhere: the check goes no further."""
    elsewhere = guide_site.rsplit("/", 1)[0]

    async def discover(request: web.Request) -> web.Response:
        return web.json_response({"LineupURL": "http://192.0.2.1:80/lineup.json"})

    app = web.Application()
    app.router.add_get("/discover.json", discover)
    async with local_site(app) as base:
        with pytest.raises(AppCheckFailed, match="names a lineup elsewhere"):
            await check(How.TUNER, TvLinks(base, "", f"{elsewhere}/epg.xml"))
