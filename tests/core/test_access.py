"""Access rules: only Host values that name this machine, and no requests made by other web sites."""

from __future__ import annotations

import socket

import pytest

from desktop.streaming.http.access import (
    AccessPolicy,
    host_names_this_machine,
    machine_names,
    split_host,
)
from desktop.streaming.ts.packets import PACKET_SIZE
from tests.core.conftest import CHANNEL

ROUTES = ("/api/streams", "/api/health", "/ace/status", f"/ace/getstream?id={CHANNEL}")


async def _get(proxy, path: str, headers: dict[str, str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    async with proxy.http.get(proxy.base + path, headers=headers) as resp:
        if resp.status == 200 and path.startswith("/ace/getstream"):
            return resp.status, (await resp.content.readexactly(PACKET_SIZE)).hex()[:2]
        return resp.status, await resp.text()


@pytest.mark.parametrize("path", ROUTES)
async def test_a_rebinding_host_name_is_refused_on_every_route(fake_engine, proxy_factory, path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    status, text = await _get(proxy, path, {"Host": "rebind.evil.example:6880"})
    assert status == 403
    assert "not a name of this computer" in text
    assert text.count("\n") == 1 and text.endswith("\n")  # one line
    assert fake_engine.counters.getstream_requests == 0


def _names_of_this_machine() -> list[str]:
    short = socket.gethostname().split(".")[0]
    return [socket.gethostname(), f"{short}.local", socket.getfqdn()]


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.0.0.1:{port}",
        "localhost",
        "LocalHost.:{port}",
        "[::1]:{port}",
        "[::1]",
        "192.168.1.20:{port}",
        "[fe80::1%25eth0]:{port}",
        *_names_of_this_machine(),
    ],
)
async def test_hosts_that_name_this_machine_are_accepted(fake_engine, proxy_factory, host) -> None:
    proxy = await proxy_factory(fake_engine.url)
    port = proxy.base.rsplit(":", 1)[1]
    status, _text = await _get(proxy, "/api/health", {"Host": host.format(port=port)})
    assert status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "video"},  # <video src=...>
        {"Origin": "http://evil.example"},
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Origin": "http://127.0.0.1:1"},  # another web server on this machine
        {"Origin": "https://{host}"},  # not this proxy's scheme
        # A page on another port of this host: the browser calls it same-site, but it is not AceTray's.
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "video"},
        # Old browsers send no Sec-Fetch-* and no Origin for a <video>: only the page, in Referer.
        {"Referer": "http://evil.example/watch.html", "User-Agent": "Mozilla/5.0 (Windows NT 6.1) Firefox/60.0"},
        {"Referer": "http://127.0.0.1:1/"},  # an old browser on another port of this host
        {"Referer": "https://{host}/"},
        {"Sec-Fetch-Site": "something-new"},  # a value browsers do not send today is not this proxy's
    ],
    ids=[
        "sec-fetch-cross-site",
        "foreign-origin",
        "null-origin",
        "other-port",
        "https-origin",
        "sec-fetch-same-site",
        "old-browser-foreign-referer",
        "old-browser-other-port",
        "old-browser-https-referer",
        "unknown-sec-fetch-site",
    ],
)
@pytest.mark.parametrize("path", ROUTES)
async def test_requests_made_by_other_web_sites_are_refused(fake_engine, proxy_factory, headers, path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    host = proxy.base.removeprefix("http://")
    status, text = await _get(proxy, path, {k: v.format(host=host) for k, v in headers.items()})
    assert status == 403
    assert "other web sites" in text and text.count("\n") == 1
    assert fake_engine.counters.getstream_requests == 0  # no engine session for a web page


@pytest.mark.parametrize(
    "headers",
    [
        {},  # VLC, mpv, Kodi, IPTV apps: no Sec-Fetch-Site, no Origin
        {"User-Agent": "VLC/3.0.18 LibVLC/3.0.18", "Icy-MetaData": "1"},
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},  # the URL typed into the address bar
        {"Sec-Fetch-Site": "same-origin", "Origin": "{base}"},  # AceTray's own page
        {"Origin": "{base_upper}"},  # origins compare case-insensitively
        {"Referer": "{base}/?token=abc"},  # an old browser playing from AceTray's own page
        {"User-Agent": "Kodi/21.0 (X11; Linux x86_64) Debian/13 App_Bitness/64 Version/21.0"},
        {"User-Agent": "Lavf/61.7.100"},  # ffmpeg, ffprobe, mpv
    ],
    ids=["player", "vlc", "typed-url", "own-page", "own-origin-upper-case", "own-page-old-browser", "kodi", "ffmpeg"],
)
@pytest.mark.parametrize("path", ("/api/streams", f"/ace/getstream?id={CHANNEL}"))
async def test_players_and_this_proxys_own_pages_pass(fake_engine, proxy_factory, headers, path) -> None:
    proxy = await proxy_factory(fake_engine.url)
    fill = {"base": proxy.base, "base_upper": proxy.base.upper().replace("HTTP://", "http://")}
    status, text = await _get(proxy, path, {k: v.format(**fill) for k, v in headers.items()})
    assert status == 200, text


async def test_a_request_without_a_host_header_is_a_player(fake_engine, proxy_factory) -> None:
    import asyncio

    proxy = await proxy_factory(fake_engine.url)
    host, port = proxy.base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /api/health HTTP/1.0\r\n\r\n")  # old HTTP/1.0 clients send no Host
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    assert answer.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200"))


@pytest.mark.parametrize(
    "value, parts",
    [
        ("127.0.0.1:6880", ("127.0.0.1", "6880")),
        ("[::1]:6880", ("::1", "6880")),
        ("[::1]", ("::1", "")),
        ("Name.Local.", ("name.local", "")),
        ("host:", ("host", "")),
        ("[::1", ("[::1", "")),
        ("::1", ("::1", "")),
    ],
)
def test_host_header_parsing(value: str, parts: tuple[str, str]) -> None:
    assert split_host(value) == parts


@pytest.mark.parametrize(
    "value",
    [
        "",
        ":6880",
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "[::1]:x",
        "localhost:80:80",
        "[not-an-ip]:80",
        "2130706433x",
    ],
)
def test_hosts_that_do_not_name_this_machine(value: str) -> None:
    assert not host_names_this_machine(value, AccessPolicy(host_names=machine_names(resolve=False)))


@pytest.mark.parametrize(
    "path, dest, status",
    [
        ("/", "document", 200),
        ("/", "iframe", 403),
        ("/api/streams", "document", 403),
        (f"/ace/getstream?id={CHANNEL}", "document", 403),
    ],
)
@pytest.mark.parametrize("site", ["cross-site", "same-site"])
async def test_a_link_on_another_site_may_open_acetrays_page_and_nothing_else(
    fake_engine, proxy_factory, path, dest, status, site
) -> None:
    proxy = await proxy_factory(fake_engine.url)
    headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": dest}
    got, _text = await _get(proxy, path, headers)
    assert got == status


async def test_a_resolver_that_hangs_delays_the_start_by_a_bounded_time_only(monkeypatch) -> None:
    import threading
    import time

    from desktop.streaming.http import access

    release = threading.Event()
    monkeypatch.setattr(access, "machine_names", lambda: release.wait(10) and frozenset({"late"}))
    began = time.monotonic()
    try:
        assert await access.resolve_machine_names(0.2) is None
    finally:
        release.set()
    assert time.monotonic() - began < 2
    monkeypatch.undo()
    assert "localhost" in (await access.resolve_machine_names(5.0) or ())
