"""The channel library on the core's loop: playlists added, refreshed, kept and found again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from desktop.streaming.channels.fetch import FetchLimits
from desktop.streaming.channels.library import ChannelLibrary, UnknownPlaylist
from desktop.streaming.channels.sources import InvalidSource
from desktop.streaming.channels.state import ChannelsState
from desktop.streaming.channels.store import ChannelStore

from .conftest import FIXTURES, PlaylistSite

LIMITS = FetchLimits(connect_timeout=5.0, total_timeout=10.0, max_bytes=1024 * 1024)
PERVIY = ("id", "4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f")


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def library(tmp_path: Path, clock: Clock | None = None, **kwargs) -> ChannelLibrary:
    return ChannelLibrary(ChannelStore(tmp_path), limits=LIMITS, clock=clock or Clock(), **kwargs)


async def opened(tmp_path: Path, clock: Clock | None = None, **kwargs) -> ChannelLibrary:
    """A library as the service starts one: the saved files read first."""
    lib = library(tmp_path, clock, **kwargs)
    await lib.load()
    return lib


async def test_an_added_playlist_is_fetched_named_and_there_at_the_next_start_offline(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    lib = await opened(tmp_path)
    added = await lib.add(playlist_site.url("/list.m3u"))
    assert (len(added.channels), added.error, added.updated_at) == (8, None, 1000.0)
    assert lib.state.catalog.name_for(PERVIY) == "Первый канал"

    later = library(tmp_path)  # the next start: nothing is fetched
    assert await later.load() == ()
    assert later.state.catalog.name_for(PERVIY) == "Первый канал"
    assert playlist_site.requests == ["/list.m3u"]


async def test_a_failed_refresh_keeps_the_channels_and_shows_and_saves_the_error(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    lib = await opened(tmp_path)
    world = tmp_path / "world.m3u"
    world.write_bytes((FIXTURES / "world_mixed.m3u").read_bytes())
    await lib.add(str(world))
    world.unlink()
    after = await lib.refresh(str(world))
    assert len(after.channels) == 8
    assert after.error == f"The file {world} does not exist."
    again = library(tmp_path)
    await again.load()
    assert again.state.playlists[0].error == after.error
    assert len(again.state.catalog) == 8


async def test_sources_are_normalised_so_a_playlist_is_added_once(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "a.m3u").write_text(f"acestream://{'a' * 40}\n")
    lib = await opened(tmp_path)
    await lib.add("lists/a.m3u", base=tmp_path)
    await lib.add(str(tmp_path / "lists" / ".." / "lists" / "a.m3u"))
    await lib.add((tmp_path / "lists" / "a.m3u").as_uri())
    assert lib.state.sources == (str(tmp_path / "lists" / "a.m3u"),)


@pytest.mark.parametrize("source", ["ftp://x.example/a.m3u", "", "https:///no-host"])
async def test_an_unusable_source_is_refused_with_a_sentence_and_nothing_is_added(tmp_path: Path, source: str) -> None:
    lib = await opened(tmp_path)
    with pytest.raises(InvalidSource):
        await lib.add(source)
    assert lib.state.playlists == ()
    assert not (tmp_path / "playlists.json").exists()


async def test_refreshing_one_playlist_twice_at_once_downloads_it_once(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    lib = await opened(tmp_path)
    source = playlist_site.url("/gated.m3u")
    await lib.add(source, refresh=False)
    first = asyncio.ensure_future(lib.refresh(source))
    await playlist_site.arrived.wait()
    second = asyncio.ensure_future(lib.refresh(source))  # while the first is downloading
    playlist_site.proceed.set()
    assert await first == await second and len((await first).channels) == 8
    assert playlist_site.requests == ["/gated.m3u"]


async def test_refresh_all_reports_each_playlist_on_its_own(tmp_path: Path, playlist_site: PlaylistSite) -> None:
    lib = await opened(tmp_path)
    await lib.add(playlist_site.url("/list.m3u"), refresh=False)
    await lib.add(playlist_site.url("/page"), refresh=False)
    state = await lib.refresh_all()
    good, bad = state.playlists
    assert (len(good.channels), good.error) == (8, None)
    assert bad.channels == () and bad.error is not None and "web page" in bad.error


async def test_a_playlist_for_this_run_only_is_used_but_never_saved(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    lib = await opened(tmp_path)
    await lib.add(playlist_site.url("/list.m3u"), saved=False)
    assert len(lib.state.catalog) == 8
    later = library(tmp_path)
    await later.load()
    assert later.state.playlists == ()


async def test_a_run_only_playlist_given_before_loading_joins_the_saved_ones(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    saved = await opened(tmp_path)
    await saved.add(playlist_site.url("/list.m3u"))
    lib = library(tmp_path)
    await lib.add(playlist_site.url("/moved"), saved=False, refresh=False)
    await lib.load()
    assert lib.state.sources == (playlist_site.url("/list.m3u"), playlist_site.url("/moved"))


async def test_favourites_are_saved_and_every_change_is_announced(tmp_path: Path) -> None:
    seen: list[ChannelsState] = []
    lib = await opened(tmp_path, on_change=seen.append)
    assert [s.favourites for s in seen] == [frozenset()]  # loading announces the saved state
    seen.clear()
    await lib.set_favourite(PERVIY)
    await lib.set_favourite(("infohash", "b" * 40))
    await lib.set_favourite(("infohash", "b" * 40), on=False)
    assert [s.favourites for s in seen] == [{PERVIY}, {PERVIY, ("infohash", "b" * 40)}, {PERVIY}]
    later = library(tmp_path)
    await later.load()
    assert later.state.favourites == {PERVIY}


async def test_a_playlist_removed_while_downloading_stays_removed(tmp_path: Path, playlist_site: PlaylistSite) -> None:
    lib = await opened(tmp_path)
    source = playlist_site.url("/gated.m3u")
    await lib.add(source, refresh=False)
    refreshing = asyncio.ensure_future(lib.refresh(source))
    await playlist_site.arrived.wait()  # the download is under way
    await lib.remove(source)
    playlist_site.proceed.set()
    assert len((await refreshing).channels) == 8  # the caller still gets its answer
    assert lib.state.playlists == ()
    with pytest.raises(UnknownPlaylist):
        await lib.refresh(source)


async def test_the_first_refresh_is_due_at_once_when_copies_are_older_than_the_interval(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    clock = Clock(1000.0)
    lib = await opened(tmp_path, clock)
    assert lib.seconds_until_due(3600) == 3600  # no playlists: a whole interval
    await lib.add(playlist_site.url("/list.m3u"))
    clock.now = 1000.0 + 600
    assert lib.seconds_until_due(3600) == 3000
    clock.now = 1000.0 + 7200
    assert lib.seconds_until_due(3600) == 0
    await lib.add(playlist_site.url("/moved"), refresh=False)  # never tried
    assert lib.seconds_until_due(3600) == 0


async def test_broken_files_and_failed_writes_are_reported_as_sentences(tmp_path: Path, monkeypatch) -> None:
    problems: list[str] = []
    (tmp_path / "favourites.json").write_text("{")
    lib = library(tmp_path, on_problem=problems.append)
    assert len(await lib.load()) == 1
    assert problems[0].startswith("The saved favourites file was broken")

    def disk_full(self, state):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ChannelStore, "save_favourites", disk_full)
    await lib.set_favourite(PERVIY)
    assert problems[1] == "Could not save the favourites (No space left on device)."
    assert lib.state.favourites == {PERVIY}  # still starred for this run


async def test_a_library_without_a_store_works_in_memory(playlist_site: PlaylistSite) -> None:
    lib = ChannelLibrary(limits=LIMITS)
    assert await lib.load() == ()
    await lib.add(playlist_site.url("/list.m3u"))
    await lib.set_favourite(PERVIY)
    assert [c.name for c in lib.state.search(favourites_only=True)] == ["Первый канал"]
    await lib.close()


async def test_changes_before_loading_never_overwrite_the_saved_files(
    tmp_path: Path, playlist_site: PlaylistSite
) -> None:
    first = library(tmp_path)
    await first.load()
    await first.add(playlist_site.url("/list.m3u"))
    await first.set_favourite(PERVIY)
    lib = library(tmp_path)
    await lib.add(playlist_site.url("/moved"), refresh=False)  # saved, but before load()
    await lib.set_favourite(("id", "c" * 40))
    await lib.load()
    later = library(tmp_path)
    await later.load()
    assert later.state.sources == (playlist_site.url("/list.m3u"), playlist_site.url("/moved"))
    assert later.state.favourites == {PERVIY, ("id", "c" * 40)}
    assert later.state.starred == (PERVIY, ("id", "c" * 40))  # starred before loading: after the saved ones


async def test_favourites_keep_the_order_they_were_starred_in_across_a_restart(tmp_path: Path) -> None:
    lib = await opened(tmp_path)
    first, second, third = ("id", "f" * 40), ("infohash", "0" * 40), ("id", "8" * 40)
    for key in (first, second, third):
        await lib.set_favourite(key)
    await lib.set_favourite(first, on=False)
    await lib.set_favourite(first)  # starred again: now the newest
    await lib.set_favourite(second)  # already starred: keeps its place
    later = await opened(tmp_path)
    assert later.state.starred == (second, third, first)
