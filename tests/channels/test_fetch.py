"""Fetching playlists from the web and from files; every failure is a sentence, nothing is lost."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from desktop.streaming.channels.fetch import (
    FetchError,
    FetchLimits,
    fetch_playlist,
    redact,
    refresh_playlist,
)
from desktop.streaming.channels.m3u import parse
from desktop.streaming.channels.state import PlaylistState
from tests.fake_engine import closed_port

from .conftest import FIXTURES, PlaylistSite

WORLD = (FIXTURES / "world_mixed.m3u").read_bytes()
SMALL = FetchLimits(connect_timeout=5.0, total_timeout=10.0, max_bytes=100 * 1024)


async def fetch_error(source: str, limits: FetchLimits = SMALL, **kwargs) -> str:
    with pytest.raises(FetchError) as failure:
        await fetch_playlist(source, limits=limits, **kwargs)
    return str(failure.value)


async def test_a_playlist_is_downloaded_over_http(playlist_site: PlaylistSite) -> None:
    assert await fetch_playlist(playlist_site.url("/list.m3u"), limits=SMALL) == WORLD


async def test_redirects_between_web_addresses_are_followed(playlist_site: PlaylistSite) -> None:
    assert await fetch_playlist(playlist_site.url("/moved"), limits=SMALL) == WORLD
    assert playlist_site.requests == ["/moved", "/list.m3u"]


@pytest.mark.parametrize(("path", "scheme"), [("/to-file", "file"), ("/to-ftp", "ftp")])
async def test_a_redirect_away_from_http_is_never_followed(playlist_site: PlaylistSite, path: str, scheme: str) -> None:
    message = await fetch_error(playlist_site.url(path))
    assert message.startswith(f"The server redirected to a {scheme} address;")
    assert playlist_site.requests == [path]


async def test_a_redirect_loop_ends_with_a_message(playlist_site: PlaylistSite) -> None:
    message = await fetch_error(playlist_site.url("/loop"), FetchLimits(max_redirects=3))
    assert message == "The address redirected more than 3 times."
    assert len(playlist_site.requests) == 4


async def test_an_error_status_is_named(playlist_site: PlaylistSite) -> None:
    assert await fetch_error(playlist_site.url("/nothing-here.m3u")) == ("The server answered 404 Not Found.")


@pytest.mark.parametrize("path", ["/page", "/page-as-text"])
async def test_a_web_page_instead_of_a_playlist_is_refused(playlist_site: PlaylistSite, path: str) -> None:
    message = await fetch_error(playlist_site.url(path))
    assert message.startswith("The address gave a web page, not a playlist.")


async def test_a_playlist_mislabelled_as_html_is_still_read(playlist_site: PlaylistSite) -> None:
    assert await fetch_playlist(playlist_site.url("/labelled-html.m3u"), limits=SMALL) == WORLD


async def test_an_empty_answer_is_refused(playlist_site: PlaylistSite) -> None:
    assert await fetch_error(playlist_site.url("/empty.m3u")) == "The server sent an empty answer."


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    playlist_site: PlaylistSite,
) -> None:
    message = await fetch_error(playlist_site.url("/big.m3u"), FetchLimits(max_bytes=1000))
    assert message.startswith("The playlist is larger than 1000 bytes")


async def test_an_endless_download_stops_at_the_cap(playlist_site: PlaylistSite) -> None:
    message = await fetch_error(playlist_site.url("/endless.m3u"))
    assert message.startswith("The playlist is larger than 100 KB")


async def test_a_server_that_never_answers_is_given_up_after_the_total_timeout(
    silent_server: str,
) -> None:
    limits = FetchLimits(connect_timeout=5.0, total_timeout=0.2)
    message = await fetch_error(silent_server, limits)
    assert message == "The download took longer than 0.2 seconds and was stopped."


async def test_a_download_that_stalls_midway_is_given_up_after_the_total_timeout(
    playlist_site: PlaylistSite,
) -> None:
    limits = FetchLimits(connect_timeout=5.0, total_timeout=0.2)
    message = await fetch_error(playlist_site.url("/stall.m3u"), limits)
    assert message == "The download took longer than 0.2 seconds and was stopped."


class NeverResolves(AbstractResolver):
    """A name server that never replies: connecting can only end by the connect timeout."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


async def test_a_server_that_cannot_be_reached_is_given_up_after_the_connect_timeout() -> None:
    limits = FetchLimits(connect_timeout=0.2, total_timeout=30.0)
    connector = aiohttp.TCPConnector(resolver=NeverResolves())
    async with aiohttp.ClientSession(connector=connector) as session:
        message = await fetch_error("http://playlists.example/list.m3u", limits, session=session)
    assert message == "Could not reach the server within 0.2 seconds."


async def test_a_refused_connection_is_named() -> None:
    port = closed_port()
    message = await fetch_error(f"http://127.0.0.1:{port}/list.m3u")
    assert message == f"Could not connect to 127.0.0.1:{port} (Connection refused)."


async def test_proxy_variables_are_ignored(playlist_site: PlaylistSite, monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9/")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert await fetch_playlist(playlist_site.url("/list.m3u"), limits=SMALL) == WORLD


@pytest.mark.parametrize("source", ["ftp://files.example/list.m3u", "javascript:alert(1)", "  "])
async def test_only_http_https_and_files_are_sources(source: str) -> None:
    message = await fetch_error(source)
    assert message.startswith(("Only http, https and local files", "Enter a playlist address"))


async def test_a_playlist_is_read_from_a_file_by_path_or_file_url(tmp_path: Path) -> None:
    path = tmp_path / "my list.m3u"
    path.write_bytes(WORLD)
    assert await fetch_playlist(str(path)) == WORLD
    assert await fetch_playlist(path.as_uri()) == WORLD


async def test_a_missing_file_a_folder_and_an_empty_file_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "gone.m3u"
    assert await fetch_error(str(missing)) == f"The file {missing} does not exist."
    assert await fetch_error(str(tmp_path)) == f"{tmp_path} is a folder, not a playlist file."
    (tmp_path / "empty.m3u").write_bytes(b"\xef\xbb\xbf\r\n")
    assert await fetch_error(str(tmp_path / "empty.m3u")) == "The file is empty."


async def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.m3u"
    path.write_bytes(b"#" * 2048)
    message = await fetch_error(str(path), FetchLimits(max_bytes=1024))
    assert message.startswith("The playlist is larger than 1 KB")


async def test_a_refresh_replaces_the_channels_when_the_download_works(
    playlist_site: PlaylistSite,
) -> None:
    before = PlaylistState(playlist_site.url("/list.m3u"), error="old")
    after = await refresh_playlist(before, limits=SMALL, clock=lambda: 42.0)
    assert after.channels == PlaylistState(before.source).succeeded(parse(WORLD), 0).channels
    assert (after.error, after.updated_at, after.checked_at, after.skipped) == (None, 42.0, 42.0, 2)
    assert len(after.streams) == 2  # the plain http and rtmp streams, kept to pass on


async def test_a_failed_refresh_keeps_the_previous_channels_and_shows_the_error(
    playlist_site: PlaylistSite,
) -> None:
    good = PlaylistState(playlist_site.url("/list.m3u")).succeeded(parse(WORLD), now=1.0)
    moved = PlaylistState(playlist_site.url("/page"), channels=good.channels, updated_at=1.0)
    after = await refresh_playlist(moved, limits=SMALL, clock=lambda: 2.0)
    assert after.channels == good.channels
    assert after.error is not None and after.error.startswith("The address gave a web page")
    assert (after.updated_at, after.checked_at) == (1.0, 2.0)


def test_logged_addresses_carry_no_keys_or_passwords() -> None:
    shown = redact("https://me:secret@lists.example/get.php?user=me&key=secret")
    assert shown == "https://lists.example/get.php?…"
    assert redact("/home/me/list.m3u") == "/home/me/list.m3u"
