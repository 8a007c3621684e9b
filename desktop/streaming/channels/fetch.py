"""Fetching a playlist: from http(s) with aiohttp on the core's loop, or from a file.

Every failure becomes a `FetchError` whose message is a sentence for the
playlist's row; `refresh_playlist` turns it into the playlist's error and
keeps the previous channels. Limits (timeouts, size) are parameters so tests
can make them small.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
from yarl import URL

from desktop import __version__
from desktop.regular_files import FileTooLarge, NotARegularFile, read_regular_file
from desktop.streaming.channels.grouping import name_keys
from desktop.streaming.channels.m3u import ParsedPlaylist, parse
from desktop.streaming.channels.sources import WEB_SCHEMES, InvalidSource, parse_source
from desktop.streaming.channels.state import PlaylistState

log = logging.getLogger(__name__)
T = TypeVar("T")

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_HEADERS = {
    "User-Agent": f"AceTray/{__version__}",
    "Accept": "audio/x-mpegurl, application/vnd.apple.mpegurl, text/plain;q=0.9, */*;q=0.5",
}


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0  # seconds to reach the server
    total_timeout: float = 60.0  # seconds for the whole download, redirects included
    max_bytes: int = 20 * 1024 * 1024  # bigger is not a playlist anyone meant
    max_redirects: int = 5


DEFAULT_LIMITS = FetchLimits()


class FetchError(Exception):
    """A playlist could not be fetched; str() is a sentence for the person."""


async def fetch_playlist(
    source: str,
    *,
    session: aiohttp.ClientSession | None = None,
    limits: FetchLimits = DEFAULT_LIMITS,
    executor: Executor | None = None,
) -> bytes:
    """The playlist's bytes, or FetchError saying why not. Files are read on `executor`
    (the loop's default when None)."""
    try:
        parsed = parse_source(source)
    except InvalidSource as exc:
        raise FetchError(str(exc)) from None
    if parsed.path is not None:
        data = await asyncio.get_running_loop().run_in_executor(executor, _read_file, parsed.path, limits.max_bytes)
        return _check_body(data, "The file is empty.", None)
    assert parsed.url is not None
    return await download(parsed.url, lambda r: _read_body(r, limits), session=session, limits=limits)


async def download(
    url: str,
    read: Callable[[aiohttp.ClientResponse], Awaitable[T]],
    *,
    session: aiohttp.ClientSession | None = None,
    limits: FetchLimits = DEFAULT_LIMITS,
) -> T:
    """`read(response)` of the 200 answer at `url`, redirects checked hop by hop, within the total
    deadline; every failure a FetchError with a sentence. `read` raises FetchError for what it refuses."""
    if session is not None:
        return await _download(session, url, limits, read)
    # Playlist and guide sites are not the engine: no proxy variables, no cookies kept.
    async with aiohttp.ClientSession(trust_env=False, cookie_jar=aiohttp.DummyCookieJar()) as own:
        return await _download(own, url, limits, read)


async def refresh_playlist(
    playlist: PlaylistState,
    *,
    session: aiohttp.ClientSession | None = None,
    limits: FetchLimits = DEFAULT_LIMITS,
    clock: Callable[[], float] = time.time,
    executor: Executor | None = None,
) -> PlaylistState:
    """Fetch and parse one playlist; on any failure its previous channels stay."""
    shown = redact(playlist.source)
    loop = asyncio.get_running_loop()
    try:
        data = await fetch_playlist(playlist.source, session=session, limits=limits, executor=executor)
        # A 20 MB playlist takes a moment to parse (and its names to normalise): keep it off the streaming loop.
        parsed, names = await loop.run_in_executor(executor, lambda: _parse_with_names(data, playlist.source))
    except FetchError as exc:
        log.warning("playlist %s: %s", shown, exc)
        return playlist.failed(str(exc), clock())
    except Exception as exc:  # a bug must not lose the playlist either
        log.exception("playlist %s: unexpected failure", shown)
        return playlist.failed(f"The playlist could not be read ({type(exc).__name__}).", clock())
    result = playlist.succeeded(parsed, clock(), names)
    log.info(
        "playlist %s: %d channels, %d skipped, %d repeated, %d over the limit%s",
        shown,
        len(parsed.channels),
        parsed.skipped,
        parsed.duplicates,
        parsed.over_limit,
        f" ({result.error})" if result.error else "",
    )
    return result


def redact(source: str) -> str:
    """A source as logged: no query string or credentials (playlist URLs may carry keys)."""
    try:
        url = URL(source)
    except (ValueError, TypeError):
        return "<unreadable address>"
    if url.scheme not in WEB_SCHEMES:
        return source
    shown = url.with_user(None).with_query(None).with_fragment(None)
    return str(shown) + ("?…" if url.query_string else "")


async def _download(
    session: aiohttp.ClientSession,
    url: str,
    limits: FetchLimits,
    read: Callable[[aiohttp.ClientResponse], Awaitable[T]],
) -> T:
    try:
        return await asyncio.wait_for(_follow(session, URL(url), limits, read), limits.total_timeout)
    except aiohttp.ServerTimeoutError:  # before TimeoutError: it is one
        raise FetchError(f"Could not reach the server within {limits.connect_timeout:g} seconds.") from None
    except TimeoutError:
        raise FetchError(f"The download took longer than {limits.total_timeout:g} seconds and was stopped.") from None
    except aiohttp.InvalidURL:
        raise FetchError("The address is not valid.") from None
    except aiohttp.ClientConnectorError as exc:
        reason = _os_reason(exc.os_error)
        raise FetchError(f"Could not connect to {exc.host}:{exc.port} ({reason}).") from None
    except aiohttp.ClientPayloadError:
        raise FetchError("The server broke off the download.") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"The download failed ({exc or type(exc).__name__}).") from None


async def _follow(
    session: aiohttp.ClientSession,
    url: URL,
    limits: FetchLimits,
    read: Callable[[aiohttp.ClientResponse], Awaitable[T]],
) -> T:
    # Redirects are followed by hand so each hop is checked: never to file:,
    # ftp: or anything but http(s), and only so many times.
    timeout = aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout, sock_connect=limits.connect_timeout)
    for _ in range(limits.max_redirects + 1):
        async with session.get(url, allow_redirects=False, timeout=timeout, headers=_HEADERS) as r:
            if r.status in _REDIRECTS:
                url = _redirect_target(r)
                continue
            if r.status != 200:
                status = f"{r.status} {r.reason}" if r.reason else str(r.status)
                raise FetchError(f"The server answered {status}.")
            return await read(r)
    raise FetchError(f"The address redirected more than {limits.max_redirects} times.")


async def _read_body(response: aiohttp.ClientResponse, limits: FetchLimits) -> bytes:
    if response.content_length is not None and response.content_length > limits.max_bytes:
        raise FetchError(_too_large(limits.max_bytes))
    data = await _read_capped(response.content, limits.max_bytes)
    return _check_body(data, "The server sent an empty answer.", response.content_type)


def _redirect_target(response: aiohttp.ClientResponse) -> URL:
    location = response.headers.get("Location", "").strip()
    if not location:
        raise FetchError("The server sent a redirect without an address.")
    try:
        target = response.url.join(URL(location))
    except ValueError:
        raise FetchError("The server redirected to an address that is not valid.") from None
    if target.scheme not in WEB_SCHEMES:
        raise FetchError(
            f"The server redirected to a {target.scheme or 'non-web'} address; only http and https are followed."
        )
    return target


async def _read_capped(content: aiohttp.StreamReader, max_bytes: int) -> bytes:
    """Read until the end or one byte past the cap, whichever comes first."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_too_large(max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        return read_regular_file(path, max_bytes)  # a FIFO or a device would block or never end
    except NotARegularFile as exc:
        if exc.kind == "a folder":
            raise FetchError(f"{path} is a folder, not a playlist file.") from None
        raise FetchError(f"{path} is not a regular file ({exc.kind}).") from None
    except FileTooLarge:
        raise FetchError(_too_large(max_bytes)) from None
    except FileNotFoundError:
        raise FetchError(f"The file {path} does not exist.") from None
    except PermissionError:
        raise FetchError(f"AceTray is not allowed to read {path}.") from None
    except OSError as exc:
        raise FetchError(f"Could not read {path} ({exc.strerror or exc}).") from None


def _check_body(data: bytes, empty_message: str, content_type: str | None) -> bytes:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        raise FetchError(empty_message)
    looks_html = head.startswith(b"<") and (b"<html" in head or b"<!doctype html" in head)
    if looks_html or (content_type == "text/html" and not head.startswith(b"#extm3u")):
        raise FetchError("The address gave a web page, not a playlist. Use the link to the .m3u file itself.")
    return data


def _os_reason(error: OSError) -> str:
    # asyncio's connect errors carry "Connect call failed (…)" as their text;
    # the errno says it better ("Connection refused"). Resolver errors say it well already.
    if isinstance(error, socket.gaierror) or not error.errno or error.errno < 0:
        return error.strerror or str(error)
    return os.strerror(error.errno)


def _too_large(max_bytes: int) -> str:
    return f"The playlist is larger than {_size(max_bytes)}; a playlist that big is not read."


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


def _parse_with_names(data: bytes, source: str) -> tuple[ParsedPlaylist, tuple[str, ...]]:
    parsed = parse(data, playlist=source)
    return parsed, name_keys(parsed.channels)
