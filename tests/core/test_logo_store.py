"""The core's logo fetcher: a deadline for the whole fetch, a size cap, pictures only, a few at a time,
local files only when they are regular files, kept on disk within a bound."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from desktop.streaming.logos import (
    LogoDiskCache,
    LogoError,
    LogoLimits,
    LogoRef,
    LogoStore,
    LogoTimeout,
    image_type,
    logo_id,
)
from desktop.streaming.logos.local import read_logo_file
from tests.logo_site import LogoSite, png

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev files are POSIX's")


@pytest_asyncio.fixture
async def site() -> AsyncIterator[LogoSite]:
    running = await LogoSite().start()
    yield running
    await running.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def fetch(store: LogoStore, url: str) -> bytes:
    return (await store.get(logo_id(url), LogoRef(url=url))).data


async def refusal(store: LogoStore, ref: LogoRef, text: str = "") -> LogoError:
    with pytest.raises(LogoError) as caught:
        await store.get(logo_id(str(ref.url or ref.path)), ref)
    return caught.value


async def test_a_logo_is_fetched_once_served_as_fetched_and_then_read_from_the_disk(site, tmp_path):
    url = f"{site.base}/logo/one.png"
    store = LogoStore(LogoDiskCache(tmp_path / "logos"))
    first, second = await asyncio.gather(store.get(logo_id(url), LogoRef(url=url)), fetch(store, url))
    assert first.data == second == png() and first.content_type == "image/png"
    assert site.requests["/logo/one.png"] == 1  # two askers, one fetch

    next_run = LogoStore(LogoDiskCache(tmp_path / "logos"))
    assert await fetch(next_run, url) == png()
    assert site.requests["/logo/one.png"] == 1  # from the disk, not the network


async def test_a_trickling_server_is_cut_at_the_deadline_not_kept_alive_by_each_byte(site):
    store = LogoStore(None, limits=LogoLimits(deadline=1.0))
    with pytest.raises(LogoTimeout, match="longer than 1 seconds"):
        await fetch(store, f"{site.base}/trickle/slow")
    await site.wait_for(lambda: site.trickles_cut == 1)  # the connection was dropped, not left open


async def test_six_trickling_servers_do_not_hold_up_the_next_logo(site):
    store = LogoStore(None, limits=LogoLimits(deadline=60.0))
    trickles = [asyncio.ensure_future(fetch(store, f"{site.base}/trickle/{n}")) for n in range(6)]
    await site.wait_for(lambda: sum(site.requests[f"/trickle/{n}"] for n in range(6)) == 6)
    assert await fetch(store, f"{site.base}/logo/next.png") == png()
    assert not any(t.done() for t in trickles)  # they still trickle; the next logo did not wait for them
    await store.close()
    await asyncio.gather(*trickles, return_exceptions=True)


async def test_with_every_web_slot_taken_a_logo_on_disk_still_comes_at_once(site, tmp_path):
    cache = LogoDiskCache(tmp_path / "logos")
    cached_url = f"{site.base}/logo/cached.png"
    cache.write(logo_id(cached_url), png())
    store = LogoStore(cache, limits=LogoLimits(deadline=60.0, parallel=2))
    trickles = [asyncio.ensure_future(fetch(store, f"{site.base}/trickle/{n}")) for n in range(3)]
    await site.wait_for(lambda: site.requests["/trickle/0"] + site.requests["/trickle/1"] == 2)
    assert await fetch(store, cached_url) == png()
    assert site.requests["/trickle/2"] == 0  # the third waits for a slot: two web fetches at a time
    await store.close()
    await asyncio.gather(*trickles, return_exceptions=True)


@pytest.mark.parametrize("path", ["/huge", "/huge-said"])
async def test_a_logo_over_the_size_cap_is_refused(site, tmp_path, path):
    store = LogoStore(LogoDiskCache(tmp_path / "logos"), limits=LogoLimits(max_bytes=256 * 1024))
    with pytest.raises(LogoError, match="larger than 256 KB"):
        await fetch(store, site.base + path)
    assert not (tmp_path / "logos").exists()


async def test_a_web_page_that_calls_itself_a_png_is_not_a_logo(site, tmp_path):
    store = LogoStore(LogoDiskCache(tmp_path / "logos"))
    with pytest.raises(LogoError, match="not a picture"):
        await fetch(store, f"{site.base}/page.png")
    assert not (tmp_path / "logos").exists()  # nothing but pictures goes to the disk


async def test_a_redirect_away_from_the_web_is_not_followed(site):
    with pytest.raises(LogoError, match="other than a web address"):
        await fetch(LogoStore(None), f"{site.base}/away")


async def test_a_failed_logo_is_answered_at_once_for_a_while_then_tried_again(site):
    clock = Clock()
    store = LogoStore(None, limits=LogoLimits(retry_after=600), clock=clock)
    url = f"{site.base}/gone.png"
    for _ in range(3):
        with pytest.raises(LogoError, match="404"):
            await fetch(store, url)
    assert site.requests["/gone.png"] == 1
    clock.now += 600
    with pytest.raises(LogoError, match="404"):
        await fetch(store, url)
    assert site.requests["/gone.png"] == 2


# -- local files (a local playlist's) ----------------------------------------------------------------
def test_a_regular_file_is_read(tmp_path):
    path = tmp_path / "logo.png"
    path.write_bytes(png())
    assert read_logo_file(path, 1024 * 1024) == png()


def test_a_file_over_the_cap_is_refused(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png() + bytes(300 * 1024))
    with pytest.raises(LogoError, match="larger than 256 KB"):
        read_logo_file(path, 256 * 1024)


def special_files(tmp_path: Path) -> list[Path]:
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # no writer: opening it for reading without O_NONBLOCK would wait forever
    folder = tmp_path / "folder.png"
    folder.mkdir()
    found = [fifo, folder, Path("/dev/ptmx"), Path("/dev/zero")]
    return [p for p in found if p.exists()]


@posix_only
def test_a_fifo_a_terminal_a_device_or_a_folder_is_refused_without_blocking(tmp_path):
    # Called right here, on the test's own thread: a read that blocked would hang the test.
    for path in special_files(tmp_path):
        with pytest.raises(LogoError, match=r"not a regular file|is a folder"):
            read_logo_file(path, 1024 * 1024)


@posix_only
async def test_the_store_refuses_them_with_a_reason_not_a_timeout(tmp_path):
    store = LogoStore(None, limits=LogoLimits(deadline=60.0))
    for path in special_files(tmp_path):
        error = await refusal(store, LogoRef(path=path))
        assert type(error) is LogoError and ("not a regular file" in str(error) or "folder" in str(error))


async def test_a_local_logo_file_is_served_and_never_copied_to_the_disk_cache(tmp_path):
    path = tmp_path / "logo.png"
    path.write_bytes(png())
    store = LogoStore(LogoDiskCache(tmp_path / "logos"))
    logo = await store.get(logo_id(str(path)), LogoRef(path=path))
    assert (logo.data, logo.content_type) == (png(), "image/png")
    assert not (tmp_path / "logos").exists()


# -- what counts as a picture ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x1cftypavif", "image/avif"),
        (b"\x00\x00\x01\x00\x01\x00", "image/x-icon"),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n<svg xmlns="x">', "image/svg+xml"),
        (b"<!doctype html><html>", None),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>', None),  # entities: no
        (b"#EXTM3U\n", None),
        (b"", None),
    ],
)
def test_a_picture_is_told_from_its_bytes(data, expected):
    assert image_type(data) == expected


def test_the_disk_cache_stays_within_its_bound_dropping_the_least_recently_used(tmp_path: Path):
    cache = LogoDiskCache(tmp_path, max_bytes=10_000)
    for n, name in enumerate("abc"):
        cache.write(name, bytes(3000))
        os.utime(cache.path_for(name), (1000 + n, 1000 + n))  # a oldest, c newest
    assert cache.read("a") == bytes(3000)  # looked at now: the most recently used
    cache.write("d", bytes(3000))  # 12,000 bytes: over the bound
    kept = {name for name in "abcd" if cache.path_for(name).exists()}
    assert kept == {"a", "d"}
    assert cache.total() <= 10_000 * 3 // 4
