"""LAN sharing: every request carries the access token, or is refused with 401 and nothing starts."""

from __future__ import annotations

import logging

import aiohttp
import m3u8
import pytest

from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL
from tests.core.hls_support import clip_engine

TOKEN = "s3cret-Token_0123456789"
PATHS = (
    f"/ace/getstream?id={CHANNEL}",
    f"/ace/manifest.m3u8?id={CHANNEL}",
    "/api/streams",
    "/api/health",
    "/ace/status",
    "/",
    "/page/app.js",
)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("given", [None, "wrong-token-but-long-enough"], ids=["missing", "wrong"])
async def test_without_the_right_token_every_route_answers_401_and_starts_nothing(
    fake_engine, proxy_factory, path: str, given: str | None, caplog
) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    url = proxy.base + path + (("&" if "?" in path else "?") + f"token={given}" if given else "")
    with caplog.at_level(logging.DEBUG):
        async with proxy.http.get(url) as resp:
            text = await resp.text()
    assert resp.status == 401
    assert "access token" in text and text.count("\n") == 1
    assert fake_engine.counters.getstream_requests == 0
    assert TOKEN not in caplog.text and (given is None or given not in caplog.text)


async def test_the_token_opens_every_route_by_query_or_bearer_header_and_hls_segments_carry_it(
    fake_engine_factory, proxy_factory, caplog
) -> None:
    # The demo clip, keyframes and all: a playlist needs cut segments (the bare test packets
    # have no cut point, so a segment would wait for the 16 MB cap: 25 s).
    engine = await clip_engine(fake_engine_factory)
    proxy = await proxy_factory(engine.url, token=TOKEN)
    with caplog.at_level(logging.DEBUG):
        async with proxy.http.get(f"{proxy.base}/ace/getstream?id={CHANNEL}&token={TOKEN}") as resp:
            assert resp.status == 200
            assert (await resp.content.readexactly(PACKET_SIZE))[0] == 0x47
        async with proxy.http.get(f"{proxy.base}/api/streams", headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 200
        async with proxy.http.get(f"{proxy.base}/ace/manifest.m3u8?id={CHANNEL}&token={TOKEN}") as resp:
            assert resp.status == 200
            playlist = m3u8.loads(await resp.text(), uri=f"{proxy.base}/ace/manifest.m3u8")
        segment = playlist.segments[0]
        assert segment.uri.endswith(f"?token={TOKEN}")  # players cannot add it themselves
        async with proxy.http.get(segment.absolute_uri) as resp:
            assert resp.status == 200 and (await resp.read())[0] == 0x47
    assert TOKEN not in caplog.text


async def test_on_loopback_without_sharing_no_token_is_asked(fake_engine, proxy_factory) -> None:
    proxy = await proxy_factory(fake_engine.url)
    async with proxy.http.get(f"{proxy.base}/api/health") as resp:
        assert resp.status == 200


async def test_an_address_guessing_the_token_waits_while_the_right_token_from_another_is_answered_at_once(
    fake_engine, proxy_factory
) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    health = f"{proxy.base}/api/health"
    # A new connection for every request: it is the address that guesses, not a connection.
    guesser = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True, local_addr=("127.0.0.1", 0)))
    async with guesser:
        for n in range(10):
            async with guesser.get(f"{health}?token=wrong-guess-number-{n:02d}") as resp:
                assert resp.status == 401  # a person mistyping: answered at once
        async with guesser.get(f"{health}?token=wrong-guess-number-10") as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "1"
            assert (await resp.text()) == (
                "Too many wrong access tokens from this device: try again in 1 s with a link from Share with devices.\n"
            )
        async with guesser.get(f"{health}?token={TOKEN}") as resp:
            assert resp.status == 429  # not judged either: a 200 here would answer the guess
        async with guesser.get(health) as resp:
            assert resp.status == 401  # no token at all is no guess
    await proxy.events.wait_for("sent many wrong access tokens")
    # Another device with the right token: served at once, stream and all.
    elsewhere = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)))
    async with elsewhere, elsewhere.get(f"{proxy.base}/ace/getstream?id={CHANNEL}&token={TOKEN}") as resp:
        assert resp.status == 200
        assert (await resp.content.readexactly(PACKET_SIZE))[0] == 0x47


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html"},
        {"Accept": "text/html,application/xhtml+xml"},  # a browser too old for Sec-Fetch-*
    ],
    ids=["browser", "old-browser"],
)
async def test_a_browser_opening_a_link_without_the_token_gets_a_page_saying_where_the_link_is(
    fake_engine, proxy_factory, headers: dict[str, str]
) -> None:
    proxy = await proxy_factory(fake_engine.url, token=TOKEN)
    async with proxy.http.get(proxy.base + "/", headers=headers) as resp:
        page = await resp.text()
    assert resp.status == 401 and resp.content_type == "text/html"
    assert "<title>AceTray: this link needs its access token</title>" in page
    assert "Share with devices…" in page and TOKEN not in page
    assert resp.headers["Cache-Control"] == "no-store"
