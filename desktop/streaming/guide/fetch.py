"""Getting a guide onto the disk: downloaded to a file as it arrives, or a local file as it is.

Downloads go through the playlists' `download` (checked redirects, never to
anything but http(s), a total deadline) with limits of their own: guides are
large and slow. The body is written to a file chunk by chunk, never held whole,
and refused past `max_bytes`. Where a guide may come from is decided by who
named it: the person may name files; a playlist (data from the internet) may
only name http(s) addresses, or a playlist could have AceTray read local files.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import aiohttp

from desktop.streaming.channels.fetch import FetchError, FetchLimits, download
from desktop.streaming.channels.sources import WEB_SCHEMES, InvalidSource, parse_source
from desktop.streaming.guide.parse import MAX_GUIDE_BYTES
from desktop.streaming.guide.state import ADDED, PLAYLIST, RUN

GUIDE_LIMITS = FetchLimits(connect_timeout=10.0, total_timeout=600.0, max_bytes=MAX_GUIDE_BYTES)
_CHUNK = 256 * 1024


def playlist_guide_source(url: str) -> str | None:
    """A playlist's `url-tvg` entry as a source, or None: only http(s) from a playlist."""
    try:
        parsed = parse_source(url)
    except InvalidSource:
        return None
    return parsed.url if parsed.url is not None and parsed.url.split(":", 1)[0].lower() in WEB_SCHEMES else None


def guide_sources(playlist_urls: Iterable[str], added: Iterable[str], run: Iterable[str]) -> dict[str, str]:
    """Every guide source and where it comes from, in order: the playlists', the person's, this run's."""
    wanted: dict[str, str] = {}
    for url in playlist_urls:
        source = playlist_guide_source(url)
        if source is not None:
            wanted.setdefault(source, PLAYLIST)
    for source in added:
        wanted.setdefault(source, ADDED)
    for source in run:
        wanted.setdefault(source, RUN)
    return wanted


async def fetch_guide(
    source: str,
    out: BinaryIO,
    *,
    session: aiohttp.ClientSession | None = None,
    limits: FetchLimits = GUIDE_LIMITS,
) -> Path | None:
    """Download `source` into `out`, or give the local file it names (then `out` stays empty).

    FetchError (a sentence) when it cannot be had.
    """
    try:
        parsed = parse_source(source)
    except InvalidSource as exc:
        raise FetchError(str(exc)) from None
    if parsed.path is not None:
        return _local_file(parsed.path)
    assert parsed.url is not None

    async def save(response: aiohttp.ClientResponse) -> None:
        if response.content_length is not None and response.content_length > limits.max_bytes:
            raise FetchError(_too_large(limits.max_bytes))
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchError(_too_large(limits.max_bytes))
            out.write(chunk)  # to the page cache: microseconds per chunk, no need for a thread
        if not size:
            raise FetchError("The server sent an empty answer.")

    await download(parsed.url, save, session=session, limits=limits)
    return None


def create_download(path: Path) -> BinaryIO:
    """The file a download is written to (blocks: run it off the loop)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("wb")


def _local_file(path: Path) -> Path:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FetchError(f"The file {path} does not exist.") from None
    except OSError as exc:
        raise FetchError(f"Could not read {path} ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO or a device would block or never end
        raise FetchError(f"{path} is not a regular file.")
    return path


def _too_large(max_bytes: int) -> str:
    return f"The guide is larger than {max_bytes / (1024 * 1024):g} MB; a guide that big is not read."
